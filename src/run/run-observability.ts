import type { Logger } from 'pino';
import { configureHttp, httpStats } from '../aws/index.js';
import { agentOptions } from '../aws/http-handler.js';
import type { PipelineConfig } from '../config/index.js';
import { writeFile } from 'node:fs/promises';
import { writeFileAtomic } from '../sinks/index.js';
import type { Manifest } from '../manifest.js';
import { pushMetrics, readPreviousMetrics, renderMetrics } from '../observability/metrics.js';
import { registerNotifySecrets } from '../notify/index.js';
import { registerSecrets } from '../observability/redact.js';
import { shardMetricsPath, type Shard } from '../plan/index.js';

/** Before any AWS call: secrets from the config known to the log scrubber, the socket pool sized. */
export function prepareRun(config: PipelineConfig, log: Logger): void {
  for (const hop of [...config.auth.masterRoleChain, ...config.auth.accountRoleChain]) {
    registerSecrets(hop.externalId);
  }
  const source = config.auth.credentials;
  if (source?.kind === 'static') registerSecrets(source.secretAccessKey, source.sessionToken);
  registerNotifySecrets(config.notify);
  // Not the MFA code: six digits would be cut out of account ids and numbers; it expires in seconds anyway.
  // Every query slot may hold a connection to Athena and every fetch slot one (GetQueryResults goes to
  // Athena too) while chains are assumed for other accounts.
  configureHttp({
    maxSockets: 2 * config.concurrency.queries + config.concurrency.accounts + 4,
    onWarning: (message) => {
      log.warn(message);
    },
  });
  httpStats.requests = 0;
  httpStats.throttled = 0;
}

/**
 * After the manifest: the Prometheus file and push. Failures here are logged, never fatal. A shard
 * writes its own file (`<name>.shard-I-of-N.prom`) and push group, its series labelled `shard="I-of-N"`;
 * `merge` then publishes the run's series without the label.
 */
export async function publishMetrics(
  config: PipelineConfig,
  manifest: Manifest,
  log: Logger,
  shard?: Shard,
): Promise<void> {
  const m = config.metrics;
  if (!m?.file && !m?.pushgateway) return;
  const file = m.file && shard ? shardMetricsPath(m.file, shard) : m.file;
  const label = shard ? `${shard.index}-of-${shard.count}` : undefined;
  const previous = file ? await readPreviousMetrics(file) : new Map<string, number>();
  const text = renderMetrics(
    manifest,
    manifest.awsCalls ?? httpStats,
    previous,
    label ? { shard: label } : {},
  );
  if (file) {
    try {
      // The textfile collector may read at any moment: it must never see half a file.
      await writeFileAtomic(file, (temp) => writeFile(temp, text));
      log.debug({ file }, 'metrics written');
    } catch (err) {
      log.warn({ file, error: (err as Error).message }, 'metrics file not written');
    }
  }
  if (m.pushgateway) {
    const { httpAgent, httpsAgent } = agentOptions({ maxSockets: 1 }, process.env);
    const problem = await pushMetrics(m.pushgateway, text, {
      job: m.job,
      ...(label ? { shard: label } : {}),
      agents: { http: httpAgent, https: httpsAgent },
    });
    httpAgent.destroy();
    httpsAgent.destroy();
    if (problem) log.warn(problem);
  }
}
