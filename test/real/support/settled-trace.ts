/**
 * Reading a real program's trace back from Jaeger once it is complete. Exporters batch (HotROD's and
 * Traefik's OpenTelemetry SDKs flush on their own schedules, seconds apart), so "complete" is a
 * condition on the spans plus a span count that held for two polls, never a fixed wait.
 */
import type { Trace } from '../../../src/verify/model';
import type { JaegerLegacySource } from '../../../src/verify/sources/jaeger-legacy';
import type { JaegerV3Source } from '../../../src/verify/sources/jaeger-v3';
import { waitFor } from '../../support/peers';

/** Polls until `complete(trace)` holds and the span count is the same as at the previous poll. */
export function settledTrace(
  source: JaegerV3Source | JaegerLegacySource,
  traceId: string,
  what: string,
  complete: (t: Trace) => boolean,
  timeoutMs = 60_000,
): Promise<Trace> {
  let last = -1;
  return waitFor(
    `trace ${traceId} ${what} from ${source.kind}`,
    async () => {
      const t = await source.getTrace(traceId);
      const n = t?.spans.length ?? 0;
      const settled = t !== undefined && complete(t) && n === last;
      last = n;
      return settled ? t : undefined;
    },
    timeoutMs,
    1000,
  );
}
