import { staticSource, withDriverAsRoot } from '../../../src/verify/index';
import type { Span } from '../../../src/verify/index';

test('withDriverAsRoot: spans whose parent is a driver span become roots; a hop that lost its parent stays an orphan', async () => {
  const span = (spanId: string, parentSpanId?: string): Span => ({
    traceId: 'a'.repeat(32),
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    service: 's',
    name: 'n',
    kind: 'server',
    startUs: 1,
    durationUs: 1,
    attributes: {},
    resource: {},
    events: [],
    status: { code: 'unset' },
  });
  // GIVEN a retried entry (two spans under the driver's span d1) and a hop whose parent x was never reported
  const trace = { traceId: 'a'.repeat(32), spans: [span('e1', 'd1'), span('e2', 'd1'), span('c1', 'e1'), span('h1', 'x')] };
  const source = withDriverAsRoot(staticSource([trace], 'test'), new Set(['d1']));
  const fetched = await source.fetch({ spec: {} as never });
  const parents = Object.fromEntries(fetched.traces[0].spans.map((s) => [s.spanId, s.parentSpanId ?? null]));
  expect(parents).toEqual({ e1: null, e2: null, c1: 'e1', h1: 'x' });
  expect(fetched.pool[0].spans.find((s) => s.spanId === 'e2')?.parentSpanId).toBeUndefined();
});
