/**
 * Worker thread of CsvDecodePool: pieces of result CSV in, Arrow column buffers out (moved, not
 * copied). Under vitest this file runs as TypeScript through Node's type stripping, which does not map
 * our `.js` import suffixes to the `.ts` sources; the resolve hook below does, before anything of ours
 * is loaded.
 */
import { registerHooks } from 'node:module';
import { parentPort } from 'node:worker_threads';

if (import.meta.url.endsWith('.ts')) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        if (!specifier.startsWith('.') || !specifier.endsWith('.js')) throw err;
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
    },
  });
}

const { decodeTask, warmUp } = await import('./csv-decode-task.js');
warmUp();
const port = parentPort!;
port.on('message', (msg: Parameters<typeof decodeTask>[0]) => {
  const { reply, transfer } = decodeTask(msg);
  port.postMessage(reply, transfer);
});
port.postMessage('ready');
