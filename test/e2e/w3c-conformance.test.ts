/**
 * W3C Trace Context conformance over HTTP: the 83 vectors of the suite (STRICT_LEVEL 2,
 * SPEC_LEVEL 2) against a live relay. The test plays the suite: each vector's exact inbound
 * header lines go to the relay on a raw socket; the relay forwards (fanning out to 3 capture
 * servers when the vector asks for 3 callbacks); the capture servers record what the relay sent;
 * the suite's rules (ported from test.py) and the stricter reference judge decide.
 * Then our own vectors (test/fixtures/propagation) run through relays configured with each
 * case's `--propagate` formats.
 */
import { extract, headersFromPairs, isTraceHeaderName, type PropagationFormat } from '../../src/propagation/index';
import { startRelay, type RunningRelay } from '../../src/relay/index';
import { loadPropagationFixtures, matchTemplates, relayExpectation, type FixtureCase } from './support/propagation-fixtures';
import { startCaptureServer, sendRawRequest, type CaptureServer } from './support/relay-harness';
import { judgeCallback, loadW3cVectors, runW3cSuite, type HeaderPairs, type SuiteResult } from './support/w3c-suite';

const vectors = loadW3cVectors();

let captures: CaptureServer[] = [];
let single: RunningRelay;
let fanout: RunningRelay;
let result: SuiteResult;
const statuses: number[] = [];

/** One request through the relay; returns what each capture server received for it. */
async function viaRelay(inbound: HeaderPairs, callbacks: number): Promise<HeaderPairs[]> {
  const targets = callbacks === 1 ? captures.slice(0, 1) : captures;
  if (targets.length !== callbacks) throw new Error(`no relay set up for ${callbacks} callbacks`);
  const before = targets.map((c) => c.received.length);
  statuses.push(await sendRawRequest((callbacks === 1 ? single : fanout).url, inbound));
  return targets.map((c, i) => {
    if (c.received.length !== before[i] + 1)
      throw new Error(`capture server ${i} got ${c.received.length - before[i]} requests, expected 1`);
    return c.received[before[i]];
  });
}

beforeAll(async () => {
  // GIVEN three capture servers, a relay forwarding to the first, and a fan-out relay to all three
  captures = await Promise.all([startCaptureServer(), startCaptureServer(), startCaptureServer()]);
  single = await startRelay({ listen: '127.0.0.1:0', upstreams: [captures[0].url], serviceName: 'w3c-conformance' });
  fanout = await startRelay({
    listen: '127.0.0.1:0',
    upstreams: captures.map((c) => c.url),
    fanout: true,
    serviceName: 'w3c-conformance-fanout',
  });
  // WHEN the suite's 83 requests go through them, one after another
  result = await runW3cSuite(viaRelay, vectors);
  // 83 sequential requests: generous on a loaded CI machine (a hang still fails, with the vector named)
}, 120_000);

afterAll(async () => {
  await Promise.all([single?.close(), fanout?.close()]);
  await Promise.all(captures.map((c) => c.close()));
});

