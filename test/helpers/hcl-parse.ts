import { createRequire } from 'node:module';

type Json = Record<string, unknown>;

// Loaded without its type declarations, which pull the DOM library into the whole type check.
const hcl2json = createRequire(import.meta.url)('@cdktf/hcl2json') as {
  parse: (fileName: string, text: string) => Promise<Json>;
};

/** HCL text as Terraform's JSON syntax, by HashiCorp's HCL parser (Go, as WebAssembly); throws on a syntax error. */
export const parseHcl = (fileName: string, text: string): Promise<Json> => hcl2json.parse(fileName, text);

/**
 * The value of a `jsonencode({...})` attribute: the parser keeps expressions as `${...}` text, so the
 * argument is parsed again as a local value; its strings stay templates (see `evaluateTemplate`).
 */
export async function jsonencodeArgument(attribute: unknown): Promise<unknown> {
  const match = typeof attribute === 'string' ? /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(attribute) : null;
  if (!match) throw new Error(`not a jsonencode(...) expression: ${String(attribute)}`);
  const parsed = await parseHcl('argument.tf', `locals {\n  value = ${match[1]!}\n}\n`);
  return ((parsed.locals as Json[])[0] as Json).value;
}

/** A string template as Terraform renders it: `${ref}` from `refs`, `$${` and `%%{` as literal text. */
export function evaluateTemplate(value: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluateTemplate(v, refs));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateTemplate(v, refs)]));
  }
  if (typeof value !== 'string') return value;
  return value.replace(/\$\$\{|%%\{|\$\{([^}]*)\}|%\{/g, (m, ref: string | undefined) => {
    if (m === '$${') return '${';
    if (m === '%%{') return '%{';
    if (ref === undefined || refs[ref] === undefined) throw new Error(`unresolved template ${m} in ${value}`);
    return refs[ref];
  });
}
