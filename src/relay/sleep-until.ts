/**
 * A wait that really lasts until a given time. Node's timers count from the event loop's time,
 * which is read once per loop turn and kept in whole milliseconds, so `setTimeout(f, ms)` can fire
 * before `ms` have passed by `performance.now()`: by what the turn had already run before the
 * call, tens of milliseconds on a loaded machine. A delay fault must spend its whole delay inside
 * the span it is recorded on (labs assert `minDuration` on it), so a timer that fires early is
 * armed again for what is left.
 */

/** The timer functions used; Node's by default, replaceable so tests can fire timers early. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const NODE_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A pending wait: `done` resolves when `clock()` has reached the time, or at once on `cancel()`. */
export interface PendingWait {
  readonly done: Promise<void>;
  cancel(): void;
}

/** Waits until `clock()` ≥ `untilMs` (both in the same milliseconds, e.g. `performance.now()`). */
export function sleepUntil(untilMs: number, clock: () => number, timers: Timers = NODE_TIMERS): PendingWait {
  let handle: unknown;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const arm = (): void => {
    const left = untilMs - clock();
    if (left <= 0) return finish();
    handle = timers.setTimeout(arm, Math.ceil(left));
  };
  arm();
  return {
    done,
    cancel: () => {
      timers.clearTimeout(handle);
      finish();
    },
  };
}
