/** A sink path with its `{query}`, `{runId}`, `{runDate}` and `{region}` filled in. */
export function renderPath(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(query|runId|runDate|region)\}/g, (_, k: string) => vars[k] ?? '');
}
