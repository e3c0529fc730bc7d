/**
 * A Velocity instance for tests: a fixed, movable clock, no timers, no signal handlers.
 * @module
 */
import { createVelocity, type Velocity, type VelocityOptions } from '../../src/velocity.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';

/** A test clock: read it with `now()`, move it with `set`/`advance`. */
export interface TestClock {
  now: () => number;
  set: (ms: number) => void;
  advance: (ms: number) => void;
}

/** A clock starting at `startMs`. */
export function testClock(startMs: number): TestClock {
  let t = startMs;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

/** A Velocity over a fresh memory store (unless `options.store` is given) driven by `clock`. */
export function testVelocity(clock: TestClock, options: VelocityOptions = {}): Velocity {
  return createVelocity({
    store: createMemoryStore(),
    service: 'api',
    instance: 'i1',
    env: 'test',
    timers: false,
    handleSignals: false,
    log: () => {},
    clock: clock.now,
    ...options,
  });
}

/**
 * Awaits `promise` while keeping the event loop alive: Velocity's own timers (flushes,
 * retries) are unref'd, as a library's must be, so a test waiting on one holds a timer of its own.
 */
export async function alive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1_000);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}
