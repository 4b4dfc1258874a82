import {
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';

export interface SourcePosition {
  line: number;
  column: number;
}

export interface SourceLocator {
  /**
   * Where the field at `path` is written. `key: true` points at the key rather than the value (for
   * unknown keys). A path that does not exist gives the deepest part that does, so a missing field
   * points at the mapping that lacks it.
   */
  locate(path: readonly PropertyKey[], options?: { key?: boolean }): SourcePosition | undefined;
}

export interface ParsedSource {
  value: unknown;
  syntaxErrors: (SourcePosition & { message: string })[];
  locator: SourceLocator;
}

/**
 * `{query}`, `{runId}`, `{runDate}`, `{region}`, `{accountId}` and `${NAME}` inside a flow collection
 * (`- { path: out/{runDate}/{query}.parquet }`, `[${TABLE}]`) are not valid YAML, yet that is how they
 * are naturally written. They are swapped for same-length stand-ins before parsing (so line and column
 * stay true) and restored in every parsed string. Only configs that would otherwise fail change: no
 * field takes a mapping keyed by them.
 */
const PLACEHOLDER = /(\$)\{([A-Za-z_]\w*)\}|\{(query|runId|runDate|region|accountId)\}/g;
const OPEN = '\u27e6';
const CLOSE = '\u27e7';
const STAND_IN = new RegExp(`${OPEN}(\\w+)${CLOSE}`, 'g');

function mask(text: string): string | undefined {
  if (text.includes(OPEN) || text.includes(CLOSE)) return undefined;
  return text.replace(
    PLACEHOLDER,
    (_match, dollar: string | undefined, variable: string | undefined, name: string | undefined) =>
      dollar === undefined ? `${OPEN}${name ?? ''}${CLOSE}` : `$${OPEN}${variable ?? ''}${CLOSE}`,
  );
}

/** Parses YAML (JSON is YAML too) keeping enough of the document to turn a field path into line:column. */
export function parseSource(text: string): ParsedSource {
  const masked = mask(text);
  const unmask = (s: string) => (masked === undefined ? s : s.replace(STAND_IN, '{$1}'));
  const lineCounter = new LineCounter();
  const doc = parseDocument(masked ?? text, { lineCounter, prettyErrors: true });
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const [first, ...rest] = doc.errors;
  const syntaxErrors = first
    ? [
        {
          // prettyErrors appends "at line X, column Y:" and an excerpt; the issue carries the position.
          // Later errors are nearly always knock-on effects of the first.
          message: `invalid YAML: ${unmask(first.message.split(/ at line \d+, column \d+/)[0] ?? first.message)}${
            rest.length > 0
              ? ` (fix this first: ${rest.length} more error${rest.length === 1 ? ' follows' : 's follow'} from it)`
              : ''
          }`,
          line: first.linePos?.[0].line ?? 1,
          column: first.linePos?.[0].col ?? 1,
        },
      ]
    : [];
  return {
    value: first ? undefined : restore(doc.toJS({ maxAliasCount: 1000 }), unmask),
    syntaxErrors,
    locator: { locate: (path, options) => locate(doc, path, options?.key ?? false, position) },
  };
}

function restore(value: unknown, unmask: (s: string) => string): unknown {
  if (typeof value === 'string') return unmask(value);
  if (Array.isArray(value)) return value.map((item: unknown) => restore(item, unmask));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [unmask(k), restore(v, unmask)]));
  }
  return value;
}

function locate(
  doc: Document,
  path: readonly PropertyKey[],
  wantKey: boolean,
  position: (offset: number) => SourcePosition,
): SourcePosition | undefined {
  const start = (node: unknown): SourcePosition | undefined => {
    if (!isNode(node)) return undefined;
    const range = node.range;
    return range ? position(range[0]) : undefined;
  };
  let node: unknown = doc.contents;
  // The key under which `node` sits: a missing child is best shown at its parent's key.
  let lastKey: Node | undefined;
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return start(lastKey) ?? start(node);
      if (last && wantKey) return start(pair.key);
      lastKey = isNode(pair.key) ? pair.key : undefined;
      node = pair.value;
      if (node === null) return start(lastKey);
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
    } else {
      return start(node) ?? start(lastKey);
    }
  }
  return start(node) ?? start(lastKey) ?? (doc.contents ? start(doc.contents) : undefined);
}
