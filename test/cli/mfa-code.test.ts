import { describe, expect, it } from 'vitest';
import { mfaSource, type Terminal } from '../../src/cli/mfa-code.js';
import type { PipelineConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';

function configWith(mfa: PipelineConfig['auth']['mfa']): PipelineConfig {
  return { auth: { ...(mfa ? { mfa } : {}) } } as unknown as PipelineConfig;
}

function terminal(isTTY: boolean, answers: string[]): Terminal & { questions: string[] } {
  const questions: string[] = [];
  return {
    isTTY,
    questions,
    ask: (q) => {
      questions.push(q);
      return Promise.resolve(answers.shift() ?? '');
    },
  };
}

describe('the MFA code', () => {
  it('is not needed without auth.credentials.mfa', () => {
    expect(mfaSource(configWith(undefined), terminal(false, []))).toBeUndefined();
  });

  it('without a code and without a terminal, stops the run with a config error naming the field', () => {
    expect(() => mfaSource(configWith({ serialNumber: SERIAL }), terminal(false, []))).toThrow(ConfigError);
    try {
      mfaSource(configWith({ serialNumber: SERIAL }), terminal(false, []));
    } catch (err) {
      expect((err as ConfigError).issues[0]!.path).toBe('auth.credentials.mfa.tokenCode');
      expect((err as ConfigError).message).toContain(SERIAL);
    }
  });

  it('on a terminal, is asked for once (again until it is 6 digits) and shared by concurrent first hops', async () => {
    const tty = terminal(true, ['12ab', '135790']);
    const source = mfaSource(configWith({ serialNumber: SERIAL }), tty)!;
    expect(source.serialNumber).toBe(SERIAL);
    const codes = await Promise.all([source.tokenCode(), source.tokenCode(), source.tokenCode()]);
    expect(codes).toEqual(['135790', '135790', '135790']);
    expect(tty.questions).toEqual([`MFA code for ${SERIAL}: `, `MFA code for ${SERIAL}: `]);
  });

  it('a configured code is used as given, without asking', async () => {
    const tty = terminal(false, []);
    const source = mfaSource(configWith({ serialNumber: SERIAL, tokenCode: '024680' }), tty)!;
    expect(await source.tokenCode()).toBe('024680');
    expect(await source.tokenCode()).toBe('024680');
    expect(tty.questions).toEqual([]);
  });
});
