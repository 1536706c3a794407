/**
 * Config → Traefik Helm values and kind cluster config (installer inputs under `dist/install/`),
 * plus the one place that knows every node port the stack synthesizes, so the kind mappings can
 * only ever name real node ports and two Services can never claim the same one.
 */
import { nodePortClaims } from '../../config/kind';
import type { MeshtraceConfig } from '../../config/schema';
import { JAEGER_COLLECTOR_SERVICE, JAEGER_PORTS } from '../../constructs/jaeger/jaeger-ports';
import { buildKindClusterConfig, kindConfigHeader, type KindPortMappingProps } from '../../constructs/kind/kind-cluster-config';
import {
  buildTraefikValues,
  traefikJaegerDependencies,
  traefikValuesHeader,
  type TraefikJaegerDependency,
  type TraefikValuesProps,
} from '../../constructs/traefik/traefik-values';

/** An installer input as the stack writes it (see tracing-stack.ts `InstallInput`). */
export interface KindTraefikInstallInput {
  readonly name: string;
  readonly object: Record<string, unknown>;
  /** Comment block written above the YAML (install command, what the file is for). */
  readonly header?: string;
}

/** In-cluster DNS name of the Jaeger collector Service in the configured namespace. */
export function jaegerCollectorHost(config: Pick<MeshtraceConfig, 'namespaces'>): string {
  return `${JAEGER_COLLECTOR_SERVICE}.${config.namespaces.observability}.svc`;
}

/** OTLP/HTTP base URL for HotROD (it exports OTLP over HTTP only). */
export function hotrodOtlpEndpoint(config: Pick<MeshtraceConfig, 'namespaces'>): string {
  return `http://${jaegerCollectorHost(config)}:${JAEGER_PORTS.otlpHttp}`;
}

/** The Traefik values props a config selects (v3 or v2 mode), aimed at the stack's Jaeger Services. */
export function traefikValuesProps(config: Pick<MeshtraceConfig, 'traefik' | 'namespaces'>): TraefikValuesProps {
  const t = config.traefik;
  const common = {
    collectorHost: jaegerCollectorHost(config),
    serviceType: t.service.type,
    webNodePort: t.service.webNodePort,
    websecureNodePort: t.service.websecureNodePort,
    resources: t.resources,
  };
  if (t.mode === 'v2') {
    return {
      mode: 'v2',
      ...common,
      samplingPort: JAEGER_PORTS.samplingHttp,
      reporter: t.v2.reporter,
      propagation: t.v2.propagation,
      samplingType: t.v2.samplingType,
      samplingParam: t.v2.samplingParam,
      imageTag: t.v2.imageTag,
    };
  }
  return {
    mode: 'v3',
    ...common,
    otlpGrpcPort: JAEGER_PORTS.otlpGrpc,
    otlpHttpPort: JAEGER_PORTS.otlpHttp,
    transport: t.transport,
    sampleRate: t.sampleRate,
    serviceName: t.serviceName,
    traceVerbosity: t.traceVerbosity,
    propagators: t.propagators,
    capturedRequestHeaders: t.capturedRequestHeaders,
    capturedResponseHeaders: t.capturedResponseHeaders,
    safeQueryParams: t.safeQueryParams,
  };
}

/** The Jaeger ports the configured Traefik dials (the Jaeger config must enable these receivers). */
export function traefikJaegerNeeds(config: Pick<MeshtraceConfig, 'traefik' | 'namespaces'>): TraefikJaegerDependency[] {
  return config.traefik.enabled ? traefikJaegerDependencies(traefikValuesProps(config)) : [];
}

/** `install/traefik-values.yaml`, or nothing when Traefik is disabled. */
export function traefikInstallInputs(config: MeshtraceConfig): KindTraefikInstallInput[] {
  if (!config.traefik.enabled) return [];
  const values = buildTraefikValues(traefikValuesProps(config));
  return [
    {
      name: 'traefik-values.yaml',
      object: values as unknown as Record<string, unknown>,
      header: traefikValuesHeader(config.traefik.mode, config.traefik.namespace),
    },
  ];
}

/** One Service node port the stack synthesizes, with the host port kind publishes it on. */
export interface SynthesizedNodePort extends KindPortMappingProps {
  /** Where the node port is declared (config path), for error messages. */
  readonly source: string;
}

const HOST_PORT_OF: Readonly<Record<string, keyof MeshtraceConfig['kind']['hostPorts']>> = {
  'traefik web': 'traefikWeb',
  'traefik websecure': 'traefikWebsecure',
  'istio ingress gateway http2': 'istioIngressHttp',
  'istio ingress gateway https': 'istioIngressHttps',
  'jaeger query': 'jaegerQuery',
};

/**
 * Every node port the stack synthesizes (Traefik web/websecure, Istio ingress gateway http2/https)
 * with its host port. The config schema already refuses two Services on one node port
 * (`refineNodePorts`); this re-checks for callers that build a config object by hand.
 */
export function synthesizedNodePorts(config: MeshtraceConfig): SynthesizedNodePort[] {
  const ports = nodePortClaims(config).map((c) => ({
    name: c.name,
    source: c.path.join('.'),
    nodePort: c.port,
    hostPort: config.kind.hostPorts[HOST_PORT_OF[c.name]!],
  }));
  const seen = new Map<number, SynthesizedNodePort>();
  for (const p of ports) {
    const other = seen.get(p.nodePort);
    if (other) {
      throw new Error(
        `node port ${p.nodePort} is claimed twice: ${other.source} (${other.name}) and ${p.source} (${p.name}); allowed: a different port in 30000-32767 for each`,
      );
    }
    seen.set(p.nodePort, p);
  }
  return ports;
}

/** `install/kind.yaml`, or nothing when kind is disabled. */
export function kindInstallInputs(config: MeshtraceConfig): KindTraefikInstallInput[] {
  const nodePorts = synthesizedNodePorts(config); // validates even when kind is off
  if (!config.kind.enabled) return [];
  const k = config.kind;
  const portMappings = nodePorts.map(({ name, nodePort, hostPort }) => ({ name, nodePort, hostPort, listenAddress: k.listenAddress }));
  const cluster = buildKindClusterConfig({ name: k.name, nodeImage: k.nodeImage, workers: k.workers, portMappings });
  return [
    {
      name: 'kind.yaml',
      object: cluster as unknown as Record<string, unknown>,
      header: kindConfigHeader(
        cluster,
        portMappings.map((m) => m.name),
      ),
    },
  ];
}
