import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { EXIT } from '../manifest.js';
import { iamPolicies } from '../plan/index.js';
import { type IamPolicyFormat, writeDeployable } from './iam-policy-formats.js';

export interface IamPolicyOptions {
  config?: string;
  basePrincipal?: string;
  /** Also write one trust and one permission policy file per role into this directory. */
  out?: string;
  /** json (default): the policies; cloudformation or terraform: the roles as deployable templates. */
  format?: IamPolicyFormat;
}

/** `athena-fanout iam-policy`: every role's trust and permission policy, from the config; no AWS call. */
export async function iamPolicyCommand(opts: IamPolicyOptions): Promise<number> {
  const { config } = await loadConfig(opts.config ? { configPath: opts.config } : {});
  const policies = iamPolicies(config, opts.basePrincipal ? { basePrincipal: opts.basePrincipal } : {});
  if (opts.format && opts.format !== 'json') {
    await writeDeployable(opts.format, policies, opts.out);
    return EXIT.ok;
  }
  if (opts.out) {
    await mkdir(opts.out, { recursive: true });
    for (const role of policies.roles) {
      const name = `${role.chain}-${role.hop}-${role.roleArn.split('/').at(-1) ?? 'role'}`;
      await writeFile(join(opts.out, `${name}.trust.json`), `${JSON.stringify(role.trustPolicy, null, 2)}\n`);
      await writeFile(
        join(opts.out, `${name}.permissions.json`),
        `${JSON.stringify(role.permissionPolicy, null, 2)}\n`,
      );
    }
    await writeFile(
      join(opts.out, 'base-identity.permissions.json'),
      `${JSON.stringify(policies.base.permissionPolicy, null, 2)}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(policies, null, 2)}\n`);
  return EXIT.ok;
}
