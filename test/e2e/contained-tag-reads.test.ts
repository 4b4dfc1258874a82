import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInOrgDir } from '../helpers/org-run.js';
import { MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

/** Four accounts, each tagged env=<its name>; one whose tags a policy denies, one gone since listed. */
const ACCOUNTS = [MANAGEMENT, MEMBERS[0]!, MEMBERS[1]!, MEMBERS[2]!];
const [DENIED_TAGS, REMOVED] = [MEMBERS[1]!, MEMBERS[2]!];

function scenario(failTagReads = true) {
  const s = orgScenario();
  s.accounts = s.accounts.map((a) => ({ ...a, tags: { env: `env-${a.id}` } }));
  s.knobs = {
    ...s.knobs,
    ...(failTagReads
      ? {
          failTagReads: [
            { account: DENIED_TAGS, error: 'AccessDenied' as const },
            { account: REMOVED, error: 'Removed' as const },
          ],
        }
      : {}),
  };
  return s;
}

function config(queries: string): string {
  return pipelineYaml()
    .replace(/ {2}exclude: .*\n/, `  include: [${ACCOUNTS.map((a) => `"${a}"`).join(', ')}]\n`)
    .replace(
      /queries:\n(?: {2}.*\n)+sinks:\n(?: {2}- .*\n)+/,
      `queries:\n${queries}sinks:\n  - { type: ndjson, path: out/{query}.ndjson }\n`,
    );
}

async function ndjson(file: string): Promise<Record<string, unknown>[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The accounts whose tags were read (a read may take several pages). */
const tagReads = (calls: { action: string; params?: Record<string, unknown> }[]) => [
  ...new Set(calls.filter((c) => c.action === 'ListTagsForResource').map((c) => c.params?.ResourceId)),
];

describe('tags: read when a template uses them, one account failing skips that account', () => {
  it('a tag read refused (AccessDenied) or of an account gone mid-run skips that account with AWS words; the rest run', async () => {
    const run = await runInOrgDir(
      config(`  - name: tagged
    sql: SELECT {{accountId}} AS id, {{tags.env}} AS env
`),
      { scenario: scenario(), prefix: 'fanout-tags-' },
    );
    try {
      const { manifest: m, result } = run;
      expect(result.code, result.stderr).toBe(0);
      expect(m.status).toBe('succeeded');
      const skipped = new Map(m.accounts.skipped.map((s) => [s.accountId, s.reason]));
      expect(skipped.get(DENIED_TAGS)).toMatch(
        /tags could not be read: .*AccessDeniedException: User: arn:aws:sts::111111111111:assumed-role\/OrgReader\/.* is not authorized to perform: organizations:ListTagsForResource/,
      );
      expect(skipped.get(REMOVED)).toMatch(
        /tags could not be read: .*TargetNotFoundException: We can't find a root, OU, account, or policy/,
      );
      expect(result.stdout).toContain(`${DENIED_TAGS} (member-2): its tags could not be read`);
      // The other accounts ran, each with its own tag.
      expect(m.units.map((u) => u.accountId).sort()).toEqual([MANAGEMENT, MEMBERS[0]]);
      expect(m.units.every((u) => u.state === 'succeeded')).toBe(true);
      const rows = await ndjson(join(run.dir, 'out/tagged.ndjson'));
      expect(rows.map((r) => r.env).sort()).toEqual([`env-${MANAGEMENT}`, `env-${MEMBERS[0]}`]);
    } finally {
      await run.cleanup();
    }
  });

  it('parameters: [{{tags.env}}] reads tags; SQL merely saying "tags" reads none', async () => {
    const run = await runInOrgDir(
      config(`  - name: param
    sql: SELECT {{accountId}} AS id, ? AS env
    parameters: ['{{tags.env}}']
`),
      { scenario: scenario(false), prefix: 'fanout-tags-' },
    );
    try {
      expect(run.result.code, run.result.stderr).toBe(0);
      const rows = await ndjson(join(run.dir, 'out/param.ndjson'));
      expect(Object.fromEntries(rows.map((r) => [r.id, r.env]))).toEqual(
        Object.fromEntries(ACCOUNTS.map((a) => [a, `env-${a}`])),
      );
      expect(tagReads(run.emulator.record.calls)).toHaveLength(ACCOUNTS.length);
    } finally {
      await run.cleanup();
    }

    const words = await runInOrgDir(
      config(`  - name: words
    sql: SELECT /* no tag is used here, tags or tag */ 'tags' AS tags, {{accountId}} AS id
`),
      { scenario: scenario(), prefix: 'fanout-tags-' },
    );
    try {
      expect(words.result.code, words.result.stderr).toBe(0);
      // The failing tag reads of the scenario are never made: no account is skipped for them.
      expect(tagReads(words.emulator.record.calls)).toEqual([]);
      expect(words.manifest.accounts.skipped.filter((s) => ACCOUNTS.includes(s.accountId))).toEqual([]);
      expect(words.manifest.units).toHaveLength(ACCOUNTS.length);
    } finally {
      await words.cleanup();
    }
  });
});
