import { ApiError, type Service } from './protocol.js';
import type { Scenario } from './scenario.js';

const THROTTLE: Record<Service, ApiError> = {
  sts: new ApiError('Throttling', 'Rate exceeded', 400),
  organizations: new ApiError(
    'TooManyRequestsException',
    "AWS Organizations can't complete your request because the request rate is too high. Try again later.",
    400,
    { Type: 'client' },
  ),
  athena: new ApiError('ThrottlingException', 'Rate exceeded', 400),
  glue: new ApiError('ThrottlingException', 'Rate exceeded', 400),
  sns: new ApiError('Throttling', 'Rate exceeded', 400),
  s3: new ApiError('SlowDown', 'Please reduce your request rate.', 503),
};

/** Deterministic so that a seeded throttling scenario misbehaves the same way every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The `throttle` knob: throws the service's throttling error for a `rate` fraction of the calls of
 * `actions` (all when empty). One draw per such call, in arrival order, from the seeded generator.
 */
export function throttler(knob: Scenario['knobs']['throttle']): (service: Service, action: string) => void {
  const random = mulberry32(knob.seed);
  const { rate, actions } = knob;
  return (service, action) => {
    if (rate > 0 && (actions.length === 0 || actions.includes(action)) && random() < rate)
      throw THROTTLE[service];
  };
}
