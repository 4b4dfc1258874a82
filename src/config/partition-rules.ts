import type { PipelineConfig } from './types.js';
import type { FieldIssue } from './zod-issues.js';

/**
 * The AWS partition a region belongs to. Each partition is its own world: a role in `aws-cn` can only
 * be assumed through STS in a China region, and Organizations answers there in cn-northwest-1.
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** An ARN's partition (`arn:aws-cn:…` → aws-cn). */
export const partitionOfArn = (arn: string): string => arn.split(':')[1] ?? 'aws';

/**
 * Every role ARN and region of the config in the home region's partition: a mix cannot work (STS
 * refuses another partition's role, Athena has no such region there), so it is refused before any call.
 */
export function partitionIssues(config: PipelineConfig): FieldIssue[] {
  const home = partitionOfRegion(config.region);
  const issues: FieldIssue[] = [];
  const arn = (value: string, path: (string | number)[]) => {
    const p = partitionOfArn(value);
    if (p === home) return;
    issues.push({
      path,
      message: `is in partition ${p}, but region ${config.region} is in ${home}: use a region of ${p} (e.g. ${example(p)}) or a role in arn:${home}:`,
    });
  };
  const region = (value: string, path: (string | number)[]) => {
    const p = partitionOfRegion(value);
    if (p === home) return;
    issues.push({
      path,
      message: `${value} is in partition ${p}, but the home region ${config.region} is in ${home}: one run stays in one partition`,
    });
  };
  config.auth.masterRoleChain.forEach((h, i) => {
    arn(h.arn, ['auth', 'masterRoleChain', i]);
  });
  config.auth.accountRoleChain.forEach((h, i) => {
    arn(h.arn, ['auth', 'accountRoleChain', i]);
  });
  const source = config.auth.credentials;
  if (source && 'roleArn' in source) arn(source.roleArn, ['auth', 'credentials', 'roleArn']);
  // Query regions are listed per query after normalisation; report each distinct one once, at the top.
  const seen = new Set<string>();
  config.queries.forEach((q, i) => {
    q.regions.forEach((r, j) => {
      if (seen.has(r)) return;
      seen.add(r);
      region(
        r,
        config.regions.includes(r) ? ['regions', config.regions.indexOf(r)] : ['queries', i, 'regions', j],
      );
    });
  });
  config.overrides.forEach((o, i) => {
    o.set.regions?.forEach((r, j) => {
      region(r, ['overrides', i, 'set', 'regions', j]);
    });
  });
  return issues;
}

function example(partition: string): string {
  return (
    { 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1', aws: 'us-east-1' }[partition] ?? 'its region'
  );
}
