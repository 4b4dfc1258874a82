import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fanOut, type FanOutTask, type TaskOutcome } from '../../src/scheduler/index.js';

/** Tasks that sleep on (fake) timers while counting how many run at once, overall and per group. */
function tracked(groups: string[], perGroupTasks: number, delay: (i: number) => number) {
  const inFlight = new Map<string, number>();
  const peak = { overall: 0, perGroup: new Map<string, number>() };
  let overall = 0;
  const tasks: FanOutTask<string>[] = [];
  let i = 0;
  for (let t = 0; t < perGroupTasks; t++) {
    for (const group of groups) {
      const id = `${group}/${t}`;
      const ms = delay(i++);
      tasks.push({
        id,
        group,
        run: async () => {
          overall++;
          const g = (inFlight.get(group) ?? 0) + 1;
          inFlight.set(group, g);
          peak.overall = Math.max(peak.overall, overall);
          peak.perGroup.set(group, Math.max(peak.perGroup.get(group) ?? 0, g));
          await new Promise((r) => setTimeout(r, ms));
          overall--;
          inFlight.set(group, inFlight.get(group)! - 1);
          return id;
        },
      });
    }
  }
  return { tasks, peak };
}

describe('fanOut', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never exceeds the global nor the per-group limit, and uses the global limit fully', async () => {
    const groups = ['a', 'b', 'c', 'd', 'e'];
    const { tasks, peak } = tracked(groups, 6, (i) => 10 + ((i * 37) % 50));
    const done = fanOut(tasks, { concurrency: 4, perGroup: 2 });
    await vi.runAllTimersAsync();
    const outcomes = await done;
    expect(outcomes.map((o) => o.id)).toEqual(tasks.map((t) => t.id));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(peak.overall).toBe(4);
    for (const g of groups) expect(peak.perGroup.get(g)).toBeLessThanOrEqual(2);
    expect(Math.max(...peak.perGroup.values())).toBe(2);
  });

  it('does not let one busy group hold global slots idle', async () => {
    // 10 tasks of group "big" queued first, then one task per small group: with the group slot taken
    // first, the small groups run alongside "big" instead of waiting behind its queue.
    const order: string[] = [];
    const mk = (id: string, group: string): FanOutTask<string> => ({
      id,
      group,
      run: async () => {
        order.push(id);
        await new Promise((r) => setTimeout(r, 100));
        return id;
      },
    });
    const tasks = [
      ...Array.from({ length: 10 }, (_, i) => mk(`big/${i}`, 'big')),
      mk('s1', 's1'),
      mk('s2', 's2'),
      mk('s3', 's3'),
    ];
    const done = fanOut(tasks, { concurrency: 4, perGroup: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['big/0', 's1', 's2', 's3']);
    await vi.runAllTimersAsync();
    expect((await done).every((o) => o.ok)).toBe(true);
  });

  it('keeps running the others when one task fails, and reports each outcome once', async () => {
    const settled: TaskOutcome<number>[] = [];
    const tasks: FanOutTask<number>[] = [1, 2, 3, 4].map((n) => ({
      id: `t${n}`,
      group: 'g',
      run: () => (n === 2 ? Promise.reject(new Error('boom')) : Promise.resolve(n * 10)),
    }));
    const done = fanOut(tasks, { concurrency: 2, perGroup: 2, onSettled: (o) => settled.push(o) });
    await vi.runAllTimersAsync();
    const outcomes = await done;
    expect(outcomes.map((o) => (o.ok ? o.value : (o.error as Error).message))).toEqual([10, 'boom', 30, 40]);
    expect(outcomes[1]).toMatchObject({ ok: false, cancelled: false });
    expect(settled.map((o) => o.id).sort()).toEqual(['t1', 't2', 't3', 't4']);
  });

  it('on abort starts nothing new, aborts running tasks and still resolves every outcome', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const tasks: FanOutTask<string>[] = Array.from({ length: 6 }, (_, i) => ({
      id: `t${i}`,
      group: `g${i}`,
      run: (signal) =>
        new Promise<string>((resolve, reject) => {
          started.push(`t${i}`);
          const timer = setTimeout(() => {
            resolve(`t${i}`);
          }, 1000);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error(`t${i} stopped`));
          });
        }),
    }));
    const done = fanOut(tasks, { concurrency: 2, perGroup: 1, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('SIGINT'));
    await vi.runAllTimersAsync();
    const outcomes = await done;
    expect(started).toEqual(['t0', 't1']);
    expect(outcomes[0]).toMatchObject({ ok: false, cancelled: true });
    expect((outcomes[0] as { error: Error }).error.message).toBe('t0 stopped');
    for (const o of outcomes.slice(2)) {
      expect(o).toMatchObject({ ok: false, cancelled: true });
      expect(o.startedAt).toBeUndefined();
    }
  });

  it('runs nothing when the signal is already aborted', async () => {
    const run = vi.fn(() => Promise.resolve(1));
    const outcomes = await fanOut([{ id: 'x', group: 'g', run }], {
      concurrency: 1,
      perGroup: 1,
      signal: AbortSignal.abort(),
    });
    expect(run).not.toHaveBeenCalled();
    expect(outcomes).toMatchObject([{ id: 'x', ok: false, cancelled: true }]);
  });

  it('failFast: the first failure cancels what has not started', async () => {
    const tasks: FanOutTask<number>[] = [0, 1, 2, 3].map((n) => ({
      id: `t${n}`,
      group: 'g',
      run: async () => {
        await new Promise((r) => setTimeout(r, 10));
        if (n === 0) throw new Error('first');
        return n;
      },
    }));
    const done = fanOut(tasks, { concurrency: 1, perGroup: 1, failFast: true });
    await vi.runAllTimersAsync();
    const outcomes = await done;
    expect(outcomes[0]).toMatchObject({ ok: false, cancelled: false });
    expect(outcomes.slice(1).every((o) => !o.ok && o.cancelled)).toBe(true);
  });

  it('rejects nonsensical limits', async () => {
    await expect(fanOut([], { concurrency: 0, perGroup: 1 })).rejects.toThrow(/concurrency/);
    await expect(fanOut([], { concurrency: 1, perGroup: 1.5 })).rejects.toThrow(/perGroup/);
  });
});
