/**
 * The `{{name}}` / `{{id:name}}` markers of a query's SQL (and its `parameters`), found where SQL would
 * see them. A marker is filled only in SQL code: inside a string literal ('…', quotes doubled), a
 * quoted identifier ("…" or `…`), a line comment (-- …) or a block comment (/* … *\/) it is refused,
 * because a filled value is itself a quoted literal and, written there, could end the literal or the
 * comment around it and add SQL. Config validation, `renderSql` and the choice to read tags all use
 * this one scanner.
 */

export type MarkerContext =
  'code' | 'string literal' | 'quoted identifier' | 'line comment' | 'block comment';

export interface TemplateMarker {
  /** The marker as written, e.g. `{{ id:vars.table }}`. */
  text: string;
  /** Its offset in the template. */
  index: number;
  /** `accountName`, `tags.Env`, `vars.table`. */
  name: string;
  /** `{{id:…}}`: inserted as an identifier, not a literal. */
  identifier: boolean;
  context: MarkerContext;
}

const MARKER_SOURCE = String.raw`\{\{\s*(id:)?\s*([A-Za-z_]\w*(?:\.[^\s{}]+)?)\s*\}\}`;

/** `quote` closes at its next lone occurrence (a doubled one is an escaped quote); -1: never closed. */
function closingQuote(sql: string, from: number, quote: string): number {
  for (let j = from + 1; j < sql.length; j++) {
    if (sql[j] !== quote) continue;
    if (sql[j + 1] === quote) j++;
    else return j + 1;
  }
  return -1;
}

/** Where the quoted text or comment starting at `i` ends (exclusive), and what it is; undefined: code. */
function quotedOrComment(sql: string, i: number): { end: number; context: MarkerContext } | undefined {
  const c = sql[i];
  const upTo = (end: number) => (end < 0 ? sql.length : end);
  if (c === "'") return { end: upTo(closingQuote(sql, i, "'")), context: 'string literal' };
  if (c === '"' || c === '`') return { end: upTo(closingQuote(sql, i, c)), context: 'quoted identifier' };
  if (c === '-' && sql[i + 1] === '-') return { end: upTo(sql.indexOf('\n', i)), context: 'line comment' };
  if (c === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    return { end: close < 0 ? sql.length : close + 2, context: 'block comment' };
  }
  return undefined;
}

function marker(m: RegExpExecArray, offset: number, context: MarkerContext): TemplateMarker {
  return { text: m[0], index: m.index + offset, name: m[2]!, identifier: m[1] !== undefined, context };
}

/** Every marker of `template`, in order, each with where it stands. */
export function templateMarkers(template: string): TemplateMarker[] {
  const out: TemplateMarker[] = [];
  const atMarker = new RegExp(MARKER_SOURCE, 'y');
  let i = 0;
  while (i < template.length) {
    // A marker in code is one token, whatever it holds (a tag key may contain -- or ').
    atMarker.lastIndex = i;
    const m = template[i] === '{' ? atMarker.exec(template) : null;
    if (m) {
      out.push(marker(m, 0, 'code'));
      i += m[0].length;
      continue;
    }
    const span = quotedOrComment(template, i);
    if (!span) {
      i++;
      continue;
    }
    const inside = template.slice(i, span.end);
    for (const n of inside.matchAll(new RegExp(MARKER_SOURCE, 'g'))) out.push(marker(n, i, span.context));
    i = span.end;
  }
  return out;
}

/** Why `marker`, standing in a literal, quoted identifier or comment, is refused. */
export function misplacedMarkerMessage(marker: TemplateMarker): string {
  const where = `${marker.text} is inside a ${marker.context}`;
  if (marker.context === 'line comment' || marker.context === 'block comment') {
    return `${where}: markers are filled only in SQL code; take it out of the comment`;
  }
  return `${where}: a marker is filled with a quoted literal itself, so drop the quotes around it (write ${marker.text}, not '${marker.text}')`;
}

/** The problems of a template's markers for config validation, or undefined when every one is in code. */
export function misplacedMarkers(template: string): string | undefined {
  const bad = templateMarkers(template).filter((m) => m.context !== 'code');
  return bad.length === 0 ? undefined : bad.map(misplacedMarkerMessage).join('; ');
}
