/**
 * The placeholders a sink path takes: `{query}` the query's name, `{runId}` the run id, `{runDate}` the
 * day the run started (UTC, `YYYY-MM-DD`, as the SQL's `{{runDate}}`), `{region}` the config's region.
 */
export interface SinkPathVars {
  query: string;
  runId: string;
  runDate: string;
  region: string;
}

/** The run's start day as `{runDate}` and `{{runDate}}` give it: UTC, `YYYY-MM-DD`. */
export function runDateOf(started: Date): string {
  return started.toISOString().slice(0, 10);
}

/** The placeholder values of one query's sink paths in a run that started at `started`. */
export function sinkPathVars(query: string, runId: string, started: Date, region: string): SinkPathVars {
  return { query, runId, runDate: runDateOf(started), region };
}

/** A sink path with its `{query}`, `{runId}`, `{runDate}` and `{region}` filled in. */
export function renderPath(template: string, vars: SinkPathVars): string {
  return template.replace(/\{(query|runId|runDate|region)\}/g, (_, k: keyof SinkPathVars) => vars[k]);
}
