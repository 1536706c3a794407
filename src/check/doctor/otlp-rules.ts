/**
 * Doctor rules about span delivery to the collector: OTLP port/protocol mix-ups (MT005),
 * collectors bound to localhost (MT006), collector/query split over process-local storage (MT007).
 */
import type { Finding, ManifestDoc, Severity } from '../finding';
import type { CheckContext } from '../context';
import { CATALOGUE, type DoctorRule } from './catalogue';
import { doctor } from './helpers';
import {
  collectorConfigs,
  enabledExtensions,
  isJaegerImage,
  jaegerWorkloadsWithoutConfig,
  pipelines,
  roles,
  storageBackends,
} from '../jaeger-config';
import {
  argFlagsOf,
  containersOf,
  envOf,
  getPath,
  isLoopbackHost,
  isRecord,
  nameOf,
  parseEndpoint,
  type ContainerRef,
  type Obj,
  type PodTemplate,
} from '../objects';

export function isHotrodImage(image: string): boolean {
  return /(^|\/)jaegertracing\/example-hotrod(:|@|$)/.test(image);
}

const OTLP_ENDPOINT_ENV = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'];

/** The meshtrace relay exports OTLP/HTTP only (`--otlp-endpoint`, protobuf or JSON). */
function relayEndpointFindings(t: PodTemplate, c: ContainerRef): Finding[] {
  return argFlagsOf(c.container)
    .filter((x) => x.flag === '--otlp-endpoint' && parseEndpoint(x.value)?.port === 4317)
    .map((a) =>
      doctor(
        'MT005',
        t.doc,
        'error',
        `${c.path}.${a.list}[${a.index}]`,
        `container "${c.name}" (meshtrace relay) exports OTLP/HTTP to ${a.value}, the OTLP/gRPC port: the collector drops the spans`,
        'use http://<collector>:4318',
      ),
    );
}

interface EnvEndpoint {
  readonly name: string;
  readonly value: string;
  readonly port: number;
  readonly scheme: string | undefined;
  /** OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, lower-cased. */
  readonly protocol: string | undefined;
  readonly hotrod: boolean;
  readonly who: string;
}

/** The first port/protocol mismatch of one OTLP endpoint env var, as severity, message and fix. */
function envEndpointProblem(e: EnvEndpoint): [Severity, string, string] | undefined {
  const { name, value, port, protocol, who } = e;
  if (e.hotrod && port === 4317)
    return [
      'error',
      `${who} runs HotROD, which exports OTLP/HTTP only, but ${name}=${value} is the OTLP/gRPC port 4317: the collector rejects the requests`,
      `set ${name}=http://<collector>:4318`,
    ];
  if (port === 4317 && protocol?.startsWith('http'))
    return [
      'error',
      `${who} exports ${protocol} to ${value}, the OTLP/gRPC port: the collector logs "bogus greeting" and drops the spans`,
      `use port 4318 or set the protocol to grpc`,
    ];
  if (port === 4318 && protocol === 'grpc')
    return [
      'error',
      `${who} exports OTLP/gRPC to ${value}, the OTLP/HTTP port: the export fails`,
      'use port 4317 or protocol http/protobuf',
    ];
  if (port === 4317 && protocol === undefined && !e.hotrod)
    return [
      'warning',
      `${who} sends OTLP to ${value} (gRPC port) without OTEL_EXPORTER_OTLP_PROTOCOL: most SDKs default to http/protobuf, which fails on 4317`,
      'set OTEL_EXPORTER_OTLP_PROTOCOL=grpc, or use port 4318',
    ];
  if ([14250, 14268, 6831, 6832, 9411].includes(port))
    return [
      'error',
      `${who} sends OTLP to ${value}, a legacy Jaeger/Zipkin port: the collector answers "unknown service TraceService" or 404`,
      'use 4317 (gRPC) or 4318 (HTTP)',
    ];
  if (port === 4318 && e.scheme === undefined)
    return ['error', `${who} has OTLP/HTTP endpoint ${value} without a scheme: the SDK cannot parse it`, `write http://${value}`];
  return undefined;
}

