/**
 * Rules every Traefik Helm values object must pass before meshtrace writes it — pure, reusable by
 * `meshtrace check` (they return `Finding`s) and by the values builders (which throw on any error).
 *
 * Why these rules exist (the chart's JSON schema does not catch them, or catches them with an
 * unhelpful message):
 * - v2-only keys under chart 41 (Traefik v3): `tracing.jaeger` makes Traefik v3 fail at start with
 *   `field not found, node: jaeger`; `service.type` is silently ignored since chart 40.
 * - both OTLP transports: Traefik quietly uses gRPC and ignores HTTP (`if c.GRPC != nil`).
 * - OTLP enabled without a transport: Traefik pre-fills `https://localhost:4318` and exports nowhere.
 * - gRPC endpoint with a scheme: Traefik runs it through `net.SplitHostPort`, which rejects it.
 * - `insecure: true` with `tls.*`: Traefik crashes ("TLS and Insecure options are mutually exclusive").
 * - captured credentials headers: every span would carry the user's Authorization or Cookie.
 *
 * @see https://doc.traefik.io/traefik/reference/install-configuration/observability/tracing/
 * @see https://github.com/traefik/traefik-helm-chart/issues/1634
 */
import type { Finding } from '../../finding';

/** Which Traefik line the values are for: chart 41.x (Traefik v3, OTLP) or chart 27.x (Traefik v2, Jaeger client). */
export type TraefikMode = 'v3' | 'v2';

/** Traefik v2 vendor tracers, all removed in v3 (docs/content/migrate/v2-to-v3-details.md §Tracing). */
export const TRAEFIK_V2_TRACING_BACKENDS = ['jaeger', 'zipkin', 'datadog', 'instana', 'haystack', 'elastic'] as const;

/** Propagators Traefik v3 understands in `OTEL_PROPAGATORS` (go.opentelemetry.io/contrib/propagators/autoprop). */
export const TRAEFIK_OTEL_PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'xray', 'ottrace', 'none'] as const;

/** Propagation formats of Traefik v2's Jaeger client (W3C was never supported: traefik/traefik#8231). */
export const TRAEFIK_V2_PROPAGATIONS = ['jaeger', 'b3'] as const;

/**
 * Request/response headers that carry credentials or session state. Capturing them copies secrets
 * into every span (OTel semconv: headers are captured only when explicitly configured).
 */
export const SENSITIVE_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
];

const RULE_PREFIX = 'traefik-values';
const DOC_TRACING = 'https://doc.traefik.io/traefik/reference/install-configuration/observability/tracing/';
const DOC_MIGRATION = 'https://doc.traefik.io/traefik/migrate/v2-to-v3-details/#tracing';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function get(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function has(root: unknown, path: string): boolean {
  const parent = path.includes('.') ? get(root, path.slice(0, path.lastIndexOf('.'))) : root;
  return isObj(parent) && path.slice(path.lastIndexOf('.') + 1) in parent;
}

/** True if a value is "set" the way the chart's templates test it (non-empty string, non-null). */
function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== false;
}

export interface TraefikValuesRuleOptions {
  /** Which chart line the values target. */
  readonly mode: TraefikMode;
  /** Reported as the finding's `file`. @default 'install/traefik-values.yaml' */
  readonly file?: string;
}

/**
 * Every problem of a Traefik Helm values object, as findings (empty = fine). Never throws, whatever
 * the input (a YAML file may hold anything).
 */
export function findTraefikValuesProblems(values: unknown, options: TraefikValuesRuleOptions): Finding[] {
  const file = options.file ?? 'install/traefik-values.yaml';
  const findings: Finding[] = [];
  const error = (rule: string, field: string, message: string, fix: string, link = DOC_TRACING): void => {
    findings.push({ rule: `${RULE_PREFIX}/${rule}`, severity: 'error', file, field, message, fix, link });
  };
  if (!isObj(values)) {
    error(
      'not-a-map',
      '',
      `Traefik values must be a YAML mapping, got ${values === null ? 'null' : Array.isArray(values) ? 'a list' : typeof values}`,
      'write the values as a mapping of chart keys',
    );
    return findings;
  }
  checkCapturedHeaders(values, error);
  if (options.mode === 'v3') checkV3(values, error);
  else checkV2(values, error);
  return findings;
}

type Report = (rule: string, field: string, message: string, fix: string, link?: string) => void;

