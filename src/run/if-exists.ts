import type { SinkConfig } from '../config/index.js';
import { FanoutError } from '../errors.js';

/**
 * A sink's `ifExists` for an output at `path`: overwrite writes without looking; when `present()`,
 * skip keeps it (a warning saying it was `kept`, and false) and error throws.
 */
export async function mayWrite(
  sink: Pick<SinkConfig, 'ifExists'>,
  queryName: string,
  path: string,
  present: () => Promise<boolean>,
  warn: { warnings: string[]; kept: string },
): Promise<boolean> {
  if (sink.ifExists === 'overwrite' || !(await present())) return true;
  if (sink.ifExists === 'skip') {
    warn.warnings.push(`query ${queryName}: ${path} exists and ifExists is skip: ${warn.kept}`);
    return false;
  }
  throw new FanoutError(`${path} already exists and the sink says ifExists: error`, {
    context: { stage: 'sink', path, queryName },
  });
}