/** OTLP endpoint env vars of one container against its protocol env var and image. */
function envEndpointFindings(t: PodTemplate, c: ContainerRef): Finding[] {
  const env = envOf(c.container);
  const get = (name: string) => env.find((e) => e.name === name);
  const protocol = (get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? get('OTEL_EXPORTER_OTLP_PROTOCOL'))?.value.toLowerCase();
  const hotrod = isHotrodImage(c.image);
  return env
    .filter((x) => OTLP_ENDPOINT_ENV.includes(x.name))
    .flatMap((e) => {
      const ep = parseEndpoint(e.value);
      if (!ep?.port) return [];
      const who = `container "${c.name}"`;
      const problem = envEndpointProblem({ name: e.name, value: e.value, port: ep.port, scheme: ep.scheme, protocol, hotrod, who });
      if (!problem) return [];
      const [severity, message, fix] = problem;
      return [doctor('MT005', t.doc, severity, `${c.path}.env[${e.index}].value`, message, fix)];
    });
}

function envProtocolFindings(ctx: CheckContext): Finding[] {
  return ctx.templates.flatMap((t) => containersOf(t).flatMap((c) => [...relayEndpointFindings(t, c), ...envEndpointFindings(t, c)]));
}

function providerProtocolFindings(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const p of ctx.mesh.providers) {
    const port = p.config.port;
    if (typeof port !== 'number') continue;
    const field = `${p.field}.${p.type}.port`;
    if (p.type === 'opentelemetry') {
      const http = isRecord(p.config.http);
      if (http && port === 4317)
        out.push(
          doctor(
            'MT005',
            p.doc,
            'error',
            field,
            `provider "${p.name}" has http set (OTLP/HTTP) but port 4317 is OTLP/gRPC: Envoy's export fails`,
            'use port 4318, or drop http for OTLP/gRPC',
          ),
        );
      if (!http && port === 4318)
        out.push(
          doctor(
            'MT005',
            p.doc,
            'error',
            field,
            `provider "${p.name}" has no http block, so Envoy exports OTLP/gRPC, but port 4318 is OTLP/HTTP: the export fails`,
            'use port 4317, or add http: {path: /v1/traces}',
          ),
        );
      if ([9411, 14250, 14268].includes(port))
        out.push(
          doctor(
            'MT005',
            p.doc,
            'error',
            field,
            `provider "${p.name}" is OpenTelemetry but port ${port} is a Zipkin/legacy Jaeger port`,
            'use 4317 (gRPC) or 4318 with http',
          ),
        );
    } else if (p.type === 'zipkin' && (port === 4317 || port === 4318)) {
      out.push(
        doctor(
          'MT005',
          p.doc,
          'error',
          field,
          `provider "${p.name}" is Zipkin but port ${port} is OTLP: Zipkin JSON is rejected`,
          'use 9411 (Zipkin) or an opentelemetry provider',
        ),
      );
    }
  }
  return out;
}

interface TraefikOtlp {
  readonly d: ManifestDoc;
  /** `tracing.otlp` */
  readonly otlp: Obj;
  readonly http: Obj;
  readonly grpc: Obj;
  readonly httpOn: boolean;
  readonly grpcOn: boolean;
}

