import { sleepUntil, type Timers } from '../../src/relay/sleep-until';

/** A clock and timers where every timer fires `early` ms before its time (but after 1 ms at least), as Node's can. */
function earlyTimers(early: number): { clock: () => number; timers: Timers; armed: number[]; cleared: () => number } {
  let now = 1000;
  let cleared = 0;
  const armed: number[] = [];
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      armed.push(ms);
      const handle = setImmediate(() => {
        now += Math.max(1, ms - early);
        callback();
      });
      return handle;
    },
    clearTimeout: (handle) => {
      cleared++;
      clearImmediate(handle as NodeJS.Immediate);
    },
  };
  return { clock: () => now, timers, armed, cleared: () => cleared };
}

describe('sleepUntil: a wait that lasts until its time, however early the timer fires', () => {
  test('a timer firing 7 ms early is armed again for what is left; done only once the clock has reached the time', async () => {
    // GIVEN timers that fire 7 ms before their time
    const t = earlyTimers(7);
    // WHEN a wait until 300 ms from now is done
    const wait = sleepUntil(1300, t.clock, t.timers);
    await wait.done;
    // THEN the clock has reached the time, after the first timer (300) and one for the rest
    expect(t.clock()).toBeGreaterThanOrEqual(1300);
    expect(t.armed.slice(0, 2)).toEqual([300, 7]);
  });

  test('a time already passed resolves without a timer; a fractional rest is rounded up', async () => {
    const passed = earlyTimers(0);
    await sleepUntil(999, passed.clock, passed.timers).done;
    expect(passed.armed).toEqual([]);
    const fractional = earlyTimers(0);
    await sleepUntil(1000.25, fractional.clock, fractional.timers).done;
    expect(fractional.armed).toEqual([1]);
  });

  test('cancel resolves at once and clears the pending timer', async () => {
    const t = earlyTimers(0);
    const wait = sleepUntil(61_000, t.clock, t.timers);
    wait.cancel();
    await wait.done;
    expect([t.clock(), t.cleared()]).toEqual([1000, 1]);
  });

  // A plain setTimeout(3) ended before 3 ms by performance.now() about once in 300 on this machine, idle.
  test("with Node's own timers a 3 ms wait never ends before 3 ms by performance.now(), 300 times", async () => {
    for (let i = 0; i < 300; i++) {
      const until = performance.now() + 3;
      await sleepUntil(until, () => performance.now()).done;
      expect(performance.now()).toBeGreaterThanOrEqual(until);
    }
  });
});