function checkCapturedHeaders(values: Obj, error: Report): void {
  for (const key of ['capturedRequestHeaders', 'capturedResponseHeaders']) {
    const list = get(values, `tracing.${key}`);
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      error(
        'captured-headers',
        `tracing.${key}`,
        `tracing.${key} must be a list of header names, got ${JSON.stringify(list)}`,
        'write a YAML list, e.g. [X-Request-Id]',
      );
      continue;
    }
    list.forEach((name, i) => {
      if (typeof name === 'string' && SENSITIVE_HEADERS.includes(name.trim().toLowerCase())) {
        error(
          'sensitive-header',
          `tracing.${key}[${i}]`,
          `tracing.${key} captures "${name}", which carries credentials: every span would store it in the trace backend`,
          `remove "${name}"; capture only non-secret headers such as X-Request-Id (never ${SENSITIVE_HEADERS.slice(0, 4).join(', ')})`,
        );
      }
    });
  }
}

function checkV3(values: Obj, error: Report): void {
  checkV2OnlyKeys(values, error);
  const { grpcEnabled, httpEnabled } = checkOtlpTransports(values, error);
  if (grpcEnabled) checkGrpcExporter(values, error);
  if (httpEnabled) checkHttpExporter(values, error);
  checkSamplingAndPropagators(values, error);
}

/** Keys of Traefik v2 or older charts that Traefik v3 / chart 41 refuses or ignores. */
function checkV2OnlyKeys(values: Obj, error: Report): void {
  for (const backend of [...TRAEFIK_V2_TRACING_BACKENDS, 'openTelemetry', 'spanNameLimit']) {
    if (has(values, `tracing.${backend}`)) {
      error(
        'v2-key',
        `tracing.${backend}`,
        `tracing.${backend} is a Traefik v2 (chart <=27) key; Traefik v3 (chart 41) fails at start with "field not found, node: ${backend}" and the chart schema rejects it`,
        'use tracing.otlp.grpc (endpoint host:4317, insecure: true) or tracing.otlp.http (endpoint http://host:4318/v1/traces), or set the Traefik mode to v2',
        DOC_MIGRATION,
      );
    }
  }
  if (has(values, 'service.type')) {
    error(
      'v2-key',
      'service.type',
      `service.type (${JSON.stringify(get(values, 'service.type'))}) is a chart <40 key; chart 41 ignores it silently and keeps a LoadBalancer Service`,
      'use service.spec.type instead',
      'https://github.com/traefik/traefik-helm-chart/blob/master/traefik/Changelog.md',
    );
  }
  for (const key of ['logs', 'globalArguments']) {
    if (has(values, key)) {
      error(
        'v2-key',
        key,
        `${key} is a chart <=40 key that chart 41 no longer has`,
        key === 'logs' ? 'use log.* and accessLog.*' : 'use global.checkNewVersion / global.sendAnonymousUsage',
        'https://github.com/traefik/traefik-helm-chart/blob/master/hack/migrate/README.md',
      );
    }
  }
}

/** Exactly one OTLP transport, and only with tracing.otlp.enabled. */
function checkOtlpTransports(values: Obj, error: Report): { grpcEnabled: boolean; httpEnabled: boolean } {
  const otlpEnabled = get(values, 'tracing.otlp.enabled') === true;
  const grpcEnabled = get(values, 'tracing.otlp.grpc.enabled') === true;
  const httpEnabled = get(values, 'tracing.otlp.http.enabled') === true;
  if (grpcEnabled && httpEnabled) {
    error(
      'otlp-both-transports',
      'tracing.otlp',
      'tracing.otlp.grpc.enabled and tracing.otlp.http.enabled are both true; Traefik silently uses gRPC and ignores the HTTP exporter',
      'enable exactly one transport: grpc (jaeger-collector:4317) or http (http://jaeger-collector:4318/v1/traces)',
    );
  }
  if (otlpEnabled && !grpcEnabled && !httpEnabled) {
    error(
      'otlp-no-transport',
      'tracing.otlp',
      'tracing.otlp.enabled is true but neither tracing.otlp.grpc.enabled nor tracing.otlp.http.enabled is; Traefik then exports to its default https://localhost:4318 and every span is lost',
      'enable one transport with an explicit endpoint',
    );
  }
  if (!otlpEnabled && (grpcEnabled || httpEnabled)) {
    error(
      'otlp-disabled',
      'tracing.otlp.enabled',
      `tracing.otlp.${grpcEnabled ? 'grpc' : 'http'}.enabled is true but tracing.otlp.enabled is not; the chart renders no tracing flags and nothing is exported`,
      'set tracing.otlp.enabled: true',
    );
  }
  return { grpcEnabled, httpEnabled };
}

