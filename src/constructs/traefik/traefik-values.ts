/**
 * One entry point for the Traefik Helm values file (`dist/install/traefik-values.yaml`): picks the
 * v3 (chart 41, OTLP) or v2 (chart 27, Jaeger client) builder and renders YAML with a header that
 * says how to install it.
 */
import { toYaml } from '../../yaml/dump';
import type { TraefikMode } from './traefik-values-rules';
import { buildTraefikV2Values, traefikV2Endpoints, type TraefikV2Values, type TraefikV2ValuesProps } from './traefik-v2-values';
import {
  DEFAULT_TRAEFIK_WEBSECURE_NODE_PORT,
  DEFAULT_TRAEFIK_WEB_NODE_PORT,
  buildTraefikV3Values,
  traefikV3TracingEndpoint,
  type TraefikV3Values,
  type TraefikV3ValuesProps,
} from './traefik-v3-values';

/** Chart versions the two modes are written for (values differ between chart majors). */
export const TRAEFIK_CHART = {
  v3: { chart: 'traefik/traefik', version: '41.3.0', appVersion: 'v3.7.11' },
  v2: { chart: 'traefik/traefik', version: '27.0.2', appVersion: 'v2.11.x' },
} as const;

/** File name of the values under `dist/`. */
export const TRAEFIK_VALUES_FILE = 'install/traefik-values.yaml';
/** Namespace the install command puts Traefik in. */
export const DEFAULT_TRAEFIK_NAMESPACE = 'traefik';

export type TraefikValuesProps =
  | ({
      /**
       * Traefik major version the values are for (`v2` needs the Jaeger Thrift HTTP receiver).
       * @default 'v3'
       */
      readonly mode?: 'v3';
    } & TraefikV3ValuesProps)
  | ({ readonly mode: 'v2' } & TraefikV2ValuesProps);

export type TraefikValues = TraefikV3Values | TraefikV2Values;

/** Builds the values for the chosen mode (default v3). Throws TraefikValuesError on bad props. */
export function buildTraefikValues(props: TraefikValuesProps = {}): TraefikValues {
  return props.mode === 'v2' ? buildTraefikV2Values(props) : buildTraefikV3Values(props);
}

/** A Jaeger Service port a Traefik configuration dials (what `check` must find on a Service). */
export interface TraefikJaegerDependency {
  /** What Traefik uses it for. */
  readonly purpose: 'otlp-grpc' | 'otlp-http' | 'jaeger-thrift-http' | 'jaeger-thrift-compact' | 'remote-sampling';
  readonly host: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/**
 * Every Jaeger endpoint the chosen mode dials. The stack enables exactly these Jaeger receivers,
 * and tests/check prove each resolves to a port of a synthesized Service.
 */
export function traefikJaegerDependencies(props: TraefikValuesProps = {}): TraefikJaegerDependency[] {
  if (props.mode === 'v2') {
    const e = traefikV2Endpoints(props);
    return [
      { purpose: 'remote-sampling', host: e.sampling.host, port: e.sampling.port, protocol: 'TCP' },
      {
        purpose: e.spans.reporter === 'collector' ? 'jaeger-thrift-http' : 'jaeger-thrift-compact',
        host: e.spans.host,
        port: e.spans.port,
        protocol: e.spans.protocol,
      },
    ];
  }
  const e = traefikV3TracingEndpoint(props);
  return [{ purpose: e.transport === 'grpc' ? 'otlp-grpc' : 'otlp-http', host: e.host, port: e.port, protocol: 'TCP' }];
}

/** The node ports Traefik's Service gets (for the kind port mappings), or none for ClusterIP. */
export function traefikNodePorts(props: TraefikValuesProps = {}): { web?: number; websecure?: number } {
  if (props.serviceType === 'ClusterIP') return {};
  return {
    web: props.webNodePort ?? DEFAULT_TRAEFIK_WEB_NODE_PORT,
    websecure: props.websecureNodePort ?? DEFAULT_TRAEFIK_WEBSECURE_NODE_PORT,
  };
}

/** The comment block at the top of the values file: chart, install command, what tracing does. */
export function traefikValuesHeader(mode: TraefikMode = 'v3', namespace = DEFAULT_TRAEFIK_NAMESPACE): string {
  const chart = TRAEFIK_CHART[mode];
  return (
    [
      `# Traefik Helm values written by meshtrace (chart ${chart.chart} ${chart.version}, Traefik ${chart.appVersion}).`,
      `#   helm repo add traefik https://traefik.github.io/charts`,
      `#   helm upgrade --install traefik ${chart.chart} --version ${chart.version} -n ${namespace} --create-namespace -f dist/${TRAEFIK_VALUES_FILE}`,
      mode === 'v3'
        ? '# Tracing: OpenTelemetry (OTLP) to the Jaeger collector; exactly one OTLP transport is enabled.'
        : '# Tracing: Traefik v2 Jaeger client (uber-trace-id or B3; Traefik v2 has no W3C traceparent).',
      '# Generated file: edit the meshtrace config and re-run `npm run synth` instead.',
    ].join('\n') + '\n'
  );
}

/** Renders values as YAML with a header naming the chart and the install command. */
export function renderTraefikValues(values: TraefikValues, mode: TraefikMode = 'v3', namespace = DEFAULT_TRAEFIK_NAMESPACE): string {
  return `${traefikValuesHeader(mode, namespace)}${toYaml(values)}`;
}

/**
 * Which chart a values object was written for: v2 values (chart 27) carry `tracing.jaeger` or a
 * v2 image tag; everything else is chart 41. For installers (`meshtrace up`) that must pick the
 * chart version matching `dist/install/traefik-values.yaml`.
 */
export function traefikChartForValues(values: unknown): (typeof TRAEFIK_CHART)[TraefikMode] & { mode: TraefikMode } {
  const v = (typeof values === 'object' && values !== null ? values : {}) as { tracing?: { jaeger?: unknown }; image?: { tag?: unknown } };
  const v2 =
    (v.tracing?.jaeger !== undefined && v.tracing.jaeger !== null) || (typeof v.image?.tag === 'string' && /^v?2\./.test(v.image.tag));
  const mode: TraefikMode = v2 ? 'v2' : 'v3';
  return { ...TRAEFIK_CHART[mode], mode };
}
