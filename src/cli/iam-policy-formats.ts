import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cloudFormationTemplates, terraformConfigs } from '../plan/index.js';
import type { IamPolicies } from '../plan/iam-policy/iam-policies.js';

export type IamPolicyFormat = 'json' | 'cloudformation' | 'terraform';

/**
 * `iam-policy --format cloudformation|terraform`: the roles as deployable templates, written under `out`
 * (their paths printed) or printed: CloudFormation as one JSON object `{ fileName: template }`,
 * Terraform as the files one after another under `# ==> fileName <==` lines.
 */
export async function writeDeployable(
  format: Exclude<IamPolicyFormat, 'json'>,
  policies: IamPolicies,
  out: string | undefined,
): Promise<void> {
  if (format === 'cloudformation') {
    const templates = cloudFormationTemplates(policies);
    if (!out) {
      print(Object.fromEntries(templates.map((t) => [t.fileName, t.template])));
      return;
    }
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    await writeFiles(
      templates.map((t) => ({ fileName: t.fileName, text: json(t.template) })),
      out,
    );
    return;
  }
  const files = terraformConfigs(policies);
  if (out) await writeFiles(files, out);
  else process.stdout.write(files.map((f) => `# ==> ${f.fileName} <==\n${f.text}`).join('\n'));
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function writeFiles(files: { fileName: string; text: string }[], out: string): Promise<void> {
  for (const f of files) {
    const path = join(out, f.fileName);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.text);
    process.stdout.write(`${path}\n`);
  }
}
