/**
 * Cross-reference checks: what one object names must exist in another. Service selectors must match
 * a pod template, targetPorts must exist on those pods, and every in-cluster `host:port` written in
 * env vars or collector configs must resolve to a Service port.
 */
import type { Finding, ManifestDoc } from './finding';
import { findingFor, type CheckContext } from './context';
import { collectorConfigs } from './jaeger-config';
import {
  argFlagsOf,
  asArray,
  containersOf,
  envOf,
  getPath,
  isRecord,
  namespaceOf,
  nameOf,
  parseEndpoint,
  serviceOfHost,
  stringMap,
  type Obj,
  type PodTemplate,
} from './objects';

const SERVICE_LINK = 'https://kubernetes.io/docs/concepts/services-networking/service/';

interface DeclaredPort {
  readonly number: number;
  readonly name?: string;
}

/** The ports a pod template's containers declare with a numeric containerPort. */
function declaredPorts(t: PodTemplate): DeclaredPort[] {
  return containersOf(t, ['containers']).flatMap((c) =>
    asArray(c.container.ports)
      .filter(isRecord)
      .flatMap((p) =>
        typeof p.containerPort === 'number' && Number.isInteger(p.containerPort)
          ? [{ number: p.containerPort, ...(typeof p.name === 'string' ? { name: p.name } : {}) }]
          : [],
      ),
  );
}

export function servicePorts(svc: ManifestDoc): Obj[] {
  return asArray(getPath(svc.object, 'spec.ports')).filter(isRecord);
}

function checkSelectors(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const svc of ctx.byKind('Service')) {
    const selector = getPath(svc.object, 'spec.selector');
    if (getPath(svc.object, 'spec.type') === 'ExternalName' || !isRecord(selector) || Object.keys(selector).length === 0) continue;
    const ns = namespaceOf(svc.object);
    const pods = ctx.podsOfService(svc);
    if (pods.length === 0) {
      const sel = Object.entries(stringMap(selector))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const candidates = ctx.templates
        .filter((t) => t.namespace === ns)
        .map(
          (t) =>
            `${String(t.owner.kind)} ${nameOf(t.owner)} {${Object.entries(t.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')}}`,
        );
      // No workload of that namespace in the folder at all: they are probably deployed from elsewhere.
      out.push(
        findingFor(svc, {
          rule: 'xref/selector',
          severity: candidates.length ? 'error' : 'warning',
          field: 'spec.selector',
          message: `selector ${sel} matches no pod template in namespace ${ns}${candidates.length ? ` (pod templates here: ${candidates.join('; ')})` : ' (no workloads in this namespace)'}: the Service has no endpoints`,
          fix: 'make the selector equal to the pod template labels of the workload it fronts',
          link: SERVICE_LINK,
        }),
      );
      continue;
    }
    servicePorts(svc).forEach((port, i) => {
      const target = port.targetPort ?? port.port;
      const declared = pods.map((t) => ({ t, ports: declaredPorts(t) }));
      const podName = (t: PodTemplate) => `${String(t.owner.kind)} ${nameOf(t.owner)}`;
      if (typeof target === 'string' && !/^\d+$/.test(target)) {
        // A named targetPort resolves only through a container port of that name: without one the
        // endpoints have no port and the Service forwards nothing.
        const missing = declared.filter((d) => !d.ports.some((p) => p.name === target));
        if (missing.length) {
          const named = [...new Set(declared.flatMap((d) => d.ports.map((p) => p.name)).filter((n): n is string => n !== undefined))];
          out.push(
            findingFor(svc, {
              rule: 'xref/target-port',
              severity: 'error',
              field: `spec.ports[${i}].targetPort`,
              message: `targetPort "${target}" is not a named container port of ${missing.map((d) => podName(d.t)).join(', ')} (named ports: ${named.length ? named.map((n) => `"${n}"`).join(', ') : 'none'})`,
              fix: named.length
                ? `use one of ${named.map((n) => `"${n}"`).join(', ')}, or name the container port "${target}"`
                : `name the container port "${target}", or use its number as targetPort`,
              link: SERVICE_LINK,
            }),
          );
        }
        return;
      }
      // A numeric targetPort is checked against the ports each pod declares. Pods that declare none
      // are not judged: Kubernetes forwards to the number whether or not it is declared (container
      // ports are informational), so nothing offline says it is wrong. Entries without a numeric
      // containerPort (e.g. a typoed `containrPort`) are no declaration: the schema and unknown-field
      // checks report them where they are written.
      const wanted = Number(target);
      const wrong = declared.filter((d) => d.ports.length > 0 && !d.ports.some((p) => p.number === wanted));
      if (wrong.length === 0) return;
      const list = (d: { ports: DeclaredPort[] }) => d.ports.map((p) => (p.name ? `${p.number} "${p.name}"` : String(p.number))).join(', ');
      out.push(
        findingFor(svc, {
          rule: 'xref/target-port',
          severity: 'error',
          field: `spec.ports[${i}].${port.targetPort !== undefined ? 'targetPort' : 'port'}`,
          message: `targetPort ${wanted} is not a container port of ${wrong.map((d) => `${podName(d.t)} (declares ${list(d)})`).join('; ')}: the Service sends its traffic to a port the pods do not listen on`,
          fix: `point targetPort at a declared port (${[...new Set(wrong.flatMap((d) => d.ports.map((p) => p.number)))].join(', ')}), or declare ${wanted} under the container's ports`,
          link: SERVICE_LINK,
        }),
      );
    });
  }
  return out;
}

