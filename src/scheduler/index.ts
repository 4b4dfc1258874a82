export { fanOut, type FanOutOptions, type FanOutTask, type TaskOutcome } from './fan-out.js';
export { retry, backoffDelay, type RetryOptions } from './retry.js';
export { memoizeAsync, type MemoizeAsyncOptions, type MemoizedAsync } from './memoize-async.js';
export { AimdLimit, type AimdLimitOptions } from './aimd-limit.js';
export { Semaphore } from './semaphore.js';
