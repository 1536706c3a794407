/**
 * Doctor rules about Istio's tracing configuration: sampling (MT001), provider names (MT002),
 * provider services (MT003), Service port protocols (MT004), foreign x-request-id (MT009).
 */
import type { Finding } from '../finding';
import { CATALOGUE, type DoctorRule } from './catalogue';
import { doctor, isMeshWide, telemetryTracing } from './helpers';
import { asArray, getPath, isRecord, nameOf, namespaceOf, serviceOfHost, stringMap } from '../objects';
import { servicePorts } from '../xref';

const TRACING_PROVIDER_TYPES = new Set(['opentelemetry', 'zipkin', 'datadog', 'skywalking', 'lightstep', 'stackdriver']);

export const mt001: DoctorRule = {
  ...CATALOGUE.MT001!,
  run(ctx) {
    // Without installer inputs or Telemetry objects the istiod settings are unknown: say nothing.
    if (!ctx.mesh.known && ctx.byKind('Telemetry').length === 0) return [];
    const telemetryRate = telemetryTracing(ctx).filter((t) => typeof t.entry.randomSamplingPercentage === 'number');
    if (telemetryRate.length > 0 || ctx.mesh.sampling.length > 0 || ctx.mesh.profile?.value === 'demo') return [];
    const target = ctx.install.find((i) => i.kind === 'istio-operator' || i.kind === 'istiod-values')?.doc ?? telemetryTracing(ctx)[0]?.doc;
    const message =
      'Istio trace sampling is left at the 1% default: no Telemetry sets randomSamplingPercentage and no traceSampling / PILOT_TRACE_SAMPLING is set, so only ~1 request in 100 is traced';
    if (target) {
      const field =
        target.object.kind === 'IstioOperator'
          ? 'spec.values.pilot.traceSampling'
          : target.object.kind === 'Telemetry'
            ? 'spec.tracing[0].randomSamplingPercentage'
            : 'traceSampling';
      return [doctor('MT001', target, 'warning', field, message)];
    }
    return [{ rule: 'MT001', severity: 'warning', message, fix: CATALOGUE.MT001!.fix, link: CATALOGUE.MT001!.link }];
  },
};

export const mt002: DoctorRule = {
  ...CATALOGUE.MT002!,
  run(ctx) {
    const out: Finding[] = [];
    const providers = ctx.mesh.providers;
    const known = new Map(providers.map((p) => [p.name.toLowerCase(), p]));
    const listed = [...new Set(providers.map((p) => p.name))].join(', ') || 'none';
    const hasDefault = ctx.mesh.defaultTracingProviders.some((d) => d.value.length > 0);
    const checkName = (name: string, doc: Parameters<typeof doctor>[1], field: string): void => {
      const p = known.get(name.toLowerCase());
      if (!ctx.mesh.known) {
        out.push(
          doctor(
            'MT002',
            doc,
            'info',
            field,
            `provider "${name}" cannot be verified: no mesh config (IstioOperator, istiod values or istio ConfigMap) was given`,
            'pass the installer inputs with --install DIR',
          ),
        );
      } else if (!p) {
        out.push(
          doctor(
            'MT002',
            doc,
            'error',
            field,
            `provider "${name}" is not in meshConfig.extensionProviders (${listed}): istiod resolves no provider and tracing is silently off for these proxies`,
          ),
        );
      } else if (!TRACING_PROVIDER_TYPES.has(p.type)) {
        out.push(
          doctor(
            'MT002',
            doc,
            'error',
            field,
            `provider "${name}" is a ${p.type} provider, which does not support tracing: tracing is off`,
            'name an opentelemetry or zipkin provider',
          ),
        );
      }
    };
    for (const t of telemetryTracing(ctx)) {
      const names = asArray(t.entry.providers);
      names.forEach((p, j) => {
        const name = String(getPath(p, 'name') ?? '');
        checkName(name, t.doc, `${t.field}.providers[${j}].name`);
      });
      if (names.length === 0 && ctx.mesh.known && !hasDefault && t.entry.disableSpanReporting !== true) {
        out.push(
          doctor(
            'MT002',
            t.doc,
            'error',
            `${t.field}.providers`,
            'tracing entry names no provider and meshConfig.defaultProviders.tracing is not set: no provider resolves, tracing is off',
          ),
        );
      }
    }
    for (const d of ctx.mesh.defaultTracingProviders) {
      d.value.forEach((name, i) => checkName(name, d.doc, `${d.field}[${i}]`));
    }
    return out;
  },
};

