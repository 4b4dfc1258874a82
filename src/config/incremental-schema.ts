import * as z from 'zod';
import { templateMarkers } from './sql-template.js';
import { strict, text } from './schema-parts.js';

/**
 * `incremental:` of a query and `mode: append` of a partitioned sink: the config side of incremental
 * extraction. A query's `{{since}}` / `{{until}}` markers and its `incremental:` go together: one
 * without the other is refused here, naming the field, before anything runs.
 */

/** `2026-01-01`, `2026-01-01T00:00`, `2026-01-01 00:00:00.000`, with `Z` or `±HH:MM` (none: UTC). */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** An instant written as a date or an ISO 8601 date-time, as ISO text in UTC; undefined if it is none. */
export function parseInstant(value: string): string | undefined {
  const m = INSTANT.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const ms = frac === '' ? '000' : frac.slice(1, 4).padEnd(3, '0');
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  if (Number.isNaN(date.getTime())) return undefined;
  // Date rolls 2026-02-30 over to March: refuse what the calendar does not have.
  const local = new Date(`${y}-${mo}-${d}T00:00:00Z`);
  if (local.toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) return undefined;
  return date.toISOString();
}

const IDENTIFIER = /^[A-Za-z_][\w.]*$/;

export const incrementalSchema = strict(
  {
    /** The column the window is on; shown by `plan`, and it must appear in the SQL. */
    column: z
      .string({ error: 'expected the name of the timestamp column the window is on' })
      .regex(IDENTIFIER, { error: 'expected a column name (letters, digits, _ and .)' }),
    /** Where the first run's window starts (and every `--full-refresh`). */
    initial: text(
      (v) =>
        parseInstant(v) === undefined
          ? 'expected a date or an ISO 8601 date-time, e.g. 2026-01-01 or 2026-01-01T00:00:00Z (no zone: UTC)'
          : undefined,
      z.string({ error: 'expected a date or an ISO 8601 date-time as text, e.g. "2026-01-01"' }),
    ),
  },
  'incremental: { column, initial }',
);

/** The window markers of a template: `{{since}}` and `{{until}}` (as identifiers they are refused). */
function windowMarkers(template: string): string[] {
  return templateMarkers(template)
    .filter((m) => m.name === 'since' || m.name === 'until')
    .map((m) => m.text);
}

/** A query's window markers and `incremental:` agree; the column is one the SQL names. */
export function checkIncremental(
  q: { sql: string; parameters?: string[] | undefined; incremental?: { column: string } | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  const inSql = windowMarkers(q.sql);
  const inParameters = (q.parameters ?? []).flatMap(windowMarkers);
  if (!q.incremental) {
    if (inSql.length > 0 || inParameters.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: inSql.length > 0 ? ['sql'] : ['parameters'],
        message: `${[...inSql, ...inParameters][0]} is filled only for an incremental query: add incremental: { column, initial } to the query`,
      });
    }
    return;
  }
  const all = [...inSql, ...inParameters];
  if (!all.some((t) => /\{\{\s*since\s*\}\}/.test(t))) {
    ctx.addIssue({
      code: 'custom',
      path: ['incremental'],
      message:
        'the SQL does not use {{since}}: an incremental query reads only its window, e.g. WHERE ts >= {{since}} AND ts < {{until}}',
    });
  }
  const idMarker = all.find((t) => /\{\{\s*id:/.test(t));
  if (idMarker) {
    ctx.addIssue({
      code: 'custom',
      path: ['sql'],
      message: `${idMarker}: since and until are timestamps, not identifiers; write {{since}} / {{until}}`,
    });
  }
  const column = q.incremental.column.split('.').at(-1)!;
  if (!new RegExp(`(^|[^\\w])${column}($|[^\\w])`, 'i').test(q.sql)) {
    ctx.addIssue({
      code: 'custom',
      path: ['incremental', 'column'],
      message: `column ${q.incremental.column} does not appear in the SQL; name the column the {{since}} window is on`,
    });
  }
}

/** A partitioned sink's `mode`: replace the dataset each run (default), or add a partition per run. */
export const datasetModeFields = {
  mode: z.enum(['replace', 'append'], { error: 'expected replace or append' }).default('replace'),
  /** append: one partition per run date (`run_date=YYYY-MM-DD`) or per run id (`run_id=<id>`). */
  partitionBy: z.enum(['runDate', 'runId'], { error: 'expected runDate or runId' }).optional(),
  /** append: how many partitions to keep (the newest); absent: all. */
  retention: z
    .number({ error: 'expected a whole number of partitions from 1 to 100000' })
    .int({ error: 'expected a whole number of partitions from 1 to 100000' })
    .min(1, { error: 'expected a whole number of partitions from 1 to 100000' })
    .max(100_000, { error: 'expected a whole number of partitions from 1 to 100000' })
    .optional(),
};

/** `mode: append` needs `layout: partitioned`; `partitionBy` and `retention` need `mode: append`. */
export function datasetModeIssues(sink: {
  layout: string;
  mode: string;
  partitionBy?: string | undefined;
  retention?: number | undefined;
}): { key: string; message: string }[] {
  if (sink.mode === 'append') {
    return sink.layout === 'partitioned'
      ? []
      : [
          {
            key: 'mode',
            message:
              'append needs layout: partitioned (a partition per run); a merged file is replaced each run',
          },
        ];
  }
  return (['partitionBy', 'retention'] as const)
    .filter((key) => sink[key] !== undefined)
    .map((key) => ({ key, message: 'only with mode: append' }));
}
