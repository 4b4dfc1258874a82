import { createInterface } from 'node:readline/promises';
import type { MfaSource, PipelineConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';

/** A TOTP code changes every 30 seconds: within that window one code serves every first hop at once. */
const CODE_REUSE_MS = 25_000;

export interface Terminal {
  isTTY: boolean;
  ask(question: string): Promise<string>;
}

export const processTerminal: Terminal = {
  isTTY: process.stdin.isTTY && process.stderr.isTTY,
  async ask(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};

/**
 * The MFA source for the run, or undefined without `auth.credentials.mfa`. Throws ConfigError (exit 2,
 * before any AWS call) when no code is configured and there is no terminal to ask on.
 */
export function mfaSource(
  config: PipelineConfig,
  terminal: Terminal = processTerminal,
): MfaSource | undefined {
  const mfa = config.auth.mfa;
  if (!mfa) return undefined;
  if (mfa.tokenCode === undefined && !terminal.isTTY) {
    throw new ConfigError([
      {
        path: 'auth.credentials.mfa.tokenCode',
        ...(config.configFile ? { file: config.configFile } : {}),
        message: `no MFA code and no terminal to ask for one: set tokenCode: \${MFA_CODE} and run with MFA_CODE=<the 6-digit code of ${mfa.serialNumber}>, or run interactively`,
      },
    ]);
  }
  let configured = mfa.tokenCode;
  let last: { code: string; at: number } | undefined;
  let asking: Promise<string> | undefined;
  const ask = async (): Promise<string> => {
    for (;;) {
      const code = (await terminal.ask(`MFA code for ${mfa.serialNumber}: `)).trim();
      if (/^\d{6}$/.test(code)) return code;
      process.stderr.write('expected the 6-digit code shown by the device\n');
    }
  };
  return {
    serialNumber: mfa.serialNumber,
    tokenCode: async () => {
      if (last && Date.now() - last.at < CODE_REUSE_MS) return last.code;
      if (configured !== undefined) {
        last = { code: configured, at: Date.now() };
        // A configured code is used first; later sessions need a fresh one from the terminal, if any.
        if (terminal.isTTY) configured = undefined;
        return last.code;
      }
      if (!terminal.isTTY && last) return last.code;
      asking ??= ask().finally(() => {
        asking = undefined;
      });
      const code = await asking;
      last = { code, at: Date.now() };
      return code;
    },
  };
}
