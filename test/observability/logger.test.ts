import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { formatPrettyLine } from '../../src/observability/pretty-stream.js';
import { redactValue, registerSecrets, REDACTED, scrubStrings } from '../../src/observability/redact.js';

function capture(isTTY = false) {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => lines.join('') };
}

describe('createLogger', () => {
  it('writes JSON lines at the chosen level and drops lower ones', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', stream: out.stream });
    log.info('hidden');
    log.warn({ account: '123456789012' }, 'shown');
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: 'shown', account: '123456789012' });
  });

  it('rejects an unknown level with the allowed ones', () => {
    expect(() => createLogger({ level: 'verbose', stream: capture().stream })).toThrow(/trace, debug, info/);
  });

  it('replaces secret-named fields at any depth, and keeps harmless look-alikes', () => {
    const out = capture();
    const log = createLogger({ level: 'info', stream: out.stream });
    log.info(
      {
        credentials: { accessKeyId: 'AKIAXXX', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' },
        hops: [{ roleArn: 'arn:aws:iam::1:role/R', ExternalId: 'ext-topsecret-1' }],
        headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=...', 'x-amz-security-token': 'FwoGZXIvYXdz' },
        SessionToken: 'IQoJb3JpZ2luX2Vj',
        NextToken: 'page-2',
        tokenFile: '/var/run/secrets/token',
      },
      'hop',
    );
    const text = out.text();
    for (const secret of [
      'wJalrXUtnFEMI/K7MDENG',
      'ext-topsecret-1',
      'AWS4-HMAC',
      'FwoGZXIvYXdz',
      'IQoJb3JpZ2luX2Vj',
    ]) {
      expect(text).not.toContain(secret);
    }
    const obj = JSON.parse(text) as Record<string, unknown>;
    expect(obj).toMatchObject({
      NextToken: 'page-2',
      tokenFile: '/var/run/secrets/token',
      SessionToken: REDACTED,
    });
  });

  it('cuts registered secret values out of messages, errors and free text', () => {
    registerSecrets('known-secret-value-42');
    const out = capture();
    const log = createLogger({ level: 'info', stream: out.stream });
    const err = new FanoutError('AssumeRole failed with ExternalId known-secret-value-42', {
      context: { roleArn: 'arn:aws:iam::1:role/R' },
    });
    log.error({ err }, 'failed: known-secret-value-42');
    log.warn('plain known-secret-value-42 text');
    const text = out.text();
    expect(text).not.toContain('known-secret-value-42');
    expect(text).toContain('arn:aws:iam::1:role/R');
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('prints readable lines on a terminal', () => {
    const out = capture(true);
    const log = createLogger({ level: 'info', stream: out.stream, format: 'auto' });
    log.info({ rows: 4, path: '/tmp/a b' }, 'output written');
    expect(out.text()).toMatch(/^\d\d:\d\d:\d\d .*INFO.* output written rows=4 path="\/tmp\/a b"\n$/);
    expect(formatPrettyLine('{"level":50,"time":0,"msg":"x"}', false)).toBe('00:00:00 ERROR x\n');
  });
});

describe('redactValue', () => {
  it('leaves non-secret values as they are', () => {
    expect(redactValue({ a: 1, b: ['x', { c: true }], token: undefined })).toEqual({
      a: 1,
      b: ['x', { c: true }],
      token: undefined,
    });
  });
});

describe('scrubStrings', () => {
  it('cuts registered secrets out of every string of a manifest-like object, keeping its shape', () => {
    registerSecrets('manifest-secret-77');
    const out = scrubStrings({
      units: [{ error: { message: 'bad ExternalId manifest-secret-77' }, rows: 3 }],
      ok: true,
    });
    expect(out).toEqual({ units: [{ error: { message: `bad ExternalId ${REDACTED}` }, rows: 3 }], ok: true });
  });
});
