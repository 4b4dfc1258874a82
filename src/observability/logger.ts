import { pino, type Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { prettyStream } from './pretty-stream.js';
import { redactValue, scrubText } from './redact.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: string;
  /** `json` (default when stderr is not a terminal), `pretty`, or `auto`. */
  format?: 'json' | 'pretty' | 'auto';
  /** Where lines go; stderr by default so stdout stays for the summary and `--json` outputs. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The one logger of a CLI process: JSON lines on stderr (readable lines on a terminal), every object
 * passed through the secret redaction, and the final text scrubbed once more for known secret values.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const out = opts.stream ?? process.stderr;
  const level = normaliseLevel(opts.level);
  const format =
    opts.format === 'auto' || opts.format === undefined ? (out.isTTY ? 'pretty' : 'json') : opts.format;
  const sink = format === 'pretty' ? prettyStream(out) : out;
  const destination = {
    write(chunk: string): boolean {
      return sink.write(scrubText(chunk));
    },
  };
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        log: (obj) => redactValue(obj) as Record<string, unknown>,
      },
      serializers: { err: (e: unknown) => redactValue(e), error: (e: unknown) => redactValue(e) },
      hooks: {
        // Messages are free text and may quote an AWS message that echoes a parameter.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}

export function normaliseLevel(level: string): LogLevel {
  const l = level.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(l)) return l as LogLevel;
  throw new ConfigError([
    {
      path: '',
      message: `unknown log level "${level}" (--log-level / LOG_LEVEL): expected one of ${LOG_LEVELS.join(', ')}`,
    },
  ]);
}
