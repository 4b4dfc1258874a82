export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal?: { AWS: string };
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export const policyDocument = (Statement: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement,
});

/** Resources and actions deduplicated and sorted, so that a policy reads (and diffs) the same every time. */
export const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();

export const partitionOf = (arn: string): string => arn.split(':')[1] ?? 'aws';
export const accountOf = (arn: string): string => arn.split(':')[4] ?? '';
