/**
 * Helm values for the Traefik chart 27.x (the last chart for Traefik v2.11) with Traefik's native
 * Jaeger client — the setup of the seed tutorial (`tracing.jaeger.samplingServerURL` +
 * agent/collector endpoint), pointed at Jaeger v2's Jaeger-protocol receivers and remote sampling.
 *
 * Traefik v2 never speaks W3C `traceparent` (traefik/traefik#8231): it propagates `uber-trace-id`
 * or B3. HotROD only joins W3C, so in v2 mode Traefik's spans and HotROD's spans form separate
 * traces; that is a property of Traefik v2, documented in docs/traefik-hotrod-kind.md.
 *
 * @see https://doc.traefik.io/traefik/v2.11/observability/tracing/jaeger/
 * @see shared/notes/traefik-kind.md §1b
 */
import { TraefikValuesError, rejectProp } from './traefik-errors';
import { TRAEFIK_V2_PROPAGATIONS, findTraefikValuesProblems } from './traefik-values-rules';
import {
  DEFAULT_JAEGER_COLLECTOR_HOST,
  DEFAULT_TRAEFIK_WEBSECURE_NODE_PORT,
  DEFAULT_TRAEFIK_WEB_NODE_PORT,
  NODE_PORT_RANGE,
  traefikResourcesValues,
  type TraefikResources,
  type TraefikServiceType,
} from './traefik-v3-values';

/** Jaeger remote sampling HTTP port (`remote_sampling.http`, serves `/sampling?service=`). */
export const DEFAULT_JAEGER_SAMPLING_PORT = 5778;
/** Jaeger receiver `jaeger.protocols.thrift_http` (POST /api/traces). */
export const DEFAULT_JAEGER_THRIFT_HTTP_PORT = 14268;
/** Jaeger receiver `jaeger.protocols.thrift_compact` (UDP, what a Jaeger agent listened on). */
export const DEFAULT_JAEGER_THRIFT_COMPACT_PORT = 6831;
/** Newest Traefik v2 patch release in the notes (v2.11.53, 2026-07-24); chart 27 defaults to v2.11.0. */
export const DEFAULT_TRAEFIK_V2_IMAGE_TAG = 'v2.11.53';

export type TraefikV2Propagation = (typeof TRAEFIK_V2_PROPAGATIONS)[number];
/** How Traefik v2 reports spans: HTTP to the collector (thrift_http) or UDP as to an agent (thrift_compact). */
export type TraefikV2Reporter = 'collector' | 'agent';
/** jaeger-client-go sampler types; `remote` follows Jaeger's strategies from samplingServerURL. */
export type TraefikV2SamplingType = 'const' | 'probabilistic' | 'rateLimiting' | 'remote';

export interface TraefikV2ValuesProps {
  /** DNS name of the Jaeger Service with the Jaeger-protocol receivers. @default 'jaeger-collector.observability.svc' */
  readonly collectorHost?: string;
  /**
   * DNS name of the Service serving remote sampling on `samplingPort`.
   * @default - same as collectorHost
   */
  readonly samplingHost?: string;
  /** Remote sampling HTTP port. @default 5778 */
  readonly samplingPort?: number;
  /**
   * `collector` posts Thrift over HTTP to Jaeger (`thrift_http`, reliable through a ClusterIP
   * Service); `agent` sends UDP compact Thrift as the seed tutorial's `localAgentHostPort` did.
   * @default 'collector'
   */
  readonly reporter?: TraefikV2Reporter;
  /** Jaeger `thrift_http` port. @default 14268 */
  readonly thriftHttpPort?: number;
  /** Jaeger `thrift_compact` UDP port. @default 6831 */
  readonly thriftCompactPort?: number;
  /**
   * Trace header format: `jaeger` (`uber-trace-id`) or `b3` (what Istio/Envoy also read).
   * @default 'jaeger'
   */
  readonly propagation?: TraefikV2Propagation;
  /**
   * Sampler type. `const` with param 1 traces every request (labs); `remote` asks Jaeger's
   * remote sampling at samplingServerURL for the strategy.
   * @default 'const'
   */
  readonly samplingType?: TraefikV2SamplingType;
  /** Sampler parameter (1 = all for `const`, a probability for `probabilistic`). @default 1 */
  readonly samplingParam?: number;
  /** 128-bit trace IDs (what W3C and OTLP-based backends use). @default true */
  readonly gen128Bit?: boolean;
  /** Traefik v2 image tag. @default 'v2.11.53' */
  readonly imageTag?: string;
  /** Type of Traefik's Service (chart 27 key `service.type`). @default 'NodePort' */
  readonly serviceType?: TraefikServiceType;
  /** Node port of the `web` entrypoint. @default 30080 */
  readonly webNodePort?: number;
  /** Node port of the `websecure` entrypoint. @default 30443 */
  readonly websecureNodePort?: number;
  /** Container requests and memory limit. @default { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' } */
  readonly resources?: TraefikResources;
}

