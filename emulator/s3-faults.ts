import { ApiError } from './protocol.js';
import type { FailS3 } from './scenario.js';

/** The `failS3` knob: injected S3 errors, counted per rule for `times`. */
export class S3Faults {
  private readonly used = new Map<FailS3, number>();

  constructor(private readonly rules: readonly FailS3[]) {}

  /** Throws the first matching rule's error, or returns 'truncate' when that rule cuts the body short. */
  check(action: string, key: string, range?: string): 'truncate' | undefined {
    for (const rule of this.rules) {
      if (rule.action !== action || !key.includes(rule.match)) continue;
      if (rule.range !== undefined && !(range ?? '').startsWith(rule.range)) continue;
      const used = this.used.get(rule) ?? 0;
      if (rule.times !== undefined && used >= rule.times) continue;
      this.used.set(rule, used + 1);
      if (rule.truncate) return 'truncate';
      throw new ApiError(rule.code, rule.message, rule.status);
    }
    return undefined;
  }
}
