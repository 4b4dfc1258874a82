/**
 * Fields whose value the tool runs as a command. A config found by searching the directories above the
 * working directory may have been put there by someone else (a `pipeline.config.yaml` dropped in a
 * shared folder), so such a config must be named with `--config` before anything in it is run.
 */
export const EXECUTING_FIELDS: readonly (readonly string[])[] = [
  ['auth', 'credentials', 'saml', 'assertionCommand'],
];

/** The executing fields present in a parsed (not yet validated) config document. */
export function executingFieldsIn(value: unknown): (readonly string[])[] {
  return EXECUTING_FIELDS.filter((path) => {
    let node: unknown = value;
    for (const key of path) {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
      node = (node as Record<string, unknown>)[key];
    }
    return node !== undefined && node !== null;
  });
}