/** The gRPC exporter's endpoint (host:port, no scheme) and its TLS settings. */
function checkGrpcExporter(values: Obj, error: Report): void {
  const endpoint = get(values, 'tracing.otlp.grpc.endpoint');
  if (!isSet(endpoint)) {
    error(
      'grpc-endpoint',
      'tracing.otlp.grpc.endpoint',
      'tracing.otlp.grpc.endpoint is empty; Traefik would export to localhost:4317 inside its own pod',
      'set it to the collector as host:port, e.g. jaeger-collector.observability.svc:4317',
    );
  } else if (typeof endpoint !== 'string' || endpoint.includes('://')) {
    error(
      'grpc-endpoint-scheme',
      'tracing.otlp.grpc.endpoint',
      `tracing.otlp.grpc.endpoint ${JSON.stringify(endpoint)} has a scheme; the gRPC exporter takes host:port only (Traefik splits it with net.SplitHostPort)`,
      `write it as host:port, e.g. ${typeof endpoint === 'string' ? stripScheme(endpoint) : 'jaeger-collector.observability.svc:4317'}, and set insecure: true for plaintext`,
    );
  } else if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(endpoint) && !/^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(endpoint)) {
    error(
      'grpc-endpoint',
      'tracing.otlp.grpc.endpoint',
      `tracing.otlp.grpc.endpoint ${JSON.stringify(endpoint)} is not host:port`,
      'write it as host:port, e.g. jaeger-collector.observability.svc:4317',
    );
  }
  const insecure = get(values, 'tracing.otlp.grpc.insecure') === true;
  const tls = get(values, 'tracing.otlp.grpc.tls');
  if (insecure && isObj(tls) && Object.values(tls).some(isSet)) {
    error(
      'grpc-insecure-with-tls',
      'tracing.otlp.grpc.tls',
      'tracing.otlp.grpc.insecure is true and tracing.otlp.grpc.tls.* is set; Traefik refuses to start ("TLS and Insecure options are mutually exclusive")',
      'either drop tls.* (plaintext to an in-cluster collector) or set insecure: false',
      'https://github.com/traefik/traefik-helm-chart/issues/1634',
    );
  }
}

/** The HTTP exporter's endpoint (a URL). */
function checkHttpExporter(values: Obj, error: Report): void {
  const endpoint = get(values, 'tracing.otlp.http.endpoint');
  if (!isSet(endpoint)) {
    error(
      'http-endpoint',
      'tracing.otlp.http.endpoint',
      'tracing.otlp.http.endpoint is empty; Traefik would export to https://localhost:4318/v1/traces inside its own pod',
      'set it to e.g. http://jaeger-collector.observability.svc:4318/v1/traces',
    );
  } else if (typeof endpoint !== 'string' || !/^https?:\/\/[^/\s]+/.test(endpoint)) {
    error(
      'http-endpoint-scheme',
      'tracing.otlp.http.endpoint',
      `tracing.otlp.http.endpoint ${JSON.stringify(endpoint)} has no http:// or https:// scheme; Traefik parses it as a URL and cannot export`,
      'write it as a URL, e.g. http://jaeger-collector.observability.svc:4318/v1/traces',
    );
  }
}

/** tracing.sampleRate within 0..1, and OTEL_PROPAGATORS naming only propagators Traefik knows. */
function checkSamplingAndPropagators(values: Obj, error: Report): void {
  const sampleRate = get(values, 'tracing.sampleRate');
  if (sampleRate !== undefined && sampleRate !== null && (typeof sampleRate !== 'number' || !(sampleRate >= 0 && sampleRate <= 1))) {
    error(
      'sample-rate',
      'tracing.sampleRate',
      `tracing.sampleRate ${JSON.stringify(sampleRate)} is not a number between 0 and 1`,
      'use e.g. 1.0 (all root traces) or 0.1',
    );
  }
  const env = get(values, 'env');
  if (Array.isArray(env)) {
    env.forEach((entry, i) => {
      if (!isObj(entry) || entry.name !== 'OTEL_PROPAGATORS' || typeof entry.value !== 'string') return;
      const unknown = entry.value
        .split(',')
        .map((p) => p.trim())
        .filter((p) => !(TRAEFIK_OTEL_PROPAGATORS as readonly string[]).includes(p));
      if (unknown.length > 0) {
        error(
          'otel-propagators',
          `env[${i}].value`,
          `OTEL_PROPAGATORS ${JSON.stringify(entry.value)} names unknown propagators ${JSON.stringify(unknown)}`,
          `use a comma-separated subset of ${TRAEFIK_OTEL_PROPAGATORS.join(', ')}`,
        );
      }
    });
  }
}

