import { randomBytes } from 'node:crypto';
import { runInSlices, runToEnd, type Steps } from '../../../src/verify/sources/stepwise';
import { otlpProtobufSpanSteps, spansFromOtlpProtobuf } from '../../../src/verify/sources/otlp-proto-fast';
import { otlpSpanSteps, spansFromOtlp } from '../../../src/verify/sources/otlp';
import { jsonShapeSteps } from '../../../src/verify/sources/otlp-json-shape';
import { encodeExportRequest } from '../../../src/verify/sources/otlp-proto';
import { encodeOtlpJson } from '../../../src/verify/sources/otlp-json-encode';

/** Steps taken until the computation ends, and its result. */
function countSteps<T>(steps: Steps<T>): { steps: number; value: T } {
  let n = 0;
  for (;;) {
    const s = steps.next();
    if (s.done) return { steps: n, value: s.value };
    n++;
  }
}

const body = encodeExportRequest({
  resourceSpans: [1, 2].map((r) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }] },
    scopeSpans: [
      {
        scope: { name: 'lib' },
        spans: Array.from({ length: 1000 }, (_, i) => ({
          traceId: randomBytes(16),
          spanId: randomBytes(8),
          name: `s${i}`,
          attributes: [{ key: 'i', value: { intValue: i } }],
        })),
      },
    ],
  })),
});

describe('decoding in steps', () => {
  test('the protobuf decoder steps between spans and returns what the one-go decode returns', () => {
    const { steps, value } = countSteps(otlpProtobufSpanSteps(body));
    expect(steps).toBeGreaterThanOrEqual(2 * Math.floor(1000 / 64)); // a step every 64 spans
    expect(value).toEqual(spansFromOtlpProtobuf(body));
    expect(value).toHaveLength(2000);
  });

  test('the OTLP/JSON converter and the JSON shape scan step too', () => {
    const doc = JSON.parse(JSON.stringify(encodeOtlpJson(spansFromOtlpProtobuf(body), 'test')));
    const { steps, value } = countSteps(otlpSpanSteps(doc));
    expect(steps).toBeGreaterThanOrEqual(2 * Math.floor(1000 / 64)); // a step every 64 spans
    expect(value).toEqual(spansFromOtlp(doc));
    const text = Buffer.from(`{"resourceSpans":[],"pad":"${'x'.repeat(1024 * 1024)}"}`);
    const scan = countSteps(jsonShapeSteps(text));
    expect(scan.steps).toBe(4);
    expect(scan.value).toBeUndefined();
  });

  test('runInSlices lets other callbacks run during a long computation; runToEnd does not pause', async () => {
    let otherRan = false;
    function* busy(): Steps<boolean> {
      // 40 steps of 1 ms each: several slices
      let seen = false;
      for (let i = 0; i < 40; i++) {
        const until = performance.now() + 1;
        while (performance.now() < until);
        seen ||= otherRan;
        yield;
      }
      return seen;
    }
    setImmediate(() => (otherRan = true));
    expect(runToEnd(busy())).toBe(false);
    expect(await runInSlices(busy())).toBe(true);
  });
});
