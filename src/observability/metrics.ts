import type { Manifest } from '../manifest.js';
import { prometheusText } from './prometheus-text.js';
import { runSamples, type TransportCounts } from './run-samples.js';

export { estimatedCostUsd } from './estimated-cost.js';
export { previousRunCounts, readPreviousMetrics } from './previous-run-counts.js';
export { pushMetrics } from './push-metrics.js';
export type { TransportCounts } from './run-samples.js';

/**
 * The run as Prometheus text exposition format (for node_exporter's textfile collector or a Pushgateway).
 * `common` labels go on every series: a shard's `shard="I/N"` keeps its series apart from the other
 * shards' and from the run-level series `merge` writes.
 */
export function renderMetrics(
  manifest: Manifest,
  transport: TransportCounts,
  previous: Map<string, number> = new Map(),
  common: Record<string, string> = {},
): string {
  return prometheusText(runSamples(manifest, transport, previous), common);
}
