import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { chartLibrary, jsonForScript, renderReport } from '../../src/report/index.js';
import { runPoint } from '../../src/report/run-history.js';
import { fixtureManifest, fullUnit } from './fixture-manifest.js';

const HOSTILE = `</script><script>alert(1)</script><img src=x onerror="alert('x')"> & <!--`;

function page(history = 1) {
  const m = fixtureManifest([
    fullUnit('200000000001', { accountName: HOSTILE }),
    fullUnit('200000000002', {
      state: 'failed',
      ouPath: 'Root/Dev',
      error: {
        message: `Query inventory FAILED: ${HOSTILE}`,
        stage: 'query',
        awsCode: 'InvalidRequestException',
      },
    }),
  ]);
  const runs = Array.from({ length: history }, (_, i) => ({ ...runPoint(m), runId: `run-${i}` }));
  return renderReport({
    manifest: m,
    manifestPath: '/x/out/manifest.json',
    history: { runs, source: '/x/out' },
    library: '/* chart.js stand-in */',
  });
}

function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attrs: m[1]!,
    body: m[2]!,
  }));
}

describe('renderReport', () => {
  it('escapes every text from the manifest: no markup of it reaches the page', () => {
    const html = page();
    expect(html).not.toContain('<img');
    expect(html).not.toContain('alert(1)</script>');
    expect(html).toContain(
      '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; &lt;!--',
    );
    // Three script elements, whatever the data holds: the data, the library, the drawing.
    expect(scripts(html).map((s) => s.attrs)).toEqual([' type="application/json" id="report-data"', '', '']);
  });

  it('embeds the chart data as JSON that reads back unchanged', () => {
    const [data] = scripts(page());
    expect(data!.body).not.toMatch(/[<>&]/);
    const parsed = JSON.parse(data!.body) as { timeline: { rows: string[] }; accounts: { labels: string[] } };
    expect(parsed.timeline.rows[0]).toBe(`${HOSTILE} (200000000001) · inventory`);
    expect(JSON.parse(jsonForScript({ s: '\u2028</script>' }))).toEqual({ s: '\u2028</script>' });
  });

  it('lets only its own scripts run and fetches nothing (Content-Security-Policy hashes)', () => {
    const html = page();
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/
      .exec(html)![1]!
      .replaceAll('&#39;', "'");
    expect(csp).toContain("default-src 'none'");
    for (const s of scripts(html).slice(1)) {
      const hash = createHash('sha256').update(s.body, 'utf8').digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    // The drawing script is the compiled function's text: it must parse as a script on its own.
    expect(() => new Script(scripts(html)[2]!.body)).not.toThrow();
  });

  it('shows the trend only when earlier runs are at hand, and says how to keep them', () => {
    expect(page(1)).toContain("No earlier run's manifest was found in /x/out");
    expect(page(1)).not.toContain('id="chart-trend"');
    expect(page(3)).toContain('Trend over the last 3 runs');
    expect(page(3)).toContain('id="chart-trend"');
  });

  it('lists the failure with its AWS code, and the status in words', () => {
    const html = page();
    expect(html).toContain('Run partially succeeded: some units failed');
    expect(html).toContain('<td>InvalidRequestException</td>');
    expect(html).toMatch(/<td>Root\/Dev<\/td>/);
  });

  it('reports a run that stopped before any unit ran, with its error and no empty charts', () => {
    const html = renderReport({
      manifest: fixtureManifest([], {
        status: 'failed',
        exitCode: 3,
        error: { message: 'AccessDenied <on> ListAccounts', stage: 'accounts' },
      }),
      manifestPath: 'out/manifest.json',
      history: { runs: [], source: 'out' },
      library: '',
    });
    expect(html).toContain('Run failed: no unit succeeded');
    expect(html).toContain('AccessDenied &lt;on&gt; ListAccounts');
    expect(html).toContain('No unit ran.');
    expect(html).not.toMatch(/<canvas/);
  });

  it('inlines Chart.js from the installed package, without its source map reference', async () => {
    const lib = await chartLibrary();
    expect(lib).toMatch(/^\/\*!\n \* Chart\.js v4/);
    expect(lib).not.toContain('sourceMappingURL');
    expect(lib).not.toMatch(/<\/script/i);
  });
});
