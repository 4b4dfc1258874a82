import type { FieldIssue } from './zod-issues.js';

/** The fields of `auth.credentials` that hold secrets, and the variable the SDK itself would read. */
const SECRET_FIELDS = {
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
} as const;

const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Static keys are accepted only as a whole `${NAME}` reference: a key written into the file ends up in
 * version control and backups. Checked on the file's text before interpolation; never echoes the value.
 */
export function literalSecretIssues(raw: unknown): FieldIssue[] {
  const credentials = field(field(raw, 'auth'), 'credentials');
  const issues: FieldIssue[] = [];
  for (const [key, variable] of Object.entries(SECRET_FIELDS)) {
    const value = field(credentials, key);
    if (typeof value !== 'string' || WHOLE_REFERENCE.test(value.trim())) continue;
    issues.push({
      path: ['auth', 'credentials', key],
      message: `a secret written into the config file is refused: set it in the environment and write ${key}: \${${variable}} (or leave auth.credentials out: the AWS SDK default chain reads ${variable} itself)`,
    });
  }
  return issues;
}
