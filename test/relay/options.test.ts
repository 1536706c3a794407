import { parseFault, decideFaults, formatFault, FaultSyntaxError } from '../../src/faults';
import {
  parseDurationMs,
  parseHostPort,
  parseOtlpEndpoint,
  parsePropagate,
  parseUpstream,
  RelayOptionError,
  resolveAccept,
  resolvePropagate,
  resolveRelayOptions,
} from '../../src/relay/options';

describe('relay options', () => {
  test('defaults', () => {
    // GIVEN no options WHEN resolved THEN the documented defaults apply
    const o = resolveRelayOptions({});
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      serviceName: 'relay',
      fanout: false,
      otlpProtocol: 'http/protobuf',
      connectTimeoutMs: 5000,
      responseTimeoutMs: 15000,
      maxHeaderBytes: 61440,
      sampleRate: 1,
      upstreamConnections: 64,
    });
    expect(o.propagate).toBeUndefined();
    expect(o.otlpTracesUrl).toBeUndefined();
  });

  test.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
  ])('host:port %s', (value, expected) => {
    expect(parseHostPort('--listen', value)).toEqual(expected);
  });

  test.each(['8080', ':8080', '127.0.0.1', '127.0.0.1:70000', 'a b:1', '::1:80'])(
    'bad host:port %s names the option, the value and the form',
    (value) => {
      expect(() => parseHostPort('--listen', value)).toThrow(
        new RelayOptionError(
          `--listen: invalid value ${JSON.stringify(value)}; expected HOST:PORT with a port 0..65535, e.g. 127.0.0.1:8080 or [::1]:8080`,
        ),
      );
    },
  );

  test('durations', () => {
    expect(parseDurationMs('--x', '250ms')).toBe(250);
    expect(parseDurationMs('--x', '2s')).toBe(2000);
    expect(parseDurationMs('--x', '1.5s')).toBe(1500);
    expect(parseDurationMs('--x', '1m')).toBe(60000);
    expect(parseDurationMs('--x', '40')).toBe(40);
    expect(() => parseDurationMs('--connect-timeout', '5 sec')).toThrow(
      /--connect-timeout: invalid value "5 sec"; expected a duration such as 250ms/,
    );
  });

  test('upstreams must be plain http base URLs without credentials', () => {
    expect(parseUpstream('http://details:9080').href).toBe('http://details:9080/');
    expect(() => parseUpstream('details:9080')).toThrow(/--upstream: invalid value "details:9080"; expected an http:\/\/ URL/);
    expect(() => parseUpstream('https://a')).toThrow(/plain HTTP/);
    expect(() => parseUpstream('http://u:p@a')).toThrow(/without credentials/);
    expect(() => parseUpstream('http://a/?x=1')).toThrow(/without query/);
    expect(() => parseUpstream('not a url')).toThrow(/absolute http:\/\/ URL/);
  });

  test('the OTLP endpoint gets /v1/traces like OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(parseOtlpEndpoint('http://jaeger-collector.observability.svc.cluster.local:4318').href).toBe(
      'http://jaeger-collector.observability.svc.cluster.local:4318/v1/traces',
    );
    expect(parseOtlpEndpoint('http://c:4318/v1/traces').href).toBe('http://c:4318/v1/traces');
    expect(parseOtlpEndpoint('http://c:4318/prefix/').href).toBe('http://c:4318/prefix/v1/traces');
    expect(() => parseOtlpEndpoint('grpc://c:4317')).toThrow(
      /--otlp-endpoint: invalid value "grpc:\/\/c:4317"; expected an http:\/\/ or https:\/\/ URL/,
    );
  });

  test('propagate lists are deduplicated and checked', () => {
    expect(parsePropagate(['w3c,b3multi', 'jaeger', 'w3c'])).toEqual(['w3c', 'b3multi', 'jaeger']);
    expect(() => parsePropagate(['w3c,zipkin'])).toThrow(
      /--propagate: invalid value "zipkin"; expected a comma-separated list of w3c, b3, b3multi, jaeger, baggage/,
    );
    // b3 is the single header (OpenTelemetry's name); b3single its old alias, reported, same format
    const old: string[] = [];
    expect(parsePropagate(['b3', 'b3single', 'B3Multi'], '--propagate', (o, c) => old.push(`${o}→${c}`))).toEqual(['b3single', 'b3multi']);
    expect(old).toEqual(['b3single→b3']);
    expect(() => parsePropagate(['envoy'])).toThrow(
      /invalid value "envoy"; expected a comma-separated list of w3c, b3, b3multi, jaeger, baggage \(the relay always passes Envoy's x-request-id on\)/,
    );
    expect(() => parsePropagate([','])).toThrow(/at least one/);
  });

  test.each([
    // no baggage carrier named: W3C baggage is added (B3 has none of its own)
    [['b3multi'], ['b3multi', 'baggage'], ['b3multi']],
    [
      ['b3single', 'b3multi'],
      ['b3single', 'b3multi', 'baggage'],
      ['b3single', 'b3multi'],
    ],
    // a carrier named: the list as given
    [['w3c'], ['w3c'], ['w3c']],
    [['jaeger'], ['jaeger'], ['jaeger']],
    [['b3multi', 'baggage'], ['b3multi', 'baggage'], ['b3multi']],
    [['baggage'], ['baggage'], []],
  ] as const)('--propagate %j writes %j; the injected evidence lists %j', (list, writes, evidence) => {
    expect(resolvePropagate(list)).toEqual(writes);
    const o = resolveRelayOptions({ propagate: list });
    expect(o.propagate).toEqual(writes);
    expect(o.propagateEvidence).toEqual(evidence);
  });

  test('--accept: w3c implies baggage; every entry is no restriction', () => {
    expect(resolveAccept(['w3c'])).toEqual(['w3c', 'baggage']);
    expect(resolveAccept(['b3multi'])).toEqual(['b3multi']);
    expect(resolveAccept(['b3multi', 'baggage'])).toEqual(['b3multi', 'baggage']);
    expect(resolveAccept(['w3c', 'b3multi', 'b3single', 'jaeger'])).toBeUndefined();
    expect(parsePropagate(['b3,baggage'], '--accept')).toEqual(['b3single', 'baggage']);
    expect(() => parsePropagate(['b3,xray'], '--accept')).toThrow(
      /--accept: invalid value "xray"; expected a comma-separated list of w3c, b3, b3multi, jaeger, baggage/,
    );
  });

  test.each([
    [{ sampleRate: 1.5 }, /--sample-rate: invalid value 1.5; expected a number 0..1/],
    [{ serviceName: 'has space' }, /--service-name: invalid value "has space"/],
    [{ connectTimeoutMs: 0 }, /--connect-timeout \(ms\): invalid value 0; expected an integer 1..600000/],
    [{ maxHeaderBytes: 10 }, /--max-header-size: invalid value 10/],
    [{ baggage: { 'bad key': 'v' } }, /--baggage: invalid value "bad key"; expected a key made of RFC 7230 token characters/],
    [{ spanAttributes: { '9x': 'v' } }, /--span-attribute: invalid value "9x"/],
    [{ otlpProtocol: 'grpc' as never }, /--otlp-protocol: invalid value "grpc"/],
    [{ faults: ['explode'] }, /--fault: invalid value "explode" \(unknown fault "explode"\)/],
  ])('bad option %j is explained', (options, message) => {
    expect(() => resolveRelayOptions(options)).toThrow(message);
  });
});

