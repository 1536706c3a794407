import { parseSpec } from '../../src/verify/spec';
import { pollAndVerify } from '../../src/verify/poller';
import type { TraceSource } from '../../src/verify/sources/trace-source';
import type { Trace } from '../../src/verify/model';
import { bookinfo, TraceBuilder } from './helpers/trace-builder';

/** A source whose traces grow poll by poll (as a backend's do while batches arrive). */
function growing(steps: Trace[][]): TraceSource & { polls: number } {
  const src = {
    polls: 0,
    description: 'test source',
    fetch: async () => {
      const traces = steps[Math.min(src.polls++, steps.length - 1)]!;
      return { traces, pool: traces, backend: { kind: 'otlp-receiver' as const } };
    },
  };
  return src;
}

describe('poller', () => {
  const trace = (i: number) => bookinfo(new TraceBuilder(i.toString(16).padStart(32, 'a'))).builder.build();

  test('a sampling verdict waits for a stable trace count instead of passing on an early, partial poll', async () => {
    // GIVEN 100 driven requests with 10 % sampling; traces trickle in: 3, then 10, then stays at 10
    const spec = parseSpec(
      'name: t\nspans: { pp: { service: /^productpage/ } }\nrules: { sampling: { rate: 0.1, confidence: 0.99 } }\npoll: { stablePolls: 2 }\n',
    );
    const all = Array.from({ length: 10 }, (_, i) => trace(i));
    const ids = [...all.map((t) => t.traceId), ...Array.from({ length: 90 }, (_, i) => i.toString(16).padStart(32, 'f'))];
    const src = growing([all.slice(0, 3), all, all, all]);
    const out = await pollAndVerify(spec, src, { traceIds: ids, requests: 100, intervalMs: 5, timeoutMs: 5000 });
    // THEN it judged the settled count (10 of 100), not the first 3
    expect(out.stoppedBy).toBe('matched');
    expect(out.polls).toBe(4);
    expect(out.result.assertions.find((a) => a.text.startsWith('sampling'))!.detail).toMatch(/^10 of 100 requests traced/);
  });

  test('a shape verdict returns on the first poll that matches', async () => {
    const spec = parseSpec('name: t\nspans: { pp: { service: /^productpage/ } }\n');
    const t = trace(1);
    const out = await pollAndVerify(spec, growing([[], [t]]), { traceIds: [t.traceId], intervalMs: 5, timeoutMs: 5000 });
    expect([out.stoppedBy, out.polls]).toEqual(['matched', 2]);
  });

  test('nothing arriving ends at the deadline, not before and not much after', async () => {
    const spec = parseSpec('name: t\nspans: { pp: { service: /^productpage/ } }\n');
    const started = Date.now();
    const out = await pollAndVerify(spec, growing([[]]), {
      traceIds: ['0af7651916cd43dd8448eb211c80319c'],
      intervalMs: 50,
      timeoutMs: 400,
    });
    const elapsed = Date.now() - started;
    expect(out.stoppedBy).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(3000);
    expect(out.result.diagnoses[0]!.cause).toBe('collector-unreachable');
  });
});
