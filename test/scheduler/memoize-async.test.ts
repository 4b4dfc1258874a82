import { describe, expect, it, vi } from 'vitest';
import { memoizeAsync } from '../../src/scheduler/index.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('memoizeAsync', () => {
  it('shares one in-flight call between concurrent callers of the same key', async () => {
    const d = deferred<string>();
    const fn = vi.fn((_key: string) => d.promise);
    const m = memoizeAsync(fn);
    const a = m('k');
    const b = m('k');
    expect(fn).toHaveBeenCalledTimes(1);
    d.resolve('v');
    expect(await Promise.all([a, b])).toEqual(['v', 'v']);
    expect(await m('k')).toBe('v');
    expect(fn).toHaveBeenCalledTimes(1);
    await m('other');
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('does not cache rejections', async () => {
    let n = 0;
    const m = memoizeAsync((_k: string) =>
      ++n === 1 ? Promise.reject(new Error('nope')) : Promise.resolve(n),
    );
    const [a, b] = [m('k'), m('k')];
    await expect(a).rejects.toThrow('nope');
    await expect(b).rejects.toThrow('nope');
    await expect(m('k')).resolves.toBe(2);
  });

  it('recomputes stale values and passes extra arguments from the starting call', async () => {
    const fn = vi.fn((key: string, who: string) => Promise.resolve({ key, who, at: fn.mock.calls.length }));
    const m = memoizeAsync(fn, { isStale: (v) => v.at < 2 });
    expect(await m('k', 'first')).toMatchObject({ who: 'first', at: 1 });
    expect(await m('k', 'second')).toMatchObject({ who: 'second', at: 2 });
    expect(await m('k', 'third')).toMatchObject({ who: 'second', at: 2 });
  });

  it('keys by keyOf and forgets on delete', async () => {
    const fn = vi.fn((k: { id: string }) => Promise.resolve(k.id));
    const m = memoizeAsync(fn, { keyOf: (k) => k.id });
    await m({ id: 'a' });
    await m({ id: 'a' });
    expect(fn).toHaveBeenCalledTimes(1);
    m.delete({ id: 'a' });
    await m({ id: 'a' });
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const m = memoizeAsync((): Promise<number> => {
      throw new Error('sync');
    });
    await expect(m(undefined)).rejects.toThrow('sync');
  });
});
