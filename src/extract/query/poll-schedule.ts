/** Delay before a query's n-th status check: firstDelayMs × factor^(n-1), capped at maxDelayMs. */
export interface PollSchedule {
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

// Checks at 0.8, 2.8, 7.8, 12.8 s: a short query is seen within a second and a 10-second one costs
// 4 status checks.
export const DEFAULT_POLL_SCHEDULE: PollSchedule = { firstDelayMs: 800, factor: 2.5, maxDelayMs: 5000 };

/** The closest two checks of one query ever come, whatever siblings report. */
export const MIN_STEP_MS = 100;
/** With an expected duration, a query is still looked at this often before it is due. */
export const MAX_SILENCE_MS = 30_000;

export function pollDelay(checksDone: number, s: PollSchedule = DEFAULT_POLL_SCHEDULE): number {
  return Math.min(s.maxDelayMs, s.firstDelayMs * s.factor ** checksDone);
}

const GOLDEN = 0.6180339887498949;

/**
 * First delay of the n-th execution of a query started while none has finished: spread over
 * [firstDelayMs, firstDelayMs × factor) by the golden-ratio sequence, so that concurrent siblings
 * (the same query in many accounts) check at different moments and the first to see one finish tells
 * the others. The n-th one alone keeps the default schedule (n = 0: firstDelayMs). Each of these
 * schedules checks a query at most 3 times in its first 10 s (with the default schedule).
 */
export function staggeredFirstDelay(n: number, s: PollSchedule = DEFAULT_POLL_SCHEDULE): number {
  return s.firstDelayMs * s.factor ** ((n * GOLDEN) % 1);
}

/** Slack after the expected end: the check must not arrive just before the query ends. */
export function expectedSlack(expectedMs: number): number {
  return 20 + expectedMs * 0.01;
}

/**
 * Delay before the next check of a query expected to take `expectedMs`, last checked `elapsedMs` after
 * it started: until the expected end, one check at that end (never silent longer than MAX_SILENCE_MS);
 * past it, steps growing from a twentieth of the expectation by ×factor up to maxDelayMs (the growing
 * schedule again for a query that overruns). `fineChecks`: checks already made past the expected end.
 */
export function expectedDelay(
  expectedMs: number,
  elapsedMs: number,
  fineChecks: number,
  s: PollSchedule = DEFAULT_POLL_SCHEDULE,
): number {
  const end = expectedMs + expectedSlack(expectedMs);
  if (elapsedMs < expectedMs) return Math.max(MIN_STEP_MS, Math.min(MAX_SILENCE_MS, end - elapsedMs));
  const step = Math.max(MIN_STEP_MS, expectedMs / 20) * s.factor ** fineChecks;
  return Math.min(s.maxDelayMs, step);
}