/** The enabled switches of `tracing.otlp` and its two transports against each other. */
function traefikSwitchFindings({ d, otlp, httpOn, grpcOn }: TraefikOtlp): Finding[] {
  const out: Finding[] = [];
  if (otlp.enabled === true && !httpOn && !grpcOn) {
    out.push(
      doctor(
        'MT005',
        d,
        'error',
        'tracing.otlp',
        'otlp is enabled but neither tracing.otlp.http nor tracing.otlp.grpc is: Traefik silently exports to https://localhost:4318',
      ),
    );
  }
  if (otlp.enabled !== true && (httpOn || grpcOn)) {
    out.push(
      doctor(
        'MT005',
        d,
        'error',
        'tracing.otlp.enabled',
        `tracing.otlp.${grpcOn ? 'grpc' : 'http'} is enabled but tracing.otlp.enabled is not: the chart renders no tracing flags, Traefik emits no spans`,
        'set tracing.otlp.enabled: true',
      ),
    );
  }
  if (httpOn && grpcOn) {
    out.push(
      doctor(
        'MT005',
        d,
        'error',
        'tracing.otlp',
        'both tracing.otlp.http and tracing.otlp.grpc are enabled: Traefik uses only gRPC, the HTTP settings are dead',
        'enable exactly one transport',
      ),
    );
  }
  return out;
}

