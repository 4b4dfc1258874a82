import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';

const BASE = `version: 1
region: eu-west-1
auth:
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
sinks:
  - { type: parquet, path: "{query}.parquet" }
queries:
  - { name: a, sql: SELECT 1 }
`;
const HOOK = 'https://hooks.slack.com/services/T000/B000/sEcReTtOkEn123';

function load(yaml: string, env: Record<string, string> = { HOOK }) {
  return parseConfig(parse(yaml), { env });
}

function issues(yaml: string, env?: Record<string, string>) {
  const result = load(yaml, env);
  if (result.ok) throw new Error('expected issues');
  return result.issues.map((i) => ({ path: i.path, message: i.message }));
}

describe('notify:', () => {
  it('defaults: no alerts; a target gets on [failed, partial], 10 s, 3 retries; SNS region from the ARN', () => {
    const none = load(BASE);
    expect(none.ok && none.config.notify).toEqual([]);
    const result = load(`${BASE}notify:
  - { type: webhook, url: "\${HOOK}", format: slack }
  - { type: sns, topicArn: "arn:aws:sns:ap-southeast-2:111111111111:alerts", on: [succeeded, failed, failed], retries: 0, timeoutSeconds: 30 }
`);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.notify).toEqual([
      {
        type: 'webhook',
        url: HOOK,
        format: 'slack',
        on: ['failed', 'partial'],
        timeoutSeconds: 10,
        retries: 3,
      },
      {
        type: 'sns',
        topicArn: 'arn:aws:sns:ap-southeast-2:111111111111:alerts',
        region: 'ap-southeast-2',
        on: ['failed', 'succeeded'],
        timeoutSeconds: 30,
        retries: 0,
      },
    ]);
  });

  it('http only to a loopback host', () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/x', 'http://[::1]:9/x']) {
      expect(load(`${BASE}notify: [{ type: webhook, url: "${url}" }]`).ok).toBe(true);
    }
    expect(
      issues(`${BASE}notify: [{ type: webhook, url: "http://hooks.example.com/T000/sEcReT99" }]`),
    ).toEqual([
      { path: 'notify.0.url', message: 'expected https://: plain http is allowed only for a loopback host' },
    ]);
  });

  it('names each bad field and never echoes the webhook URL', () => {
    const found = issues(
      `${BASE}notify:
  - { type: webhook, url: "ftp://\${HOOK}", on: [], retries: 11, timeoutSeconds: 0, format: teams }
  - { type: sns, topicArn: "arn:aws:sqs:eu-west-1:111111111111:q" }
  - { type: email }
`,
    );
    expect(found.map((i) => i.path).sort()).toEqual([
      'notify.0.format',
      'notify.0.on',
      'notify.0.retries',
      'notify.0.timeoutSeconds',
      'notify.0.url',
      'notify.1.topicArn',
      'notify.2.type',
    ]);
    expect(JSON.stringify(found)).not.toContain('sEcReTtOkEn123');
    expect(found.find((i) => i.path === 'notify.0.on')?.message).toMatch(/at least one status/);
  });
});
