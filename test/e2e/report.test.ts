import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, repoRoot, runCli } from '../helpers/cli.js';
import { drawnPixels, hasChromium, CHROMIUM, openOffline } from '../helpers/headless-chromium.js';
import { orgDir, readManifest, type OrgDir } from '../helpers/org-run.js';
import { DENIED, EXTERNAL_ID, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

/**
 * `report` as a person uses it: two scheduled-like runs of the org (one account's role refuses
 * AssumeRole, and its name, as Organizations allows, holds markup), each manifest kept in a history
 * folder, then `athena-fanout report`, then the page opened offline in headless Chromium.
 */
const HOSTILE_NAME = 'locked <img src=x onerror=document.title=1>';

// Two queries, so that each account has two rows in the timeline.
const config = pipelineYaml().replace(
  'queries:\n',
  'queries:\n  - name: inventory_by_day\n    sql: SELECT day, count(*) AS n FROM inventory GROUP BY day\n',
);

let setup: OrgDir;
let manifest: Manifest;
let reportOut: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  const scenario = orgScenario();
  scenario.accounts = scenario.accounts.map((a) => (a.id === DENIED ? { ...a, name: HOSTILE_NAME } : a));
  setup = await orgDir(config, { scenario, prefix: 'fanout-report-' });
  const env = emulatorEnv(setup.emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID });
  await mkdir(join(setup.dir, 'history'));
  for (let i = 0; i < 2; i++) {
    const run = await runCli(['run'], { cwd: setup.dir, env });
    expect(run.code, run.stderr).toBe(1);
    manifest = await readManifest(setup.dir);
    await copyFile(join(setup.dir, 'out/manifest.json'), join(setup.dir, `history/${manifest.runId}.json`));
  }
  reportOut = await runCli(['report', '--history', 'history'], { cwd: setup.dir, env });
}, 180_000);

afterAll(async () => {
  await setup.cleanup();
});

describe('athena-fanout report', () => {
  it('records each unit’s OU path and the times of its phases, in order, as the schema documents', async () => {
    for (const u of manifest.units.filter((x) => x.state === 'succeeded')) {
      expect(u.ouPath).toMatch(/^Root/);
      const stamps = [u.startedAt, u.submittedAt, u.completedAt, u.readStartedAt, u.endedAt];
      const times = stamps.map((s) => Date.parse(s ?? ''));
      expect(
        times.every((t) => !Number.isNaN(t)),
        JSON.stringify(u),
      ).toBe(true);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
    const schema = z.fromJSONSchema(
      JSON.parse(
        await readFile(`${repoRoot}docs/manifest.schema.json`, 'utf8'),
      ) as z.core.JSONSchema.JSONSchema,
    );
    expect(schema.safeParse(manifest).error?.issues).toBeUndefined();
  });

  it('writes one HTML file beside the manifest, with the trend of the runs kept', async () => {
    expect(reportOut.code, reportOut.stderr).toBe(0);
    const path = join(setup.dir, 'out/report.html');
    expect(reportOut.stdout).toContain(`with the trend over 2 runs written to ${path}`);
    const html = await readFile(path, 'utf8');
    // Self-contained: no external script, style, image or font.
    expect(html).not.toMatch(/<(script|img|link)[^>]+(src|href)=/i);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).toContain('locked &lt;img src=x onerror=document.title=1&gt;');
  });

  it.skipIf(!hasChromium)(
    `opens offline in headless Chromium and shows status, failure, timeline and charts${hasChromium ? '' : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`}`,
    async () => {
      const opened = await openOffline(join(setup.dir, 'out/report.html'));
      try {
        const { page } = opened;
        await page.waitForFunction(() => {
          const c = (globalThis as unknown as { Chart?: { instances: object } }).Chart;
          return c !== undefined && Object.keys(c.instances).length >= 4;
        });
        await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: join(repoRoot, 'test-artifacts/report.png'), fullPage: true });

        expect(await page.locator('#status').innerText()).toMatch(/partially succeeded/i);
        const failures = page.locator('#failures table');
        const row = failures.locator('tr', { hasText: DENIED });
        expect(await row.count()).toBe(2);
        const text = await row.first().innerText();
        expect(text).toContain(HOSTILE_NAME);
        expect(text).toContain('AccessDenied');
        expect(text).toMatch(/is not authorized to perform: sts:AssumeRole/);
        // The account's name was shown as text: no element came of it, no handler ran.
        expect(await page.locator('main img').count()).toBe(0);
        expect(await page.title()).toContain(manifest.runId);

        const accounts = new Set(manifest.units.map((u) => u.accountId)).size;
        expect(await page.locator('#timeline-caption').innerText()).toContain(
          `${manifest.units.length} units in ${accounts} accounts`,
        );
        expect(await page.locator('#trend h2').innerText()).toContain('last 2 runs');
        for (const id of ['chart-timeline', 'chart-accounts', 'chart-ous', 'chart-trend']) {
          expect(await drawnPixels(page, id), id).toBeGreaterThan(2000);
        }
        expect(opened.blocked).toEqual([]);
        expect(opened.errors).toEqual([]);
      } finally {
        await opened.close();
      }
    },
  );

  it('names a file that is no manifest and exits 2', async () => {
    const env = emulatorEnv(setup.emulator);
    const r = await runCli(['report', 'pipeline.config.yaml'], { cwd: setup.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.config\.yaml is not JSON/);
  });
});
