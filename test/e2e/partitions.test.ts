import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { DEV, MGMT, WEB, overridesConfigTop, overridesScenario } from '../helpers/overrides-scenario.js';

// The emulator's organization with every ARN in another partition; the CLI run from a region of it.
async function runIn(partition: string, region: string, orgRegion: string) {
  const { emulator, dir, cleanup } = await emulatorDir({
    scenario: overridesScenario(partition),
    prefix: `fanout-${partition}-`,
    config: `${overridesConfigTop(region, partition)}queries:
  - { name: orders, sql: 'SELECT owner, n FROM orders' }
sinks:
  - { type: ndjson, path: out/{query}.ndjson }
`,
  });
  try {
    // AWS_REGION says eu-west-1: the config's region decides, as it would for a user
    const result = await runCli(['run'], { cwd: dir, env: emulatorEnv(emulator) });
    expect(result.code, result.stderr).toBe(0);
    const rows = (await readFile(join(dir, 'out/orders.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { owner: string })
      .map((r) => r.owner)
      .sort();
    expect(rows).toEqual([MGMT, WEB, DEV].sort());
    const regionsOf = (service: string) => [
      ...new Set(emulator.record.calls.filter((c) => c.service === service).map((c) => c.region)),
    ];
    // Organizations answers in the partition's one region; STS and Athena are called in the run's region
    expect(regionsOf('organizations')).toEqual([orgRegion]);
    expect(regionsOf('sts')).toEqual([region]);
    expect(regionsOf('athena')).toEqual([region]);
    expect(
      emulator.record.assumeRoles
        .filter((a) => a.ok)
        .map((a) => a.roleArn)
        .sort(),
    ).toEqual([
      `arn:${partition}:iam::${MGMT}:role/AthenaReader`,
      `arn:${partition}:iam::${MGMT}:role/OrgReader`,
      `arn:${partition}:iam::${WEB}:role/AthenaReader`,
      `arn:${partition}:iam::${DEV}:role/AthenaReader`,
    ]);
    expect(emulator.record.queries.every((q) => q.callerArn.startsWith(`arn:${partition}:sts::`))).toBe(true);
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(new Set(manifest.units.map((u) => `${u.region}/${u.state}`))).toEqual(
      new Set([`${region}/succeeded`]),
    );
  } finally {
    await cleanup();
  }
}

describe('AWS partitions end to end', () => {
  it('aws-cn: arn:aws-cn: roles from cn-north-1, Organizations in cn-northwest-1', async () => {
    await runIn('aws-cn', 'cn-north-1', 'cn-northwest-1');
  });

  it('aws-us-gov: arn:aws-us-gov: roles from us-gov-east-1, Organizations in us-gov-west-1', async () => {
    await runIn('aws-us-gov', 'us-gov-east-1', 'us-gov-west-1');
  });
});