function checkV2(values: Obj, error: Report): void {
  if (has(values, 'tracing.otlp')) {
    error(
      'v3-key',
      'tracing.otlp',
      'tracing.otlp is a Traefik v3 (chart >=28) key; Traefik v2 has no OTLP exporter',
      'use tracing.jaeger (samplingServerURL, collector.endpoint or localAgentHostPort), or set the Traefik mode to v3',
    );
  }
  const jaeger = get(values, 'tracing.jaeger');
  if (!isObj(jaeger)) {
    error(
      'v2-no-tracer',
      'tracing.jaeger',
      'v2 mode needs tracing.jaeger; without it Traefik v2 traces nothing',
      'set tracing.jaeger.samplingServerURL and tracing.jaeger.collector.endpoint',
    );
    return;
  }
  const propagation = jaeger.propagation;
  if (propagation !== undefined && !(TRAEFIK_V2_PROPAGATIONS as readonly unknown[]).includes(propagation)) {
    error(
      'v2-propagation',
      'tracing.jaeger.propagation',
      `tracing.jaeger.propagation ${JSON.stringify(propagation)} is not supported by Traefik v2`,
      `use one of ${TRAEFIK_V2_PROPAGATIONS.join(', ')} (Traefik v2 never spoke W3C traceparent)`,
      'https://github.com/traefik/traefik/issues/8231',
    );
  }
  const sampling = jaeger.samplingServerURL;
  if (isSet(sampling) && (typeof sampling !== 'string' || !/^https?:\/\/[^/\s]+/.test(sampling))) {
    error(
      'v2-sampling-url',
      'tracing.jaeger.samplingServerURL',
      `tracing.jaeger.samplingServerURL ${JSON.stringify(sampling)} is not an http:// URL`,
      'use e.g. http://jaeger-collector.observability.svc:5778/sampling',
    );
  }
  const agent = jaeger.localAgentHostPort;
  if (isSet(agent) && (typeof agent !== 'string' || agent.includes('://') || !/:\d{1,5}$/.test(agent))) {
    error(
      'v2-agent-endpoint',
      'tracing.jaeger.localAgentHostPort',
      `tracing.jaeger.localAgentHostPort ${JSON.stringify(agent)} must be host:port (UDP, no scheme)`,
      'use e.g. jaeger-collector.observability.svc:6831',
    );
  }
  const collector = get(jaeger, 'collector.endpoint');
  if (isSet(collector) && (typeof collector !== 'string' || !/^https?:\/\/[^/\s]+/.test(collector))) {
    error(
      'v2-collector-endpoint',
      'tracing.jaeger.collector.endpoint',
      `tracing.jaeger.collector.endpoint ${JSON.stringify(collector)} is not an http:// URL`,
      'use e.g. http://jaeger-collector.observability.svc:14268/api/traces?format=jaeger.thrift',
    );
  }
  if (!isSet(agent) && !isSet(collector)) {
    error(
      'v2-no-endpoint',
      'tracing.jaeger',
      'tracing.jaeger sets neither collector.endpoint nor localAgentHostPort; Traefik v2 would send spans to 127.0.0.1:6831 inside its own pod',
      'set collector.endpoint (Jaeger thrift_http 14268) or localAgentHostPort (thrift_compact 6831/UDP)',
    );
  }
  const password = get(jaeger, 'collector.password');
  if (isSet(password)) {
    error(
      'v2-collector-password',
      'tracing.jaeger.collector.password',
      'tracing.jaeger.collector.password holds a credential in a plain values file (rendered into the pod args)',
      'keep credentials out of values files; the in-cluster Jaeger collector needs none',
    );
  }
}

function stripScheme(endpoint: string): string {
  const withoutScheme = endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return withoutScheme.replace(/\/.*$/, '');
}