/** Env var names whose values are endpoints the workload sends to (OTel SDK, Jaeger, Zipkin, generic). */
const ENDPOINT_ENV = /(_ENDPOINT|_URL|_ADDR|_ADDRESS|_HOST_PORT|_UPSTREAM|^UPSTREAM)$/;

export interface EndpointRef {
  readonly doc: ManifestDoc;
  readonly field: string;
  readonly value: string;
  readonly fromNamespace: string;
  /** The pods that dial it (the workload itself, or the collectors mounting a config); none for installer inputs. */
  readonly sources: readonly PodTemplate[];
}

/** Every in-cluster endpoint written in env vars and collector configs. */
export function endpointRefs(ctx: CheckContext): EndpointRef[] {
  const out: EndpointRef[] = [];
  for (const t of ctx.templates) {
    for (const c of containersOf(t)) {
      for (const e of envOf(c.container)) {
        if (ENDPOINT_ENV.test(e.name))
          out.push({ doc: t.doc, field: `${c.path}.env[${e.index}].value`, value: e.value, fromNamespace: t.namespace, sources: [t] });
      }
      // Flags such as the relay's `--upstream http://a:8080` and `--otlp-endpoint http://…:4318`.
      for (const a of argFlagsOf(c.container)) {
        if (/(upstream|endpoint|url|addr|address|collector)/i.test(a.flag) && /^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+:\d+$/i.test(a.value)) {
          out.push({ doc: t.doc, field: `${c.path}.${a.list}[${a.index}]`, value: a.value, fromNamespace: t.namespace, sources: [t] });
        }
      }
    }
  }
  for (const cfg of collectorConfigs(ctx)) {
    const ns = namespaceOf(cfg.doc.object);
    const visit = (value: unknown, path: string): void => {
      if (isRecord(value)) for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`);
      else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}[${i}]`));
      else if (
        typeof value === 'string' &&
        /\.(endpoint|endpoints\[\d+\]|servers\[\d+\]|brokers\[\d+\])$/.test(path) &&
        !/^\.receivers|^\.extensions\.(healthcheck|jaeger_query|remote_sampling|zpages|pprof|expvar)/.test(path)
      ) {
        out.push({ doc: cfg.doc, field: `${cfg.field}${path}`, value, fromNamespace: ns, sources: cfg.workloads });
      }
    };
    visit(cfg.config, '');
  }
  // Traefik Helm values (an installer input): the OTLP (v3) or Jaeger-client (v2) endpoints Traefik
  // dials, resolved from the namespace the kit installs Traefik into.
  for (const input of ctx.traefikValues()) {
    const values = input.doc.object;
    const fields = [
      ...(getPath(values, 'tracing.otlp.grpc.enabled') === true ? ['tracing.otlp.grpc.endpoint'] : []),
      ...(getPath(values, 'tracing.otlp.http.enabled') === true ? ['tracing.otlp.http.endpoint'] : []),
      'tracing.jaeger.samplingServerURL',
      'tracing.jaeger.collector.endpoint',
      'tracing.jaeger.localAgentHostPort',
    ];
    for (const field of fields) {
      const value = getPath(values, field);
      if (typeof value === 'string' && value) out.push({ doc: input.doc, field, value, fromNamespace: 'traefik', sources: [] });
    }
  }
  return out;
}

