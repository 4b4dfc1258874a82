import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Manifest } from '../manifest.js';
import { scrubStrings } from '../observability/redact.js';
import { chartLibrary } from './chart-library.js';
import { renderReport } from './render-report.js';
import { isRunManifest, readRunHistory } from './run-history.js';

export interface WriteReportOptions {
  manifestPath: string;
  /** Default: `report.html` beside the manifest. */
  out?: string;
  /** A directory or glob of earlier runs' manifests; default: the manifest's own directory. */
  history?: string;
}

/** Unreadable input for a report: the message names the file. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

async function readRunManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ReportInputError(`Cannot read the manifest ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReportInputError(`The manifest ${path} is not JSON: ${(err as Error).message}`);
  }
  if (!isRunManifest(value, { shards: true })) {
    throw new ReportInputError(
      `${path} is not an athena-fanout manifest (manifestVersion 1 with runId, status, totals and units)`,
    );
  }
  // The manifest is redacted when written; secrets this process knows are cut out once more.
  return scrubStrings(value);
}

/** Reads a run's manifest (and earlier ones for the trend) and writes its report; returns the path. */
export async function writeReport(o: WriteReportOptions): Promise<{ path: string; runs: number }> {
  const manifest = await readRunManifest(o.manifestPath);
  const history = await readRunHistory(manifest, o.manifestPath, o.history);
  history.runs = scrubStrings(history.runs);
  const html = renderReport({
    manifest,
    manifestPath: resolve(o.manifestPath),
    history,
    library: await chartLibrary(),
  });
  const path = resolve(o.out ?? join(dirname(o.manifestPath), 'report.html'));
  await mkdir(dirname(path), { recursive: true });
  // Written beside, then renamed: a reader (a web server, a mail job) never sees half a page.
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, html, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path, runs: history.runs.length };
}
