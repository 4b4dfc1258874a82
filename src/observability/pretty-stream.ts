/**
 * Human-readable log lines for a terminal: `12:00:01 INFO  run started runId=... config=...`.
 * pino-pretty would add a dependency (and a worker thread) for what is one line of formatting.
 */

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export function formatPrettyLine(line: string, colour: boolean): string {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof obj.level === 'number' ? obj.level : 30;
  const time =
    typeof obj.time === 'number' || typeof obj.time === 'string'
      ? new Date(obj.time).toISOString().slice(11, 19)
      : '';
  const name = LEVELS[level] ?? String(level);
  const tag = colour ? `\x1b[${COLOURS[level] ?? '0'}m${name}\x1b[0m` : name;
  const fields = Object.entries(obj)
    .filter(([k]) => !OMIT.has(k))
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`,
    );
  return `${time} ${tag} ${typeof obj.msg === 'string' ? obj.msg : ''}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

/** A pino destination that reformats each JSON line before writing it to `out`. */
export function prettyStream(out: NodeJS.WritableStream & { isTTY?: boolean }) {
  return {
    write(chunk: string): boolean {
      let text = '';
      for (const line of chunk.split('\n')) if (line) text += formatPrettyLine(line, out.isTTY === true);
      return out.write(text);
    },
  };
}