export interface TraefikV2Values {
  readonly globalArguments: readonly string[];
  readonly resources: ReturnType<typeof traefikResourcesValues>;
  readonly image: { readonly tag: string };
  readonly service: { readonly type: TraefikServiceType };
  readonly ports: { readonly web: { readonly nodePort?: number }; readonly websecure: { readonly nodePort?: number } };
  readonly tracing: {
    readonly jaeger: {
      readonly samplingServerURL: string;
      readonly samplingType: TraefikV2SamplingType;
      readonly samplingParam: number;
      readonly propagation: TraefikV2Propagation;
      readonly traceContextHeaderName: string;
      readonly gen128Bit: boolean;
      readonly localAgentHostPort?: string;
      readonly collector?: { readonly endpoint: string };
    };
  };
}

/** The Jaeger endpoints a v2 Traefik dials (check proves each is a Jaeger Service port). */
export interface TraefikV2Endpoints {
  readonly sampling: { readonly host: string; readonly port: number; readonly url: string };
  readonly spans: {
    readonly reporter: TraefikV2Reporter;
    readonly host: string;
    readonly port: number;
    readonly protocol: 'TCP' | 'UDP';
    readonly endpoint: string;
  };
}

export function traefikV2Endpoints(props: TraefikV2ValuesProps = {}): TraefikV2Endpoints {
  const host = props.collectorHost ?? DEFAULT_JAEGER_COLLECTOR_HOST;
  const samplingHost = props.samplingHost ?? host;
  const samplingPort = props.samplingPort ?? DEFAULT_JAEGER_SAMPLING_PORT;
  const reporter = props.reporter ?? 'collector';
  const spans =
    reporter === 'collector'
      ? (() => {
          const port = props.thriftHttpPort ?? DEFAULT_JAEGER_THRIFT_HTTP_PORT;
          return { reporter, host, port, protocol: 'TCP' as const, endpoint: `http://${host}:${port}/api/traces?format=jaeger.thrift` };
        })()
      : (() => {
          const port = props.thriftCompactPort ?? DEFAULT_JAEGER_THRIFT_COMPACT_PORT;
          return { reporter, host, port, protocol: 'UDP' as const, endpoint: `${host}:${port}` };
        })();
  return { sampling: { host: samplingHost, port: samplingPort, url: `http://${samplingHost}:${samplingPort}/sampling` }, spans };
}

