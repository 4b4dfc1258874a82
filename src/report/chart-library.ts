import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let cached: Promise<string> | undefined;

/**
 * Chart.js's UMD build (MIT), read from the installed package so that the report carries it inline
 * and opens without a network. The package exports no path to it, so it is found beside the entry
 * point `require.resolve` gives, which works from the sources, the build and an installed copy alike.
 */
export function chartLibrary(): Promise<string> {
  cached ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('chart.js');
    const text = await readFile(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
    // The library sits inside a <script> element: a closing tag in it would end the element early.
    // The source map is not shipped inside the report.
    return text.replace(/<\/script/gi, '<\\/script').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  })();
  return cached;
}
