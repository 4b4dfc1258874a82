import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type PipelineConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { EXIT } from '../manifest.js';
import {
  checkPolicies,
  discoverCatalog,
  iamPolicies,
  makeRunId,
  resolveAccounts,
  type CatalogFacts,
  type IamPolicies,
  type PolicyDocument,
} from '../plan/index.js';
import { buildCredentials } from './build-credentials.js';
import { type IamPolicyFormat, writeDeployable } from './iam-policy-formats.js';

export interface IamPolicyOptions {
  config?: string;
  basePrincipal?: string;
  /** Also write one trust and one permission policy file per role into this directory. */
  out?: string;
  /** Read the tables' locations, Lake Formation registration and KMS keys through the account chains. */
  discover?: boolean;
  /** With `discover`: read only this many of the selected accounts. */
  discoverAccounts?: string;
  /** json (default): the policies; cloudformation or terraform: the roles as deployable templates. */
  format?: IamPolicyFormat;
}

const json = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;

/** `name.permissions.json`, or `name.permissions-1.json`… when split into managed policies. */
async function writeDocuments(dir: string, name: string, docs: PolicyDocument[]): Promise<void> {
  for (const [i, doc] of docs.entries()) {
    const suffix = docs.length === 1 ? '' : `-${i + 1}`;
    await writeFile(join(dir, `${name}.permissions${suffix}.json`), json(doc));
  }
}

async function writeOut(dir: string, policies: IamPolicies, grants: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const role of policies.roles) {
    const name = `${role.chain}-${role.hop}-${role.roleArn.split('/').at(-1) ?? 'role'}`;
    await writeFile(join(dir, `${name}.trust.json`), json(role.trustPolicy));
    await writeDocuments(dir, name, role.permissionPolicies);
  }
  await writeDocuments(dir, 'base-identity', policies.base.permissionPolicies);
  if (grants.length > 0) await writeFile(join(dir, 'lake-formation-grants.txt'), `${grants.join('\n')}\n`);
}

function discoverCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError([
      {
        path: '--discover-accounts',
        message: `expected a positive whole number, got ${JSON.stringify(value)}`,
      },
    ]);
  }
  return n;
}

async function discover(
  config: PipelineConfig,
  accounts: number | undefined,
  log?: Logger,
): Promise<CatalogFacts> {
  const { base, resolver } = buildCredentials(config, {
    runId: makeRunId(new Date()),
    ...(log ? { log } : {}),
  });
  const resolved = await resolveAccounts(config, resolver, base);
  return discoverCatalog(config, resolved, accounts === undefined ? {} : { accounts });
}

/** What a reader must act on, on stderr: statement notes, size warnings, discovery's gaps, LF grants. */
function report(policies: IamPolicies, grants: string[]): string {
  const lines: string[] = [];
  for (const w of policies.warnings) lines.push(`warning: ${w}`);
  const roles = [{ roleArn: 'base identity', ...policies.base }, ...policies.roles];
  for (const r of roles) {
    for (const [sid, notes] of Object.entries(r.statementNotes)) {
      for (const n of notes) lines.push(`note: ${r.roleArn} ${sid}: ${n}`);
    }
  }
  for (const n of policies.discovered?.notes ?? []) lines.push(`discover: ${n}`);
  for (const f of policies.discovered?.failures ?? []) lines.push(`discover failed: ${f}`);
  if (grants.length > 0) {
    lines.push(
      'Lake Formation grants (not IAM: make them in each account as a data lake administrator, <accountId> being that account):',
      ...grants.map((g) => `  ${g}`),
    );
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/**
 * `athena-fanout iam-policy`: every role's trust and permission policy, from the config (no AWS call)
 * or, with `--discover`, also from the tables' catalogs read through the account chains. Policies are
 * checked against IAM's action list before they are printed.
 */
export async function iamPolicyCommand(opts: IamPolicyOptions, log?: Logger): Promise<number> {
  const { config } = await loadConfig(opts.config ? { configPath: opts.config } : {});
  const accounts = discoverCount(opts.discoverAccounts);
  if (accounts !== undefined && !opts.discover) {
    throw new ConfigError([{ path: '--discover-accounts', message: 'only with --discover' }]);
  }
  const discovered = opts.discover ? await discover(config, accounts, log) : undefined;
  const policies = iamPolicies(config, {
    ...(opts.basePrincipal ? { basePrincipal: opts.basePrincipal } : {}),
    ...(discovered ? { discovered } : {}),
  });
  const problems = await checkPolicies(policies);
  if (problems.length > 0) {
    process.stderr.write(
      `refusing to print policies IAM would reject:\n${problems.map((p) => `  ${p}\n`).join('')}`,
    );
    return EXIT.partial;
  }
  const grants = policies.roles.flatMap((r) => r.lakeFormationGrants);
  if (opts.format && opts.format !== 'json') {
    await writeDeployable(opts.format, policies, opts.out);
  } else {
    if (opts.out) await writeOut(opts.out, policies, grants);
    process.stdout.write(json(policies));
  }
  process.stderr.write(report(policies, grants));
  // Policies built from a partial reading may lack a grant: say so by the exit code too.
  return (discovered?.failures.length ?? 0) > 0 ? EXIT.partial : EXIT.ok;
}