export function buildTraefikV2Values(props: TraefikV2ValuesProps = {}): TraefikV2Values {
  validateV2Props(props);
  const endpoints = traefikV2Endpoints(props);
  const propagation = props.propagation ?? 'jaeger';
  const serviceType = props.serviceType ?? 'NodePort';
  const withNodePorts = serviceType !== 'ClusterIP';
  const values: TraefikV2Values = {
    // Chart <=27 passes --global.checknewversion and --global.sendanonymoususage by default.
    globalArguments: [],
    image: { tag: props.imageTag ?? DEFAULT_TRAEFIK_V2_IMAGE_TAG },
    resources: traefikResourcesValues(props.resources),
    service: { type: serviceType },
    ports: {
      web: withNodePorts ? { nodePort: props.webNodePort ?? DEFAULT_TRAEFIK_WEB_NODE_PORT } : {},
      websecure: withNodePorts ? { nodePort: props.websecureNodePort ?? DEFAULT_TRAEFIK_WEBSECURE_NODE_PORT } : {},
    },
    tracing: {
      jaeger: {
        samplingServerURL: endpoints.sampling.url,
        samplingType: props.samplingType ?? 'const',
        samplingParam: props.samplingParam ?? 1,
        propagation,
        // Only read for `propagation: jaeger`; lower-case as Traefik requires.
        traceContextHeaderName: 'uber-trace-id',
        gen128Bit: props.gen128Bit ?? true,
        ...(endpoints.spans.reporter === 'collector'
          ? { collector: { endpoint: endpoints.spans.endpoint } }
          : { localAgentHostPort: endpoints.spans.endpoint }),
      },
    },
  };
  const problems = findTraefikValuesProblems(values, { mode: 'v2' });
  if (problems.length > 0) throw new TraefikValuesError(problems, 'Traefik v2 Helm values');
  return values;
}

function validateV2Props(props: TraefikV2ValuesProps): void {
  if (props.propagation !== undefined && !(TRAEFIK_V2_PROPAGATIONS as readonly string[]).includes(props.propagation)) {
    rejectProp('propagation', props.propagation, `${TRAEFIK_V2_PROPAGATIONS.join(' or ')} (Traefik v2 has no W3C propagation)`);
  }
  if (props.reporter !== undefined && props.reporter !== 'collector' && props.reporter !== 'agent') {
    rejectProp('reporter', props.reporter, "'collector' (thrift_http) or 'agent' (thrift_compact UDP)");
  }
  if (props.samplingType !== undefined && !['const', 'probabilistic', 'rateLimiting', 'remote'].includes(props.samplingType)) {
    rejectProp('samplingType', props.samplingType, "'const', 'probabilistic', 'rateLimiting' or 'remote'");
  }
  if (props.samplingParam !== undefined && !(typeof props.samplingParam === 'number' && props.samplingParam >= 0)) {
    rejectProp('samplingParam', props.samplingParam, 'a number >= 0');
  }
  if ((props.samplingType ?? 'const') === 'probabilistic' && props.samplingParam !== undefined && props.samplingParam > 1) {
    rejectProp('samplingParam', props.samplingParam, 'a probability from 0 to 1 for samplingType probabilistic');
  }
  for (const key of ['collectorHost', 'samplingHost'] as const) {
    const host = props[key];
    if (host !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))
      rejectProp(key, host, 'a DNS name without scheme or port');
  }
  for (const key of ['samplingPort', 'thriftHttpPort', 'thriftCompactPort'] as const) {
    const port = props[key];
    if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) rejectProp(key, port, 'an integer port 1..65535');
  }
  for (const key of ['webNodePort', 'websecureNodePort'] as const) {
    const port = props[key];
    if (port !== undefined && !(Number.isInteger(port) && port >= NODE_PORT_RANGE.min && port <= NODE_PORT_RANGE.max)) {
      rejectProp(key, port, `an integer node port ${NODE_PORT_RANGE.min}..${NODE_PORT_RANGE.max}`);
    }
  }
  if (props.imageTag !== undefined && !/^v2\.\d+\.\d+$/.test(props.imageTag)) {
    rejectProp('imageTag', props.imageTag, 'a Traefik v2 tag such as v2.11.53 (v3 tags need the v3 mode and chart 41)');
  }
}
