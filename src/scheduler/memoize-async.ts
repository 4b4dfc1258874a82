export interface MemoizeAsyncOptions<K, V> {
  /** Map key for a call's key (default: the key itself, compared with SameValueZero). */
  keyOf?: (key: K) => unknown;
  /** A cached value for which this returns true is computed again on the next call. */
  isStale?: (value: V, key: K) => boolean;
}

export interface MemoizedAsync<K, V, A extends unknown[]> {
  (key: K, ...args: A): Promise<V>;
  /** Forget one key's cached value (an in-flight computation still settles for its callers). */
  delete(key: K): void;
  clear(): void;
}

interface Entry<V> {
  value?: { v: V };
  pending?: Promise<V>;
}

/**
 * Memoizes an async function per key: concurrent callers share one in-flight promise and rejections are
 * not cached. Extra arguments reach `fn` only from the call that starts a computation.
 */
export function memoizeAsync<K, V, A extends unknown[] = []>(
  fn: (key: K, ...args: A) => Promise<V>,
  opts: MemoizeAsyncOptions<K, V> = {},
): MemoizedAsync<K, V, A> {
  const entries = new Map<unknown, Entry<V>>();
  const keyOf = opts.keyOf ?? ((k: K) => k);

  const memoized = (key: K, ...args: A): Promise<V> => {
    const mapKey = keyOf(key);
    let entry = entries.get(mapKey);
    if (!entry) {
      entry = {};
      entries.set(mapKey, entry);
    }
    if (entry.pending) return entry.pending;
    if (entry.value && !opts.isStale?.(entry.value.v, key)) return Promise.resolve(entry.value.v);
    const e = entry;
    const pending = (async () => fn(key, ...args))().then(
      (v) => {
        if (e.pending === pending) {
          e.value = { v };
          e.pending = undefined;
        }
        return v;
      },
      (err: unknown) => {
        if (e.pending === pending) e.pending = undefined;
        throw err;
      },
    );
    e.pending = pending;
    return pending;
  };
  memoized.delete = (key: K) => {
    entries.delete(keyOf(key));
  };
  memoized.clear = () => {
    entries.clear();
  };
  return memoized;
}
