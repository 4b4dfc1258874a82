import type * as z from 'zod';
import { KEY_MESSAGE_SEPARATOR } from './messages.js';

/** A zod issue reduced to what a person needs: where, what, and whether to point at the key. */
export interface FieldIssue {
  path: PropertyKey[];
  message: string;
  /** Point at the key (unknown keys) rather than the value. */
  atKey?: boolean;
}

/**
 * Flattens zod's issue tree: unknown keys become one issue per key, a failed union reports the
 * branch that matched the value's shape (a string hop's bad ARN, not "expected a mapping").
 */
export function fieldIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): FieldIssue[] {
  return issues.flatMap((issue): FieldIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const messages = issue.message.split(KEY_MESSAGE_SEPARATOR);
      return issue.keys.map((key, i) => ({
        path: [...path, key],
        message: messages[i] ?? `unknown key "${key}"`,
        atKey: true,
      }));
    }
    if (issue.code === 'invalid_union') {
      if (issue.discriminator !== undefined && issue.errors.length === 0) {
        return [{ path, message: issue.message }];
      }
      const shaped = issue.errors.filter(
        (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      if (shaped.length === 1) return fieldIssues(shaped[0]!, path);
    }
    return [{ path, message: issue.message }];
  });
}
