/**
 * Work written as a generator that yields between small steps (a few dozen spans, a quarter MiB of
 * bytes), so that one caller can run it straight through and another can spread it over event-loop
 * turns. The receiver does the latter: a near-limit body then delays the other requests by one slice,
 * not by its whole decode (hundreds of ms for 20 MiB).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A computation that yields (nothing) between steps and returns T. */
export type Steps<T> = Generator<void, T, void>;

/** Runs every step at once. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** How long one slice may hold the event loop before other callbacks get a turn. */
export const SLICE_MS = 5;

/** Runs the steps, giving the event loop a turn (I/O, timers, other slices) after each `sliceMs` of them. */
export async function runInSlices<T>(steps: Steps<T>, sliceMs: number = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
