import { buildTopology, relayArgs, TopologyError } from '../../src/demo/topology';

const wiring = {
  upstreamUrls: {
    productpage: 'http://127.0.0.1:4001',
    details: 'http://127.0.0.1:4002',
    reviews: 'http://127.0.0.1:4003',
    ratings: 'http://127.0.0.1:4004',
  },
  otlpEndpoint: 'http://127.0.0.1:4318',
};

describe('buildTopology', () => {
  test('defaults: Bookinfo shape, leaves started first, loopback, ephemeral ports, no faults', () => {
    // GIVEN no options WHEN the topology is built
    const t = buildTopology();
    // THEN every hop comes after the hops it calls
    expect(t.entry).toBe('edge');
    expect(t.startOrder).toEqual(['details', 'ratings', 'reviews', 'productpage', 'edge']);
    for (const hop of t.startOrder) {
      for (const upstream of t.hops[hop].upstreams) expect(t.startOrder.indexOf(upstream)).toBeLessThan(t.startOrder.indexOf(hop));
    }
    expect(t.hops.productpage.upstreams).toEqual(['details', 'reviews']);
    expect(t.hops.reviews.upstreams).toEqual(['ratings']);
    expect(t.hops.ratings.upstreams).toEqual([]);
    expect(Object.values(t.hops).map((h) => h.listen)).toEqual(Array(5).fill('127.0.0.1:0'));
    expect(Object.values(t.hops).every((h) => h.faults.length === 0 && h.propagate.length === 0)).toBe(true);
  });

  test('--break HOP becomes drop-context at that hop only', () => {
    const t = buildTopology({ breakHops: ['reviews'] });
    expect(t.hops.reviews.faults).toEqual(['drop-context']);
    expect(t.hops.productpage.faults).toEqual([]);
  });

  test('--fault and --propagate reach the named hop; duplicates collapse', () => {
    const t = buildTopology({
      breakHops: ['details'],
      faults: ['details:drop-context', 'ratings:delay=200ms', 'ratings:status=500@0.2', 'ratings:reset@0.1'],
      propagate: ['reviews:b3multi', 'edge:w3c,jaeger,w3c'],
    });
    expect(t.hops.details.faults).toEqual(['drop-context']);
    expect(t.hops.ratings.faults).toEqual(['delay=200ms', 'status=500@0.2', 'reset@0.1']);
    expect(t.hops.reviews.propagate).toEqual(['b3multi']);
    expect(t.hops.edge.propagate).toEqual(['w3c', 'jaeger']);
  });

  test('a pinned edge port applies to the edge only', () => {
    const t = buildTopology({ edgePort: 9080 });
    expect(t.hops.edge.listen).toBe('127.0.0.1:9080');
    expect(t.hops.productpage.listen).toBe('127.0.0.1:0');
  });

  test.each([
    [{ breakHops: ['review'] }, '--break "review": unknown hop "review"; hops are edge, productpage, details, reviews, ratings'],
    [{ faults: ['reviews'] }, '--fault "reviews": expected HOP:FAULT, e.g. --fault reviews:FAULT'],
    [{ faults: ['reviews:'] }, '--fault "reviews:": expected HOP:FAULT'],
    [{ faults: [':reset'] }, '--fault ":reset": expected HOP:FAULT'],
    [{ faults: ['nope:reset'] }, 'unknown hop "nope"'],
    [
      { faults: ['reviews:slow'] },
      '--fault "reviews:slow": invalid value "slow" (unknown fault "slow"); expected one of drop-context, delay=<duration e.g. 200ms>, status=<200..599>, reset',
    ],
    [{ faults: ['reviews:delay=soon'] }, 'invalid value "delay=soon" (delay needs a duration such as 200ms or 1.5s)'],
    [{ faults: ['reviews:status=700'] }, 'invalid value "status=700" (status needs a 3-digit HTTP status 200..599)'],
    [{ faults: ['reviews:status=500@1.5'] }, 'invalid value "status=500@1.5" (fraction "1.5" is not a number 0..1)'],
    [
      { propagate: ['reviews:zipkin'] },
      '--propagate "reviews:zipkin": unknown format "zipkin"; formats are w3c, b3, b3multi, jaeger, baggage',
    ],
    [{ edgePort: 70000 }, '--port 70000: expected an integer from 0 (any free port) to 65535'],
    [{ edgePort: 1.5 }, '--port 1.5'],
  ])('bad options %j fail with a message naming the value and what is allowed', (options, message) => {
    expect(() => buildTopology(options)).toThrow(TopologyError);
    expect(() => buildTopology(options)).toThrow(message);
  });
});

describe('relayArgs', () => {
  test('a leaf hop answers itself: no --upstream, exports to the receiver', () => {
    const t = buildTopology();
    expect(relayArgs(t.hops.ratings, wiring)).toEqual([
      'relay',
      '--listen',
      '127.0.0.1:0',
      '--service-name',
      'ratings',
      '--otlp-endpoint',
      'http://127.0.0.1:4318',
    ]);
  });

  test('productpage fans out to details and reviews; faults and formats are passed through', () => {
    const t = buildTopology({ faults: ['productpage:delay=50ms'], propagate: ['productpage:b3multi'] });
    expect(relayArgs(t.hops.productpage, wiring)).toEqual([
      'relay',
      '--listen',
      '127.0.0.1:0',
      '--service-name',
      'productpage',
      '--upstream',
      'http://127.0.0.1:4002',
      '--upstream',
      'http://127.0.0.1:4003',
      '--fanout',
      '--otlp-endpoint',
      'http://127.0.0.1:4318',
      '--propagate',
      'b3multi',
      '--fault',
      'delay=50ms',
    ]);
  });

  test('a hop whose upstream is not listening yet cannot be wired', () => {
    const t = buildTopology();
    expect(() => relayArgs(t.hops.reviews, { otlpEndpoint: wiring.otlpEndpoint, upstreamUrls: {} })).toThrow(
      'hop reviews needs the URL of ratings, which is not listening yet',
    );
  });
});
