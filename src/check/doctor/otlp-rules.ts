/**
 * Doctor rules about span delivery to the collector: OTLP port/protocol mix-ups (MT005),
 * collectors bound to localhost (MT006), collector/query split over process-local storage (MT007).
 */
import type { Finding, ManifestDoc } from '../finding';
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
import { argFlagsOf, containersOf, envOf, getPath, isLoopbackHost, isRecord, nameOf, parseEndpoint, type Obj } from '../objects';

export function isHotrodImage(image: string): boolean {
  return /(^|\/)jaegertracing\/example-hotrod(:|@|$)/.test(image);
}

const OTLP_ENDPOINT_ENV = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'];

function envProtocolFindings(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const t of ctx.templates) {
    for (const c of containersOf(t)) {
      const env = envOf(c.container);
      const get = (name: string) => env.find((e) => e.name === name);
      const protocol = (get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? get('OTEL_EXPORTER_OTLP_PROTOCOL'))?.value.toLowerCase();
      const hotrod = isHotrodImage(c.image);
      // The meshtrace relay exports OTLP/HTTP only (`--otlp-endpoint`, protobuf or JSON).
      for (const a of argFlagsOf(c.container).filter((x) => x.flag === '--otlp-endpoint')) {
        const ep = parseEndpoint(a.value);
        if (ep?.port === 4317) {
          out.push(
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
      }
      for (const e of env.filter((x) => OTLP_ENDPOINT_ENV.includes(x.name))) {
        const ep = parseEndpoint(e.value);
        if (!ep?.port) continue;
        const field = `${c.path}.env[${e.index}].value`;
        const who = `container "${c.name}"`;
        if (hotrod && ep.port === 4317) {
          out.push(
            doctor(
              'MT005',
              t.doc,
              'error',
              field,
              `${who} runs HotROD, which exports OTLP/HTTP only, but ${e.name}=${e.value} is the OTLP/gRPC port 4317: the collector rejects the requests`,
              `set ${e.name}=http://<collector>:4318`,
            ),
          );
        } else if (ep.port === 4317 && protocol?.startsWith('http')) {
          out.push(
            doctor(
              'MT005',
              t.doc,
              'error',
              field,
              `${who} exports ${protocol} to ${e.value}, the OTLP/gRPC port: the collector logs "bogus greeting" and drops the spans`,
              `use port 4318 or set the protocol to grpc`,
            ),
          );
        } else if (ep.port === 4318 && protocol === 'grpc') {
          out.push(
            doctor(
              'MT005',
              t.doc,
              'error',
              field,
              `${who} exports OTLP/gRPC to ${e.value}, the OTLP/HTTP port: the export fails`,
              'use port 4317 or protocol http/protobuf',
            ),
          );
        } else if (ep.port === 4317 && protocol === undefined && !hotrod) {
          out.push(
            doctor(
              'MT005',
              t.doc,
              'warning',
              field,
              `${who} sends OTLP to ${e.value} (gRPC port) without OTEL_EXPORTER_OTLP_PROTOCOL: most SDKs default to http/protobuf, which fails on 4317`,
              'set OTEL_EXPORTER_OTLP_PROTOCOL=grpc, or use port 4318',
            ),
          );
        } else if ([14250, 14268, 6831, 6832, 9411].includes(ep.port)) {
          out.push(
            doctor(
              'MT005',
              t.doc,
              'error',
              field,
              `${who} sends OTLP to ${e.value}, a legacy Jaeger/Zipkin port: the collector answers "unknown service TraceService" or 404`,
              'use 4317 (gRPC) or 4318 (HTTP)',
            ),
          );
        } else if (ep.port === 4318 && ep.scheme === undefined) {
          out.push(
            doctor(
              'MT005',
              t.doc,
              'error',
              field,
              `${who} has OTLP/HTTP endpoint ${e.value} without a scheme: the SDK cannot parse it`,
              `write http://${e.value}`,
            ),
          );
        }
      }
    }
  }
  return out;
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

/** Traefik values `tracing.otlp` checks (the chart renders these into --tracing.otlp.* flags). */
function traefikFindings(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const input of ctx.traefikValues()) {
    const otlp = getPath(input.doc.object, 'tracing.otlp');
    if (!isRecord(otlp)) continue;
    const http = isRecord(otlp.http) ? otlp.http : {};
    const grpc = isRecord(otlp.grpc) ? otlp.grpc : {};
    const httpOn = http.enabled === true;
    const grpcOn = grpc.enabled === true;
    const d = input.doc;
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
  }
  return out;
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
