import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); .ci/run installs it when CI runs as root. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export interface OpenedPage {
  page: Page;
  /** Every request the page tried other than the file itself: each was refused. */
  blocked: string[];
  /** Console errors and uncaught exceptions (a refused script or style shows here too). */
  errors: string[];
  close: () => Promise<void>;
}

/**
 * Opens a local HTML file in headless Chromium with a fresh profile and no network: every request but
 * the file's own is aborted and recorded, as a person opening a saved report offline would see it.
 */
export async function openOffline(
  file: string,
  viewport = { width: 1300, height: 900 },
): Promise<OpenedPage> {
  const profile = await mkdtemp(join(tmpdir(), 'fanout-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const url = pathToFileURL(file).href;
    const blocked: string[] = [];
    const errors: string[] = [];
    await context.route('**/*', async (route) => {
      if (route.request().url() === url) return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url, { waitUntil: 'load' });
    return { page, blocked, errors, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The little of the DOM the checks use (the tests' tsconfig has no DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** How many pixels of a canvas are not transparent: 0 for a chart that was never drawn. */
export function drawnPixels(page: Page, canvasId: string): Promise<number> {
  return page.evaluate((id) => {
    const doc = (globalThis as unknown as { document: { getElementById(id: string): CanvasLike | null } })
      .document;
    const canvas = doc.getElementById(id);
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  }, canvasId);
}
