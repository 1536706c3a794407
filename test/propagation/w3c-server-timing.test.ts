/** Trace context on responses: `server-timing: trace;desc=…` and `traceresponse`. */
import {
  childContext,
  extractResponseTrace,
  formatServerTimingTrace,
  parseServerTimingTrace,
  parseTraceresponse,
} from '../../src/propagation/index';
import { RANDOM_IDS } from '../../src/random-ids';

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const PARSED = { version: 0, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', flags: 1 };

describe('server-timing trace metric', () => {
  test.each([
    ['the spec example', `trace;desc=${TP}`],
    ['among other metrics', `db;dur=53, app;dur=47.2, trace;desc=${TP}`],
    ['a quoted desc', `trace;desc="${TP}"`],
    ['another metric with a quoted desc holding , and ;', `cache;desc="hit, warm; l2", trace;desc=${TP}`],
    ['an upper-case metric name', `TRACE;desc=${TP}`],
    ['OWS around the parts', ` trace ; desc = ${TP} `],
    ['a dur before the desc', `trace;dur=0;desc=${TP}`],
    ['the legacy traceparent metric name (OpenTelemetry JS browser instrumentations)', `db;dur=53, traceparent;desc="${TP}"`],
  ])('%s is read', (_name, value) => {
    expect(parseServerTimingTrace(value)).toEqual(PARSED);
  });

  test('repeated server-timing headers are combined', () => {
    expect(parseServerTimingTrace(['db;dur=53', `trace;desc=${TP}`])).toEqual(PARSED);
  });

  test.each([
    ['no trace metric', 'db;dur=53'],
    ['uppercase hex', `trace;desc=${TP.toUpperCase()}`],
    ['an all-zero span id', 'trace;desc=00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['version ff', `trace;desc=ff${TP.slice(2)}`],
    ['a trace metric without desc', 'trace;dur=1'],
    ['an unterminated quote', `trace;desc="${TP}`],
    ['empty', ''],
  ])('%s gives nothing', (_name, value) => {
    expect(parseServerTimingTrace(value)).toBeUndefined();
  });

  test('format writes the sampled and random flags of the server span, and reads back', () => {
    const ctx = { ...childContext(RANDOM_IDS, undefined), sampling: 'sampled' as const, random: true };
    const header = formatServerTimingTrace(ctx);
    expect(header).toBe(`trace;desc=00-${ctx.traceId}-${ctx.spanId}-03`);
    expect(parseServerTimingTrace(header)).toEqual({ version: 0, traceId: ctx.traceId, spanId: ctx.spanId, flags: 3 });
  });
});

describe('traceresponse and extractResponseTrace', () => {
  test('traceresponse (HotROD) is read like a traceparent', () => {
    expect(parseTraceresponse(TP)).toEqual(PARSED);
    expect(parseTraceresponse('garbage')).toBeUndefined();
  });

  test('server-timing is preferred over traceresponse', () => {
    const other = '00-11111111111111111111111111111111-2222222222222222-00';
    expect(extractResponseTrace({ 'server-timing': `trace;desc=${TP}`, traceresponse: other })).toEqual(PARSED);
    expect(extractResponseTrace({ traceresponse: other })?.traceId).toBe('11111111111111111111111111111111');
    expect(extractResponseTrace({})).toBeUndefined();
    expect(extractResponseTrace(null as never)).toBeUndefined();
  });
});
