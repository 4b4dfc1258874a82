import { Cron } from 'croner';
import * as z from 'zod';
import { localPath, shutdownSeconds, strict, text } from './schema-parts.js';

function cronProblem(pattern: string): string | undefined {
  try {
    new Cron(pattern, { paused: true }).stop();
    return undefined;
  } catch (err) {
    return `not a cron expression (${(err as Error).message}); e.g. "0 2 * * *" for 02:00 every day`;
  }
}

function timezoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return undefined;
  } catch {
    return 'unknown time zone: expected an IANA name like Europe/Paris or UTC';
  }
}

/** `schedule:` is read by `athena-fanout schedule` only; `run` ignores it. */
export const scheduleSchema = strict(
  {
    cron: text(cronProblem).meta({
      description: 'When runs start: 5 or 6 fields (seconds first when 6), e.g. "0 2 * * *".',
    }),
    timezone: text(timezoneProblem)
      .default('UTC')
      .meta({ description: 'IANA time zone of the cron fields.' }),
    shutdown: z.enum(['drain', 'cancel']).default('drain').meta({
      description:
        'On SIGTERM during a run: drain lets it finish (up to shutdownDeadlineSeconds, then cancels); cancel stops it at once.',
    }),
    shutdownDeadlineSeconds: shutdownSeconds.default(300),
    runOnStart: z
      .boolean()
      .default(false)
      .meta({ description: 'Also run once as soon as the scheduler starts.' }),
  },
  'schedule: { cron: "0 2 * * *" }',
);

export const metricsSchema = strict({
  file: localPath('the metrics file is written locally (push to a Pushgateway with metrics.pushgateway)')
    .optional()
    .meta({
      description: 'Prometheus text file written after each run (node_exporter textfile collector: *.prom).',
    }),
  pushgateway: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL of a Prometheus Pushgateway' })
    .optional(),
  job: z
    .string()
    .regex(/^[a-zA-Z_][\w]*$/, { error: 'expected a Prometheus job name (letters, digits, _)' })
    .default('athena_fanout'),
});