/** `tracing.otlp.grpc`: endpoint form and port, TLS against insecure. */
function traefikGrpcFindings({ d, grpc, grpcOn }: TraefikOtlp): Finding[] {
  const out: Finding[] = [];
  if (grpcOn && typeof grpc.endpoint === 'string' && grpc.endpoint) {
    const ep = parseEndpoint(grpc.endpoint);
    if (/:\/\//.test(grpc.endpoint))
      out.push(
        doctor(
          'MT005',
          d,
          'error',
          'tracing.otlp.grpc.endpoint',
          `gRPC endpoint "${grpc.endpoint}" has a scheme: Traefik splits it as host:port and fails`,
          `write ${ep ? `${ep.host}:${ep.port ?? 4317}` : 'host:4317'} and insecure: true`,
        ),
      );
    else if (ep?.port === 4318)
      out.push(
        doctor(
          'MT005',
          d,
          'error',
          'tracing.otlp.grpc.endpoint',
          `gRPC endpoint "${grpc.endpoint}" is the OTLP/HTTP port 4318`,
          'use port 4317',
        ),
      );
    const tlsSet = isRecord(grpc.tls) && Object.values(grpc.tls).some((v) => v !== null && v !== undefined && v !== '' && v !== false);
    if (grpc.insecure === true && tlsSet)
      out.push(
        doctor(
          'MT005',
          d,
          'error',
          'tracing.otlp.grpc.tls',
          'gRPC exporter has insecure: true and tls.* set: Traefik refuses to start ("TLS and Insecure options are mutually exclusive")',
          'drop tracing.otlp.grpc.tls for a plaintext collector, or drop insecure for TLS',
        ),
      );
    if (grpc.insecure !== true && !isRecord(grpc.tls))
      out.push(
        doctor(
          'MT005',
          d,
          'warning',
          'tracing.otlp.grpc.insecure',
          'gRPC exporter without insecure: true tries TLS against a plaintext collector',
          'set tracing.otlp.grpc.insecure: true (and no grpc.tls) for an in-cluster plaintext collector',
        ),
      );
  } else if (grpcOn) {
    out.push(
      doctor(
        'MT005',
        d,
        'error',
        'tracing.otlp.grpc.endpoint',
        'gRPC transport enabled without an endpoint: Traefik exports to localhost:4317',
        'set tracing.otlp.grpc.endpoint: <collector>.<ns>.svc:4317',
      ),
    );
  }
  return out;
}

/** `tracing.otlp.http`: endpoint scheme and port. */
function traefikHttpFindings({ d, http, httpOn }: TraefikOtlp): Finding[] {
  const out: Finding[] = [];
  if (httpOn && typeof http.endpoint === 'string' && http.endpoint) {
    const ep = parseEndpoint(http.endpoint);
    if (!/^https?:\/\//.test(http.endpoint))
      out.push(
        doctor(
          'MT005',
          d,
          'error',
          'tracing.otlp.http.endpoint',
          `HTTP endpoint "${http.endpoint}" has no http:// scheme: Traefik parses it as a URL and cannot export`,
          `write http://${http.endpoint}`,
        ),
      );
    else if (ep?.port === 4317)
      out.push(
        doctor(
          'MT005',
          d,
          'error',
          'tracing.otlp.http.endpoint',
          `HTTP endpoint "${http.endpoint}" is the OTLP/gRPC port 4317`,
          'use port 4318 (path /v1/traces)',
        ),
      );
  } else if (httpOn) {
    out.push(
      doctor(
        'MT005',
        d,
        'error',
        'tracing.otlp.http.endpoint',
        'HTTP transport enabled without an endpoint: Traefik exports to https://localhost:4318',
        'set tracing.otlp.http.endpoint: http://<collector>.<ns>.svc:4318/v1/traces',
      ),
    );
  }
  return out;
}

/** Traefik values `tracing.otlp` checks (the chart renders these into --tracing.otlp.* flags). */
function traefikFindings(ctx: CheckContext): Finding[] {
  return ctx.traefikValues().flatMap((input) => {
    const otlp = getPath(input.doc.object, 'tracing.otlp');
    if (!isRecord(otlp)) return [];
    const http = isRecord(otlp.http) ? otlp.http : {};
    const grpc = isRecord(otlp.grpc) ? otlp.grpc : {};
    const values: TraefikOtlp = { d: input.doc, otlp, http, grpc, httpOn: http.enabled === true, grpcOn: grpc.enabled === true };
    return [...traefikSwitchFindings(values), ...traefikGrpcFindings(values), ...traefikHttpFindings(values)];
  });
}

export const mt005: DoctorRule = {
  ...CATALOGUE.MT005!,
  run: (ctx) => [...envProtocolFindings(ctx), ...providerProtocolFindings(ctx), ...traefikFindings(ctx)],
};

/** Receivers with network listeners, per protocol block. */
function receiverListeners(config: Obj): { path: string; endpoint: unknown }[] {
  const out: { path: string; endpoint: unknown }[] = [];
  const receivers = isRecord(config.receivers) ? config.receivers : {};
  // Only receivers wired into a pipeline listen; unused ones are ignored by the collector.
  const used = new Set(pipelines(config).flatMap((p) => p.receivers));
  for (const [name, value] of Object.entries(receivers)) {
    const type = name.split('/')[0]!;
    if (used.size && !used.has(name)) continue;
    if (type === 'otlp' || type === 'jaeger') {
      const protocols = getPath(value, 'protocols');
      if (!isRecord(protocols)) continue;
      for (const [proto, pv] of Object.entries(protocols))
        out.push({ path: `receivers.${name}.protocols.${proto}`, endpoint: isRecord(pv) ? pv.endpoint : undefined });
    } else if (type === 'zipkin') {
      out.push({ path: `receivers.${name}`, endpoint: isRecord(value) ? value.endpoint : undefined });
    }
  }
  return out;
}

export const mt006: DoctorRule = {
  ...CATALOGUE.MT006!,
  run(ctx) {
    const out: Finding[] = [];
    for (const cfg of collectorConfigs(ctx)) {
      const listenHostEnv = cfg.workloads
        .flatMap((t) => containersOf(t).flatMap((c) => envOf(c.container)))
        .find((e) => e.name === 'JAEGER_LISTEN_HOST');
      const jaeger = cfg.workloads.length === 0 || cfg.workloads.some((t) => containersOf(t).some((c) => isJaegerImage(c.image)));
      const loopback = (endpoint: string): boolean => {
        if (/\$\{env:JAEGER_LISTEN_HOST/.test(endpoint))
          return !jaeger || (listenHostEnv !== undefined && isLoopbackHost(listenHostEnv.value));
        const ep = parseEndpoint(endpoint);
        return ep !== undefined && ep.host !== '' && isLoopbackHost(ep.host);
      };
      const check = (path: string, endpoint: unknown, what: string): void => {
        if (endpoint === undefined || endpoint === null || endpoint === '') {
          out.push(
            doctor(
              'MT006',
              cfg.doc,
              'error',
              `${cfg.field}.${path}.endpoint`,
              `${what} has no endpoint, so it binds localhost (OTel Collector ≥ 0.104 default): other pods cannot reach it`,
            ),
          );
        } else if (typeof endpoint === 'string' && loopback(endpoint)) {
          out.push(
            doctor(
              'MT006',
              cfg.doc,
              'error',
              `${cfg.field}.${path}.endpoint`,
              `${what} binds "${endpoint}": only the pod itself can reach it`,
            ),
          );
        }
      };
      for (const l of receiverListeners(cfg.config)) check(l.path, l.endpoint, `receiver ${l.path.replace(/^receivers\./, '')}`);
      const exts = enabledExtensions(cfg.config);
      for (const ext of exts.filter((e) => e.startsWith('healthcheckv2') || e.startsWith('health_check'))) {
        const value = getPath(cfg.config, `extensions.${ext}`);
        const httpBlock = ext.startsWith('healthcheckv2') ? getPath(value, 'http') : value;
        if (ext.startsWith('healthcheckv2') && !isRecord(httpBlock) && getPath(value, 'use_v2') === true) continue; // grpc-only health check
        check(
          ext.startsWith('healthcheckv2') ? `extensions.${ext}.http` : `extensions.${ext}`,
          isRecord(httpBlock) ? httpBlock.endpoint : undefined,
          `health check ${ext} (kubelet probes)`,
        );
      }
    }
    return out;
  },
};

export const mt007: DoctorRule = {
  ...CATALOGUE.MT007!,
  run(ctx) {
    const out: Finding[] = [];
    const configs = collectorConfigs(ctx).filter((c) => c.workloads.length > 0 || storageBackends(c.config).size > 0);
    interface Role {
      doc: ManifestDoc;
      field: string;
      writes: boolean;
      queries: boolean;
      storage: string;
      replicas: number;
      name: string;
    }
    const rolesList: Role[] = [];
    for (const cfg of configs) {
      const r = roles(cfg.config);
      const backends = storageBackends(cfg.config);
      const kindOfBackend = (b?: string): string =>
        (b && backends.get(b)) || (backends.size === 1 ? [...backends.values()][0]! : 'unknown');
      const storage = r.writes ? kindOfBackend(r.writeBackend) : kindOfBackend(r.queryBackend);
      const replicas = Math.max(1, ...cfg.workloads.map((t) => t.replicas));
      rolesList.push({
        doc: cfg.doc,
        field: cfg.field,
        writes: r.writes,
        queries: r.queries,
        storage,
        replicas,
        name: cfg.workloads.map((t) => nameOf(t.owner)).join(', ') || nameOf(cfg.doc.object),
      });
    }
    for (const t of jaegerWorkloadsWithoutConfig(ctx, configs)) {
      rolesList.push({
        doc: t.doc,
        field: 'spec.replicas',
        writes: true,
        queries: true,
        storage: 'memory',
        replicas: t.replicas,
        name: nameOf(t.owner),
      });
    }
    const local = (s: string) => s === 'memory' || s === 'badger';
    for (const r of rolesList) {
      if (local(r.storage) && r.replicas > 1 && (r.writes || r.queries)) {
        out.push(
          doctor(
            'MT007',
            r.doc,
            'error',
            r.field,
            `Jaeger ${r.name} runs ${r.replicas} replicas over ${r.storage} storage: each replica has its own store, so queries see only the spans that replica received`,
            'run 1 replica, or use shared storage',
          ),
        );
      }
    }
    const writers = rolesList.filter((r) => r.writes && !r.queries);
    const readers = rolesList.filter((r) => r.queries && !r.writes);
    for (const reader of readers) {
      const localWriter = writers.find((w) => local(w.storage) || local(reader.storage));
      if (localWriter) {
        const kind = local(reader.storage) ? reader.storage : localWriter.storage;
        out.push(
          doctor(
            'MT007',
            reader.doc,
            'error',
            reader.field,
            `Jaeger query (${reader.name}) and collector (${localWriter.name}) run in separate processes over ${kind} storage: the query process reads its own empty store`,
          ),
        );
      }
    }
    return out;
  },
};
