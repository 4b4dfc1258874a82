export type PathSegment = string | number;

export interface InterpolationIssue {
  path: PathSegment[];
  message: string;
}

export interface Interpolated {
  value: unknown;
  issues: InterpolationIssue[];
  /** Dotted path → the variables its value came from, so messages can name them instead of the value. */
  origins: Map<string, string[]>;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Replaces `${NAME}` in every string value (keys are left alone) with the variable's value; `$${` is a
 * literal `${`. Works on a copy so the caller's object is untouched.
 */
export function interpolateEnv(raw: unknown, env: Record<string, string | undefined>): Interpolated {
  const issues: InterpolationIssue[] = [];
  const origins = new Map<string, string[]>();

  const walk = (value: unknown, path: PathSegment[]): unknown => {
    if (typeof value === 'string') {
      const result = interpolateString(value, env);
      if (result.variables.length > 0) origins.set(dotted(path), result.variables);
      for (const message of result.errors) issues.push({ path, message });
      return result.text;
    }
    if (Array.isArray(value)) return value.map((item: unknown, i) => walk(item, [...path, i]));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key]);
      return out;
    }
    return value;
  };

  return { value: walk(raw, []), issues, origins };
}

function interpolateString(
  text: string,
  env: Record<string, string | undefined>,
): { text: string; variables: string[]; errors: string[] } {
  const variables: string[] = [];
  const errors: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text.charAt(i);
      i += 1;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end === -1) {
      errors.push('unterminated "${": write ${NAME} for an environment variable, or $${ for a literal "${"');
      out += text.slice(i);
      break;
    }
    const name = text.slice(i + 2, end);
    i = end + 1;
    if (!VARIABLE_NAME.test(name)) {
      errors.push(
        `"\${${name}}" is not a variable reference: names are letters, digits and _ (write $\${ for a literal "\${")`,
      );
      continue;
    }
    variables.push(name);
    const resolved = env[name];
    if (resolved === undefined) {
      errors.push(`environment variable ${name} is not set`);
      continue;
    }
    out += resolved;
  }
  return { text: out, variables, errors };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