function checkEndpoints(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const ref of endpointRefs(ctx)) {
    const ep = parseEndpoint(ref.value);
    if (!ep || ep.port === undefined) continue;
    const target = serviceOfHost(ep.host, ref.fromNamespace);
    if (!target) continue;
    const svc = ctx.service(target.namespace, target.name);
    if (!svc) {
      // A short name that is no Service here is most likely something else (a sidecar, an external alias).
      if (target.form === 'short' || !ctx.namespacesUsed.has(target.namespace)) continue;
      out.push(
        findingFor(ref.doc, {
          rule: 'xref/endpoint',
          severity: 'error',
          field: ref.field,
          message: `"${ref.value}" names Service ${target.namespace}/${target.name}, which is not defined here although namespace ${target.namespace} is`,
          fix: `create the Service or correct the host (Services in ${target.namespace}: ${
            ctx
              .byKind('Service')
              .filter((s) => namespaceOf(s.object) === target.namespace)
              .map((s) => nameOf(s.object))
              .join(', ') || 'none'
          })`,
          link: SERVICE_LINK,
        }),
      );
      continue;
    }
    const ports = servicePorts(svc).map((p) => Number(p.port));
    if (!ports.includes(ep.port)) {
      out.push(
        findingFor(ref.doc, {
          rule: 'xref/endpoint',
          severity: 'error',
          field: ref.field,
          message: `"${ref.value}" uses port ${ep.port}, but Service ${target.namespace}/${target.name} exposes ${ports.join(', ')}`,
          fix: `use one of the Service ports (${ports.join(', ')})`,
          link: SERVICE_LINK,
        }),
      );
    }
  }
  return out;
}

/** Route backends that must be Services of the folder: Traefik IngressRoute, Gateway API HTTPRoute, Istio VirtualService. */
function routeBackends(ctx: CheckContext): { doc: ManifestDoc; field: string; namespace: string; name: string; port?: number }[] {
  const out: { doc: ManifestDoc; field: string; namespace: string; name: string; port?: number }[] = [];
  for (const r of ctx.byKind('IngressRoute')) {
    const ns = namespaceOf(r.object);
    asArray(getPath(r.object, 'spec.routes')).forEach((route, i) => {
      asArray(getPath(route, 'services')).forEach((s, j) => {
        if (!isRecord(s) || (s.kind !== undefined && s.kind !== 'Service') || typeof s.name !== 'string') return;
        out.push({
          doc: r,
          field: `spec.routes[${i}].services[${j}]`,
          namespace: String(s.namespace ?? ns),
          name: s.name,
          port: typeof s.port === 'number' ? s.port : undefined,
        });
      });
    });
  }
  for (const r of ctx.byKind('HTTPRoute')) {
    const ns = namespaceOf(r.object);
    asArray(getPath(r.object, 'spec.rules')).forEach((rule, i) => {
      asArray(getPath(rule, 'backendRefs')).forEach((b, j) => {
        if (!isRecord(b) || (b.kind !== undefined && b.kind !== 'Service') || typeof b.name !== 'string') return;
        out.push({
          doc: r,
          field: `spec.rules[${i}].backendRefs[${j}]`,
          namespace: String(b.namespace ?? ns),
          name: b.name,
          port: typeof b.port === 'number' ? b.port : undefined,
        });
      });
    });
  }
  for (const vs of ctx.byKind('VirtualService')) {
    const ns = namespaceOf(vs.object);
    asArray(getPath(vs.object, 'spec.http')).forEach((route, i) => {
      asArray(getPath(route, 'route')).forEach((d, j) => {
        const host = getPath(d, 'destination.host');
        if (typeof host !== 'string') return;
        const ref = serviceOfHost(host, ns);
        if (!ref) return;
        const port = getPath(d, 'destination.port.number');
        out.push({
          doc: vs,
          field: `spec.http[${i}].route[${j}].destination`,
          namespace: ref.namespace,
          name: ref.name,
          port: typeof port === 'number' ? port : undefined,
        });
      });
    });
  }
  return out;
}

function checkRouteBackends(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const b of routeBackends(ctx)) {
    const svc = ctx.service(b.namespace, b.name);
    if (!svc) {
      // Backends in namespaces the folder does not define may be installed separately.
      if (!ctx.namespacesUsed.has(b.namespace)) continue;
      out.push(
        findingFor(b.doc, {
          rule: 'xref/route-backend',
          severity: 'error',
          field: `${b.field}.name`,
          message: `backend Service ${b.namespace}/${b.name} is not defined: the route answers 404/503 and no request reaches the app`,
          fix: `route to an existing Service (in ${b.namespace}: ${
            ctx
              .byKind('Service')
              .filter((s) => namespaceOf(s.object) === b.namespace)
              .map((s) => nameOf(s.object))
              .join(', ') || 'none'
          })`,
          link: SERVICE_LINK,
        }),
      );
      continue;
    }
    const ports = servicePorts(svc).map((p) => Number(p.port));
    if (b.port !== undefined && !ports.includes(b.port)) {
      out.push(
        findingFor(b.doc, {
          rule: 'xref/route-backend',
          severity: 'error',
          field: `${b.field}.port`,
          message: `port ${b.port} is not a port of Service ${b.namespace}/${b.name} (${ports.join(', ')})`,
          fix: `use one of ${ports.join(', ')}`,
          link: SERVICE_LINK,
        }),
      );
    }
  }
  return out;
}

export function checkCrossReferences(ctx: CheckContext): Finding[] {
  return [...checkSelectors(ctx), ...checkEndpoints(ctx), ...checkRouteBackends(ctx)];
}
