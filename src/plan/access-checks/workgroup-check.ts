import { type AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  type CheckResult,
  type Encryption,
  failed,
  failedWith,
  passed,
  type WorkgroupFacts,
} from './check-result.js';

export type { WorkgroupFacts } from './check-result.js';

function bytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

const encryptionText = (e: Encryption) => `${e.option}${e.kmsKey ? ` (${e.kmsKey})` : ''}`;

function notesOf(facts: WorkgroupFacts, configured: string[]): string[] {
  const notes: string[] = [];
  if (facts.enforced) {
    const where = facts.outputLocation
      ? `results go to ${facts.outputLocation}`
      : 'no output location of its own (managed query results)';
    notes.push(
      `enforces its configuration: ${where}${facts.encryption ? `, encrypted ${encryptionText(facts.encryption)}` : ''}`,
    );
    const overridden = configured.filter((c) => c !== facts.outputLocation);
    if (facts.outputLocation && overridden.length > 0) {
      notes.push(
        `the config's outputLocation ${overridden.join(', ')} is overridden: results will be read from ${facts.outputLocation}`,
      );
    }
  }
  if (facts.bytesScannedCutoffPerQuery !== undefined) {
    notes.push(
      `bytes scanned cutoff ${bytes(facts.bytesScannedCutoffPerQuery)} per query: a query scanning more fails`,
    );
  }
  return notes;
}

/**
 * GetWorkGroup: the workgroup exists and is ENABLED (Athena refuses every query in a disabled one), and
 * what it enforces, reported as information. `configured`: the config's output locations of the queries
 * using it here, to say when the workgroup overrides them.
 */
export async function checkWorkgroup(
  athena: AthenaClient,
  where: { region: string; workgroup: string; queries: string[]; configured: string[] },
  signal: AbortSignal | undefined,
): Promise<{ facts: WorkgroupFacts; result: CheckResult }> {
  const { region, workgroup, queries } = where;
  const base = {
    check: 'workgroup' as const,
    action: 'athena:GetWorkGroup',
    resource: `${workgroup}@${region}`,
    region,
    queries,
  };
  const facts: WorkgroupFacts = { region, workgroup, ok: false };
  try {
    const out = await athena.send(
      new GetWorkGroupCommand({ WorkGroup: workgroup }),
      signal ? { abortSignal: signal } : {},
    );
    const wg = out.WorkGroup;
    const conf = wg?.Configuration;
    const result = conf?.ResultConfiguration;
    if (wg?.State) facts.state = wg.State;
    if (conf?.EnforceWorkGroupConfiguration !== undefined)
      facts.enforced = conf.EnforceWorkGroupConfiguration;
    if (result?.OutputLocation) facts.outputLocation = result.OutputLocation;
    const enc = result?.EncryptionConfiguration;
    if (enc?.EncryptionOption) {
      facts.encryption = { option: enc.EncryptionOption, ...(enc.KmsKey ? { kmsKey: enc.KmsKey } : {}) };
    }
    if (conf?.BytesScannedCutoffPerQuery !== undefined) {
      facts.bytesScannedCutoffPerQuery = conf.BytesScannedCutoffPerQuery;
    }
  } catch (err) {
    return { facts, result: failedWith(base, err) };
  }
  const notes = notesOf(facts, where.configured);
  if (facts.state === 'DISABLED') {
    return {
      facts,
      result: {
        ...failed(
          base,
          'WorkGroupDisabled',
          `workgroup ${workgroup} is DISABLED: Athena refuses every query in it`,
        ),
        ...(notes.length > 0 ? { notes } : {}),
      },
    };
  }
  facts.ok = true;
  return { facts, result: passed(base, notes) };
}

/**
 * Where a query's results land and how they are encrypted: the workgroup's settings when it enforces
 * them (Athena then ignores the query's), else the query's, else the workgroup's.
 */
export function resultSettings(
  facts: WorkgroupFacts | undefined,
  query: { outputLocation?: string; encryption?: Encryption },
): { location?: string; encryption?: Encryption } {
  if (facts?.enforced) {
    return {
      ...(facts.outputLocation ? { location: facts.outputLocation } : {}),
      ...(facts.encryption ? { encryption: facts.encryption } : {}),
    };
  }
  const location = query.outputLocation ?? facts?.outputLocation;
  const encryption = query.encryption ?? facts?.encryption;
  return { ...(location ? { location } : {}), ...(encryption ? { encryption } : {}) };
}
