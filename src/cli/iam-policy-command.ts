import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { EXIT } from '../manifest.js';
import { cloudFormationTemplates, iamPolicies, terraformConfigs } from '../plan/index.js';

export interface IamPolicyOptions {
  config?: string;
  basePrincipal?: string;
  /** Also write one trust and one permission policy file per role into this directory. */
  out?: string;
  /** json (default): the policies; cloudformation or terraform: deployable templates of the roles. */
  format?: 'json' | 'cloudformation' | 'terraform';
}

/** `athena-fanout iam-policy`: every role's trust and permission policy, from the config; no AWS call. */
export async function iamPolicyCommand(opts: IamPolicyOptions): Promise<number> {
  const { config } = await loadConfig(opts.config ? { configPath: opts.config } : {});
  const policies = iamPolicies(config, opts.basePrincipal ? { basePrincipal: opts.basePrincipal } : {});
  if (opts.format === 'cloudformation') {
    const templates = cloudFormationTemplates(policies);
    // Printed, the templates stay one JSON document: { fileName: template }.
    if (!opts.out) return print(Object.fromEntries(templates.map((t) => [t.fileName, t.template])));
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    await writeFiles(
      templates.map((t) => ({ fileName: t.fileName, text: json(t.template) })),
      opts.out,
    );
    return EXIT.ok;
  }
  if (opts.format === 'terraform') {
    const files = terraformConfigs(policies);
    if (opts.out) await writeFiles(files, opts.out);
    else process.stdout.write(files.map((f) => `# ==> ${f.fileName} <==\n${f.text}`).join('\n'));
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

function print(value: unknown): number {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return EXIT.ok;
}

/** One file each, in subdirectories where the name has one; their paths printed. */
async function writeFiles(files: { fileName: string; text: string }[], out: string): Promise<void> {
  for (const f of files) {
    const path = join(out, f.fileName);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.text);
    process.stdout.write(`${path}\n`);
  }
}
