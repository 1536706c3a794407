import { DecodeGate } from '../../../../src/verify/sources/receiver/decode-gate';

/** Whether the promise has settled by the time already-queued callbacks have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('DecodeGate', () => {
  test('a body that fits beside those being decoded starts at once; one that does not waits for room', async () => {
    const gate = new DecodeGate(100);
    expect(await settled(gate.enter(90))).toBe(true);
    // a small one beside the big one: no wait
    expect(await settled(gate.enter(5))).toBe(true);
    expect(gate.inUse).toBe(95);
    const second = gate.enter(60);
    expect(await settled(second)).toBe(false);
    gate.leave(5);
    expect(await settled(second)).toBe(false);
    gate.leave(90);
    expect(await settled(second)).toBe(true);
    expect(gate.inUse).toBe(60);
  });

  test('a body as large as the capacity gets in once nothing else is decoding, and waiters start in arrival order when they fit', async () => {
    const gate = new DecodeGate(100);
    await gate.enter(30);
    const order: string[] = [];
    const full = gate.enter(100).then(() => order.push('full'));
    const half = gate.enter(80).then(() => order.push('half'));
    expect(await settled(full)).toBe(false);
    gate.leave(30);
    await Promise.all([full]);
    expect(order).toEqual(['full']);
    gate.leave(100);
    await half;
    expect(order).toEqual(['full', 'half']);
    expect(gate.inUse).toBe(80);
  });
});
