import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { EXIT } from '../manifest.js';
import { scrubText } from '../observability/redact.js';
import { ReportInputError, writeReport } from '../report/index.js';

export interface ReportOptions {
  config?: string;
  out?: string;
  history?: string;
}

/** The manifest named, else the config's (`--config`, else out/manifest.json, else the config found). */
async function manifestPath(given: string | undefined, opts: ReportOptions): Promise<string> {
  if (given !== undefined) return given;
  if (opts.config === undefined) {
    const usual = 'out/manifest.json';
    if (
      await access(usual).then(
        () => true,
        () => false,
      )
    )
      return usual;
  }
  const { config } = await loadConfig(opts.config ? { configPath: opts.config } : {});
  return config.manifest;
}

/** `athena-fanout report [manifest]`: one self-contained HTML page about a finished run. */
export async function reportCommand(given: string | undefined, opts: ReportOptions): Promise<number> {
  const manifest = await manifestPath(given, opts);
  try {
    const { path, runs } = await writeReport({
      manifestPath: manifest,
      ...(opts.out === undefined ? {} : { out: opts.out }),
      ...(opts.history === undefined ? {} : { history: opts.history }),
    });
    const trend = runs > 1 ? ` with the trend over ${runs} runs` : '';
    process.stdout.write(`Report of ${manifest}${trend} written to ${path}\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ReportInputError)) throw err;
    process.stderr.write(scrubText(`athena-fanout report: ${err.message}\n`));
    return EXIT.usage;
  }
}

export function registerReportCommand(program: Command, setCode: (code: number) => void): void {
  program
    .command('report')
    .description(
      "write a run's report as one self-contained HTML file (status, timeline, cost, failures, trend)",
    )
    .argument('[manifest]', "the run's manifest (default: out/manifest.json, or the config's manifest)")
    .option('-c, --config <file>', 'config file whose manifest to report on')
    .option('-o, --out <file>', 'where to write the page (default: report.html beside the manifest)')
    .option('--history <dir|glob>', "earlier runs' manifests for the trend (default: the manifest's folder)")
    .action(async (manifest: string | undefined, opts: ReportOptions) => {
      setCode(await reportCommand(manifest, opts));
    });
}
