import type { Manifest, UnitRecord } from '../manifest.js';

/** The phases a unit's bar is drawn in, in order; `other` is a unit recorded without them. */
export const PHASES = [
  { key: 'waiting', label: 'waiting (role chain, query slot)', color: '#b0bec5' },
  { key: 'queued', label: 'queued in Athena', color: '#ffb300' },
  { key: 'running', label: 'running in Athena', color: '#1e88e5' },
  { key: 'readWait', label: 'waiting to read', color: '#ba68c8' },
  { key: 'reading', label: 'reading results', color: '#43a047' },
  { key: 'other', label: 'ran (no phase detail)', color: '#78909c' },
  { key: 'failed', label: 'failed, cancelled or timed out', color: '#e53935' },
] as const;

export type PhaseKey = (typeof PHASES)[number]['key'];

/** [row, from, to]: milliseconds since the run started. */
export type Bar = [number, number, number];

export interface TimelineData {
  /** One row per unit drawn: `account-name · query` (and the region when the run used several). */
  rows: string[];
  /** Per row: the unit's state, so the chart can mark failed rows. */
  states: UnitRecord['state'][];
  phases: { key: PhaseKey; label: string; color: string; bars: Bar[] }[];
  /** The run's length in ms: the axis ends there. */
  spanMs: number;
  runStartedAt: string;
  accounts: number;
  units: number;
  /** Units left out: beyond `maxRows` (the longest are kept) or with no time recorded. */
  omitted: number;
}

/** Above this many units the timeline keeps the failed ones and the longest: a canvas has a height limit. */
export const MAX_TIMELINE_ROWS = 300;

function at(iso: string | undefined, t0: number): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : Math.max(0, t - t0);
}

/** A unit's phases as [phase, from, to], in ms since the run started; empty without start and end. */
export function unitPhases(u: UnitRecord, t0: number): [PhaseKey, number, number][] {
  const start = at(u.startedAt, t0);
  const end = at(u.endedAt, t0);
  if (start === undefined || end === undefined) return [];
  const submitted = at(u.submittedAt, t0);
  const completed = at(u.completedAt, t0);
  const readStart = at(u.readStartedAt, t0);
  const out: [PhaseKey, number, number][] = [];
  const add = (key: PhaseKey, from: number, to: number) => {
    if (to > from) out.push([key, from, to]);
  };
  if (submitted === undefined) {
    // An old manifest, a unit that never reached Athena, or a resumed one that re-read an execution.
    add(u.state === 'succeeded' ? 'other' : 'failed', start, readStart ?? end);
  } else {
    add('waiting', start, submitted);
    const over = completed ?? end;
    // Athena's own queue time splits the execution: it gives no timestamp for the start of running.
    const queueEnd = Math.min(submitted + (u.queryQueueTimeInMillis ?? 0), over);
    add('queued', submitted, queueEnd);
    add('running', queueEnd, over);
    if (completed !== undefined) add('readWait', completed, readStart ?? end);
  }
  if (readStart !== undefined) add('reading', readStart, end);
  if (u.state !== 'succeeded' && submitted !== undefined) {
    // The phase the unit failed in is drawn as failed, up to its end.
    const last = out.at(-1);
    if (last) out[out.length - 1] = ['failed', last[1], Math.max(last[2], end)];
  }
  return out;
}

function rowLabel(u: UnitRecord, regions: boolean): string {
  const account = u.accountName ? `${u.accountName} (${u.accountId})` : u.accountId;
  return `${account} · ${u.query}${regions && u.region ? ` · ${u.region}` : ''}`;
}

/** The timeline chart's data: a row per unit, sorted by account, then query and region. */
export function timelineData(m: Manifest, maxRows = MAX_TIMELINE_ROWS): TimelineData {
  const t0 = Date.parse(m.startedAt);
  const timed = m.units.map((u) => ({ u, phases: unitPhases(u, t0) })).filter((x) => x.phases.length > 0);
  let shown = timed;
  if (timed.length > maxRows) {
    const length = (x: (typeof timed)[number]) => x.phases.at(-1)![2] - x.phases[0]![1];
    shown = [...timed]
      .sort(
        (a, b) =>
          Number(b.u.state !== 'succeeded') - Number(a.u.state !== 'succeeded') || length(b) - length(a),
      )
      .slice(0, maxRows);
  }
  const regions = new Set(m.units.map((u) => u.region)).size > 1;
  shown.sort(
    (a, b) =>
      a.u.accountId.localeCompare(b.u.accountId) ||
      a.u.query.localeCompare(b.u.query) ||
      (a.u.region ?? '').localeCompare(b.u.region ?? ''),
  );
  const phases = PHASES.map((p) => ({ ...p, bars: [] as Bar[] }));
  shown.forEach((x, row) => {
    for (const [key, from, to] of x.phases) phases.find((p) => p.key === key)!.bars.push([row, from, to]);
  });
  return {
    rows: shown.map((x) => rowLabel(x.u, regions)),
    states: shown.map((x) => x.u.state),
    phases: phases.filter((p) => p.bars.length > 0),
    spanMs: Math.max(m.durationMs, ...shown.map((x) => x.phases.at(-1)![2])),
    runStartedAt: m.startedAt,
    accounts: new Set(shown.map((x) => x.u.accountId)).size,
    units: shown.length,
    omitted: m.units.length - shown.length,
  };
}