export const mt003: DoctorRule = {
  ...CATALOGUE.MT003!,
  run(ctx) {
    const out: Finding[] = [];
    for (const p of ctx.mesh.providers) {
      if (!TRACING_PROVIDER_TYPES.has(p.type)) continue;
      const service = String(p.config.service ?? '');
      const port = p.config.port;
      const field = `${p.field}.${p.type}.service`;
      if (!service) continue; // missing required fields are schema errors
      const host = service.includes('/') ? service.split('/')[1]! : service;
      const ref = serviceOfHost(host, ctx.mesh.rootNamespace);
      const serviceEntryHosts = ctx.byKind('ServiceEntry').flatMap((se) => asArray(getPath(se.object, 'spec.hosts')).map(String));
      if (serviceEntryHosts.includes(host)) continue;
      if (!ref || ref.form !== 'fqdn') {
        out.push(
          doctor(
            'MT003',
            p.doc,
            'error',
            field,
            `provider "${p.name}" service "${service}" is not a fully qualified Service name: istiod cannot find it in its registry and sends no spans`,
            ref ? `write service: ${ref.name}.${ref.namespace}.svc.cluster.local` : undefined,
          ),
        );
        continue;
      }
      const svc = ctx.service(ref.namespace, ref.name);
      if (!svc) {
        const severity = ctx.namespacesUsed.has(ref.namespace) ? 'error' : 'warning';
        out.push(
          doctor(
            'MT003',
            p.doc,
            severity,
            field,
            `provider "${p.name}" service ${ref.namespace}/${ref.name} is not a Service in the checked manifests${severity === 'warning' ? ' (make sure it is installed separately)' : ''}`,
          ),
        );
        continue;
      }
      const ports = servicePorts(svc).map((sp) => Number(sp.port));
      if (typeof port === 'number' && !ports.includes(port)) {
        out.push(
          doctor(
            'MT003',
            p.doc,
            'error',
            `${p.field}.${p.type}.port`,
            `provider "${p.name}" port ${port} is not a port of Service ${ref.namespace}/${ref.name} (${ports.join(', ')})`,
            `use one of ${ports.join(', ')}`,
          ),
        );
      }
    }
    return out;
  },
};

const PROTOCOLS = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'mongo', 'mysql', 'redis', 'tcp', 'tls', 'udp'];

export function hasProtocol(port: Record<string, unknown>): boolean {
  if (typeof port.appProtocol === 'string' && port.appProtocol) return true;
  const name = typeof port.name === 'string' ? port.name.toLowerCase() : '';
  return PROTOCOLS.some((p) => name === p || name.startsWith(`${p}-`));
}

export const mt004: DoctorRule = {
  ...CATALOGUE.MT004!,
  run(ctx) {
    const out: Finding[] = [];
    for (const svc of ctx.byKind('Service')) {
      const pods = ctx.podsOfService(svc);
      const meshed = pods.some((t) => ctx.isMeshed(t) === true);
      servicePorts(svc).forEach((port, i) => {
        if (hasProtocol(port) || port.protocol === 'UDP' || port.protocol === 'SCTP') return;
        // The client-side sidecar picks the protocol from the Service port, so any Service matters once Istio is in use.
        const severity = meshed || ctx.istioInUse ? 'error' : 'warning';
        const name = port.name === undefined ? '(unnamed)' : `"${String(port.name)}"`;
        out.push(
          doctor(
            'MT004',
            svc,
            severity,
            `spec.ports[${i}].name`,
            `port ${String(port.port)} ${name} has no protocol prefix (http-, grpc-, …) and no appProtocol${meshed ? ' on a meshed workload' : ''}: Istio sniffs the protocol and may proxy it as TCP, producing no spans for this hop`,
            `name it http-${String(port.name ?? port.port)} (or grpc-…), or set appProtocol: http`,
          ),
        );
      });
    }
    return out;
  },
};

export const mt009: DoctorRule = {
  ...CATALOGUE.MT009!,
  run(ctx) {
    if (!ctx.istioInUse) return [];
    const disabled = telemetryTracing(ctx).some((t) => t.entry.useRequestIdForTraceSampling === false && isMeshWide(ctx, t.doc));
    if (disabled) return [];
    const out: Finding[] = [];
    const meshedService = (ns: string, name: string): boolean => {
      const svc = ctx.service(ns, name);
      return !svc || ctx.podsOfService(svc).some((t) => ctx.isMeshed(t) !== false);
    };
    for (const mw of ctx.byKind('Middleware')) {
      const headers = stringMap(getPath(mw.object, 'spec.headers.customRequestHeaders'));
      const key = Object.keys(headers).find((h) => h.toLowerCase() === 'x-request-id');
      if (!key || headers[key] === '') continue; // an empty value removes the header: that is the fix
      const mwName = nameOf(mw.object);
      const mwNs = namespaceOf(mw.object);
      const routes = ctx
        .byKind('IngressRoute')
        .filter((r) =>
          asArray(getPath(r.object, 'spec.routes')).some(
            (route) =>
              asArray(getPath(route, 'middlewares')).some(
                (m) => isRecord(m) && m.name === mwName && (m.namespace ?? namespaceOf(r.object)) === mwNs,
              ) &&
              asArray(getPath(route, 'services')).some(
                (s) => isRecord(s) && meshedService(String(s.namespace ?? namespaceOf(r.object)), String(s.name)),
              ),
          ),
        );
      if (routes.length === 0 && ctx.byKind('IngressRoute').length > 0) continue;
      out.push(
        doctor(
          'MT009',
          mw,
          'error',
          `spec.headers.customRequestHeaders.${key}`,
          `Middleware sets x-request-id in front of the mesh${routes.length ? ` (used by ${routes.map((r) => nameOf(r.object)).join(', ')})` : ''} while useRequestIdForTraceSampling is on: Envoy reads the sampling decision from a non-Envoy id and marks requests unsampled`,
        ),
      );
    }
    for (const ing of ctx.byKind('Ingress')) {
      const cls = String(
        getPath(ing.object, 'spec.ingressClassName') ?? getPath(ing.object, 'metadata.annotations.kubernetes\\.io/ingress\\.class') ?? '',
      );
      if (!/nginx/.test(cls)) continue;
      out.push(
        doctor(
          'MT009',
          ing,
          'warning',
          'spec.ingressClassName',
          'ingress-nginx generates its own x-request-id by default (generate-request-id: true) in front of the mesh while useRequestIdForTraceSampling is on: Envoy may mark these requests unsampled',
        ),
      );
    }
    return out;
  },
};