describe('faults', () => {
  test.each([
    ['drop-context', { kind: 'drop-context', fraction: 1 }],
    ['delay=200ms', { kind: 'delay', ms: 200, fraction: 1 }],
    ['delay=1.5s@0.5', { kind: 'delay', ms: 1500, fraction: 0.5 }],
    ['status=500@0.2', { kind: 'status', status: 500, fraction: 0.2 }],
    ['reset', { kind: 'reset', fraction: 1 }],
    ['reset@.1', { kind: 'reset', fraction: 0.1 }],
  ])('parses %s', (value, expected) => {
    expect(parseFault(value)).toEqual(expected);
  });

  test.each([
    ['status=5000', 'status needs a 3-digit HTTP status'],
    ['status=99', 'status needs a 3-digit HTTP status'],
    ['delay', 'delay needs a duration'],
    ['delay=fast', 'delay needs a duration'],
    ['reset=1', 'reset takes no value'],
    ['status=500@1.5', 'fraction "1.5" is not a number 0..1'],
    ['status=500@', 'fraction "" is not a number 0..1'],
    ['boom', 'unknown fault "boom"'],
  ])('refuses %s with the reason and the grammar', (value, reason) => {
    const err = (() => {
      try {
        parseFault(value);
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(FaultSyntaxError);
    expect(err.message).toContain(`--fault: invalid value ${JSON.stringify(value)} (${reason}`);
    expect(err.message).toContain('expected one of drop-context, delay=<duration');
  });

  test('decisions roll each fault with its fraction', () => {
    // GIVEN faults with fractions and fixed rolls
    const faults = ['status=500@0.5', 'delay=10ms', 'drop-context@0.1'].map(parseFault);
    // WHEN the roll is 0.3 (below 0.5, above 0.1) THEN status and delay apply, drop-context does not
    expect(decideFaults(faults, () => 0.3)).toEqual({ dropContext: false, delayMs: 10, status: 500, reset: false });
    // WHEN the roll is 0.7 THEN only the unconditional delay applies
    expect(decideFaults(faults, () => 0.7)).toEqual({ dropContext: false, delayMs: 10, status: undefined, reset: false });
    expect(formatFault(faults[0])).toBe('status=500@0.5');
  });
});
