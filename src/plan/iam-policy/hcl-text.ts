import type { TextPart } from './deployable-roles.js';

/** What a placeholder part becomes inside an HCL string template. */
export const HCL_REFS = {
  ownAccount: 'data.aws_caller_identity.current.account_id',
  ownPartition: 'data.aws_partition.current.partition',
  baseAccount: 'var.base_account_id',
} as const;

/** An HCL quoted string: literal text escaped (`${` and `%{` too), placeholders interpolated. */
export function hclString(parts: TextPart[]): string {
  const body = parts
    .map((part) => (typeof part === 'string' ? escapeHcl(part) : `\${${HCL_REFS[part.ref]}}`))
    .join('');
  return `"${body}"`;
}

function escapeHcl(text: string): string {
  return (
    text
      .replace(
        /[\\"\n\r\t]/g,
        (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!,
      )
      // eslint-disable-next-line no-control-regex -- other control characters as HCL's \uNNNN escapes
      .replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replaceAll('${', () => '$${')
      .replaceAll('%{', '%%{')
  );
}

const KEYWORDS = new Set(['true', 'false', 'null', 'for', 'in', 'if']);
const hclKey = (key: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !KEYWORDS.has(key) ? key : hclString([key]);

/**
 * A JSON value as an HCL expression (for `jsonencode(...)`), strings through `str`; `indent` is the
 * indentation of the line the value starts on.
 */
export function hclValue(value: unknown, indent: string, str: (s: string) => string): string {
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((v: unknown) => hclValue(v, inner, str));
    const oneLine = `[${items.join(', ')}]`;
    if (value.every((v) => typeof v !== 'object') && inner.length + oneLine.length <= 100) return oneLine;
    return `[\n${items.map((i) => `${inner}${i},\n`).join('')}${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => `${inner}${hclKey(k)} = ${hclValue(v, inner, str)}\n`);
  return `{\n${lines.join('')}${indent}}`;
}

/** Text as `#` comment lines. */
export const hclComment = (lines: string[], indent = ''): string =>
  lines
    .flatMap((l) => l.split('\n'))
    .map((l) => `${indent}# ${l}`.trimEnd())
    .join('\n');