describe('W3C Trace Context conformance against a live relay over HTTP', () => {
  test('41/41 tests of the suite pass (STRICT_LEVEL 2, SPEC_LEVEL 2)', () => {
    // THEN every test passes, and the relay answered every request with 200
    expect(result.failedTests).toEqual([]);
    expect(`${result.testsPassed}/${result.testsTotal}`).toBe('41/41');
    expect(statuses).toHaveLength(83);
    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  test.each(vectors.map((v, i) => [`#${i + 1} ${v.test}`, i] as const))('%s: forwarded headers match the reference', (_name, i) => {
    const { failures, calls } = result.vectors[i];
    // THEN the suite's rules hold for this request
    expect(failures).toEqual([]);
    // AND the stricter judge: the reference's trace id, flags and tracestate, a fresh parent id
    calls.forEach((headers, k) => expect(judgeCallback(vectors[i], k, headers)).toEqual([]));
    // AND no duplicated trace header reached the upstream (replace, never append)
    for (const headers of calls) {
      const names = headers.map(([n]) => n.toLowerCase()).filter((n) => n === 'traceparent' || n === 'tracestate');
      expect(names.length).toBe(new Set(names).size);
    }
  });
});

describe('the HTTP judge is not a rubber stamp', () => {
  test('a relay with the drop-context fault (broken propagation) fails the suite', async () => {
    // GIVEN a relay that forwards without any trace header
    const broken = await startRelay({
      listen: '127.0.0.1:0',
      upstreams: [captures[0].url],
      serviceName: 'broken',
      faults: ['drop-context'],
    });
    try {
      const one = vectors.filter((v) => v.callbacks === 1);
      // WHEN the suite runs through it
      const r = await runW3cSuite(async (inbound) => {
        const before = captures[0].received.length;
        await sendRawRequest(broken.url, inbound);
        return captures[0].received.slice(before);
      }, one);
      // THEN every test fails: the callbacks carry no traceparent at all
      expect(r.testsPassed).toBe(0);
      expect(r.vectors[0].failures[0]).toMatch(/expect one traceparent header, got 0/);
    } finally {
      await broken.close();
    }
  }, 120_000);
});

describe('own propagation vectors against a live relay over HTTP', () => {
  // Cases with a forward expectation. Cases with extract `options` (a tracestate length limit)
  // exercise a core option the relay does not expose; they run against the core only.
  const cases = loadPropagationFixtures().flatMap(({ file, cases }) =>
    cases.filter((c) => c.forward && !c.options).map((c) => [`${file}: ${c.name}`, c] as const),
  );
  const relays = new Map<string, RunningRelay>();

  async function relayFor(formats: readonly PropagationFormat[]): Promise<RunningRelay> {
    const key = formats.join(',');
    let relay = relays.get(key);
    if (!relay) {
      relay = await startRelay({
        listen: '127.0.0.1:0',
        upstreams: [captures[0].url],
        serviceName: `fixtures-${relays.size}`,
        propagate: formats,
      });
      relays.set(key, relay);
    }
    return relay;
  }

  afterAll(async () => {
    await Promise.all([...relays.values()].map((r) => r.close()));
  });

  test('every format file contributes cases', () => {
    expect(new Set(cases.map(([name]) => name.split(':')[0]))).toEqual(
      new Set(['b3.json', 'jaeger.json', 'passthrough.json', 'w3c-baggage.json', 'w3c-traceparent.json', 'w3c-tracestate.json']),
    );
  });

  // The other cases (extract-only expectations) through a relay with the default formats: it must
  // never forward garbage, must restart the trace on invalid input and keep it on valid input.
  const others = loadPropagationFixtures().flatMap(({ file, cases }) =>
    cases.filter((c) => !c.forward || c.options).map((c) => [`${file}: ${c.name}`, c] as const),
  );
  let defaultRelay: RunningRelay | undefined;

  test.each(others)('default formats: %s', async (_name, c: FixtureCase) => {
    defaultRelay ??= await startRelay({ listen: '127.0.0.1:0', upstreams: [captures[0].url], serviceName: 'fixtures-default' });
    relays.set('default', defaultRelay);
    const before = captures[0].received.length;
    const status = await sendRawRequest(defaultRelay.url, c.headers);
    if (c.headers.some(([, v]) => /[\x00-\x08\x0a-\x1f\x7f]/.test(v))) {
      // Node's parser refuses control characters in header values (400) before any hop logic runs
      expect(status).toBe(400);
      expect(captures[0].received.length).toBe(before);
      return;
    }
    expect(status).toBe(200);
    const sent = captures[0].received[before];
    const traceHeaders: Array<[string, string]> = sent
      .filter(([n]) => isTraceHeaderName(n.toLowerCase()))
      .map(([n, v]) => [n.toLowerCase(), v]);
    // THEN each trace header once, all of them valid
    expect(traceHeaders.length).toBe(new Set(traceHeaders.map(([n]) => n)).size);
    const out = extract(Object.fromEntries(traceHeaders));
    expect(out.formatsInvalid).toEqual([]);
    expect(out.context).toBeDefined();
    // AND the trace is kept when the case says the inbound context is valid, restarted when there is none
    const want = c.extract?.context;
    if (want === null) expect(c.headers.map(([, v]) => v.toLowerCase()).join(' ')).not.toContain(out.context!.traceId.slice(16));
    else if (want && typeof want.traceId === 'string') expect(out.context!.traceId).toBe(want.traceId);
  });

  test.each(cases)('%s', async (_name, c: FixtureCase) => {
    // GIVEN a relay propagating the case's formats
    const forward = c.forward!;
    const relay = await relayFor(forward.formats);
    // WHEN the case's inbound header lines go through it
    const before = captures[0].received.length;
    expect(await sendRawRequest(relay.url, c.headers)).toBe(200);
    expect(captures[0].received.length).toBe(before + 1);
    const sent = captures[0].received[before];
    // THEN the upstream got exactly the expected trace headers, once each
    const traceHeaders: Record<string, string> = {};
    for (const [name, value] of sent) {
      const n = name.toLowerCase();
      if (!isTraceHeaderName(n)) continue;
      expect([n, n in traceHeaders]).toEqual([n, false]);
      traceHeaders[n] = value;
    }
    const inbound = extract(headersFromPairs(c.headers));
    const ids = matchTemplates(relayExpectation(forward.headers, inbound), traceHeaders);
    // AND the relay's ids are its own: fresh span ids, and a fresh trace id when it started one
    const inboundText = c.headers.map(([, v]) => v.toLowerCase()).join(' ');
    for (const p of ['span', 'server', 'trace'] as const) {
      const id = ids.get(p);
      if (id) expect([p, inboundText.includes(id.slice(-16))]).toEqual([p, false]);
    }
    if (ids.has('server')) expect(ids.get('server')).not.toBe(ids.get('span'));
  });
});
