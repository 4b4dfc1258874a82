import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { iamPolicyCommand, type IamPolicyOptions } from './iam-policy-command.js';
import { planCommand, type PlanOptions } from './plan-command.js';
import { validateCommand } from './validate-command.js';

/** plan, iam-policy, validate: the commands that look at a config and run no query. */
export function registerInspectionCommands(
  program: Command,
  logger: () => Logger,
  setCode: (code: number) => void,
): void {
  program
    .command('plan')
    .description(
      'show the accounts (OU path, state, why skipped), role chains, regions and SQL a run would use; runs no query',
    )
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print the plan as JSON')
    .option(
      '--check-access',
      "per account: the role chain, the workgroups (enabled, what they enforce), each table's Glue entry and data location (listed, not read), the results location (a probe object written and removed); exit 1 if any fails",
    )
    .option('--full-refresh', 'show the windows of incremental queries as `run --full-refresh` reads them')
    .option('--explain', 'with --check-access: EXPLAIN each rendered query (scans no data, costs nothing)')
    .option('--no-write-check', 'with --check-access: write no probe object under the results locations')
    .action(async (opts: PlanOptions) => {
      setCode(await planCommand(opts, logger()));
    });
  program
    .command('iam-policy')
    .description(
      "print every chain role's trust policy and least-privilege permission policy (JSON, CloudFormation or Terraform), checked against IAM's action list and size limits",
    )
    .option('-c, --config <file>', 'config file')
    .option('--base-principal <arn>', 'the identity the chains start from (trusted by their first hops)')
    .option(
      '--out <dir>',
      'write into this directory: json: also one file per policy; cloudformation, terraform: the templates',
    )
    .addOption(
      new Option(
        '--format <format>',
        'json: the policies; cloudformation: a StackSet template for the member-account roles and a stack per account for the others; terraform: the same as .tf modules',
      )
        .choices(['json', 'cloudformation', 'terraform'])
        .default('json'),
    )
    .option(
      '--discover',
      "read each table's data location, Lake Formation registration and KMS keys from Glue, S3 and Athena through the account chains (read-only calls)",
    )
    .option('--discover-accounts <n>', 'with --discover: read only the first N selected accounts (a sample)')
    .action(async (opts: IamPolicyOptions) => {
      setCode(await iamPolicyCommand(opts, logger()));
    });
  program
    .command('validate')
    .description('check the config file without calling AWS')
    .option('-c, --config <file>', 'config file')
    .action(async (opts: { config?: string }) => {
      setCode(await validateCommand(opts.config));
    });
}
