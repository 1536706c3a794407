/**
 * Doctor rules about hops and edges: propagation formats (MT008), stale Traefik values (MT010),
 * collector reachability under mTLS / NetworkPolicy (MT011), credentials copied into spans (MT012).
 */
import type { Finding, ManifestDoc } from '../finding';
import { traefikNamespace, type CheckContext, type InstallInput } from '../context';
import { CATALOGUE, type DoctorRule } from './catalogue';
import { doctor, SENSITIVE_HEADER, telemetryTracing } from './helpers';
import { spanAttributePrivacyFindings } from './span-attribute-privacy';
import { isHotrodImage } from './otlp-rules';
import { isCollectorImage } from '../jaeger-config';
import { endpointRefs } from '../xref';
import { collectorFlowFindings } from '../stack-flows';
import {
  argFlagsOf,
  asArray,
  asString,
  containersOf,
  envOf,
  getPath,
  isRecord,
  nameOf,
  namespaceOf,
  parseEndpoint,
  selectorMatches,
  serviceOfHost,
  stringMap,
  type PodTemplate,
} from '../objects';

/** Traefik v2 values (chart ≤ 27) pin a v2 image tag; everything else is taken as chart ≥ 40 / Traefik v3. */
export function isTraefikV2Values(input: InstallInput): boolean {
  const tag = asString(getPath(input.doc.object, 'image.tag'));
  return tag !== undefined && /^v?2\./.test(tag);
}

export { TRAEFIK_NAMESPACE, traefikNamespace } from '../context';

function propagatorsOf(env: { name: string; value: string }[]): string[] | undefined {
  const v = env.find((e) => e.name === 'OTEL_PROPAGATORS')?.value;
  return v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);
}

function traefikEnv(input: InstallInput): { name: string; value: string; index: number }[] {
  return asArray(getPath(input.doc.object, 'env')).flatMap((e, index) =>
    isRecord(e) && typeof e.name === 'string' && e.value !== undefined ? [{ name: e.name, value: String(e.value), index }] : [],
  );
}

function hotrodServices(ctx: CheckContext): ManifestDoc[] {
  return ctx.byKind('Service').filter((s) => ctx.podsOfService(s).some((t) => containersOf(t).some((c) => isHotrodImage(c.image))));
}

/** Whether any IngressRoute sends traffic to one of the HotROD Services. */
function routesToHotrodServices(ctx: CheckContext, hotrodSvcs: ManifestDoc[]): boolean {
  return ctx
    .byKind('IngressRoute')
    .some((r) =>
      asArray(getPath(r.object, 'spec.routes')).some((route) =>
        asArray(getPath(route, 'services')).some(
          (s) =>
            isRecord(s) &&
            hotrodSvcs.some((h) => nameOf(h.object) === s.name && namespaceOf(h.object) === String(s.namespace ?? namespaceOf(r.object))),
        ),
      ),
    );
}

/** Traefik in front of HotROD. */
function traefikPropagationFindings(ctx: CheckContext, hotrodSvcs: ManifestDoc[]): Finding[] {
  const out: Finding[] = [];
  const routesToHotrod = routesToHotrodServices(ctx, hotrodSvcs);
  for (const input of ctx.traefikValues()) {
    const env = traefikEnv(input);
    const props = propagatorsOf(env);
    const idx = env.find((e) => e.name === 'OTEL_PROPAGATORS')?.index;
    if (isTraefikV2Values(input)) {
      if (routesToHotrod && isRecord(getPath(input.doc.object, 'tracing'))) {
        out.push(
          doctor(
            'MT008',
            input.doc,
            'error',
            'tracing',
            'Traefik v2 propagates only uber-trace-id or B3 (never W3C) and routes to HotROD, which reads only traceparent: HotROD starts a new trace at every request',
            'use Traefik v3 (chart 41) with OTLP, or a relay hop that injects tracecontext',
          ),
        );
      }
      continue;
    }
    if (props && routesToHotrod && !props.includes('tracecontext')) {
      out.push(
        doctor(
          'MT008',
          input.doc,
          'error',
          `env[${idx}].value`,
          `Traefik OTEL_PROPAGATORS=${props.join(',')} has no tracecontext but routes to HotROD, which reads only traceparent: the trace breaks at HotROD`,
        ),
      );
    }
    if (props?.includes('b3') && ctx.istioInUse) {
      out.push(
        doctor(
          'MT008',
          input.doc,
          'error',
          `env[${idx}].value`,
          `Traefik OTEL_PROPAGATORS includes single-header "b3" in front of Envoy: Envoy re-injects multi-header B3 and flattens parent/child across hops`,
          'use b3multi instead of b3',
        ),
      );
    }
  }
  return out;
}

/** Workloads (relays, apps) with OTEL_PROPAGATORS. */
function workloadPropagationFindings(ctx: CheckContext, hotrodSvcs: ManifestDoc[]): Finding[] {
  const out: Finding[] = [];
  for (const t of ctx.templates) {
    for (const c of containersOf(t)) {
      const env = envOf(c.container);
      const props = propagatorsOf(env);
      if (!props) continue;
      const idx = env.find((e) => e.name === 'OTEL_PROPAGATORS')!.index;
      const field = `${c.path}.env[${idx}].value`;
      if (props.includes('b3') && (ctx.isMeshed(t) === true || ctx.istioInUse)) {
        out.push(
          doctor(
            'MT008',
            t.doc,
            'error',
            field,
            `container "${c.name}" injects the single "b3" header into the mesh: Envoy extracts it but re-injects multi-header B3, flattening parent/child across hops`,
            'use b3multi (and tracecontext) instead of b3',
          ),
        );
      }
      const sendsToHotrod = env.some((e) => {
        const ep = parseEndpoint(e.value);
        const ref = ep && serviceOfHost(ep.host, t.namespace);
        return ref !== undefined && hotrodSvcs.some((h) => nameOf(h.object) === ref.name && namespaceOf(h.object) === ref.namespace);
      });
      if (sendsToHotrod && !props.includes('tracecontext')) {
        out.push(
          doctor(
            'MT008',
            t.doc,
            'error',
            field,
            `container "${c.name}" calls HotROD but propagates only ${props.join(',')}: HotROD reads only traceparent and starts a new trace`,
          ),
        );
      }
    }
  }
  return out;
}

/** meshtrace relay hops: `--propagate w3c,b3,b3multi,jaeger` (`b3single`: the old name of `b3`) (default: what came in, plus w3c). */
function relayPropagationFindings(ctx: CheckContext, hotrodSvcs: ManifestDoc[]): Finding[] {
  const out: Finding[] = [];
  for (const t of ctx.templates) {
    for (const c of containersOf(t)) {
      const flags = argFlagsOf(c.container);
      const prop = flags.filter((a) => a.flag === '--propagate');
      if (prop.length === 0) continue;
      const formats = prop.flatMap((a) => a.value.split(',').map((s) => s.trim().toLowerCase()));
      const field = `${c.path}.${prop[0]!.list}[${prop[0]!.index}]`;
      if ((formats.includes('b3') || formats.includes('b3single')) && (ctx.isMeshed(t) === true || ctx.istioInUse)) {
        out.push(
          doctor(
            'MT008',
            t.doc,
            'error',
            field,
            `relay ${t.namespace}/${nameOf(t.owner)} writes the single "b3" header into the mesh: Envoy extracts it but re-injects multi-header B3, flattening parent/child across hops`,
            'propagate w3c,b3multi instead of b3',
          ),
        );
      }
      const toHotrod = flags
        .filter((a) => a.flag === '--upstream')
        .some((a) => {
          const ep = parseEndpoint(a.value);
          const ref = ep && serviceOfHost(ep.host, t.namespace);
          return ref !== undefined && hotrodSvcs.some((h) => nameOf(h.object) === ref.name && namespaceOf(h.object) === ref.namespace);
        });
      if (toHotrod && !formats.includes('w3c')) {
        out.push(
          doctor(
            'MT008',
            t.doc,
            'error',
            field,
            `relay ${t.namespace}/${nameOf(t.owner)} calls HotROD but propagates only ${formats.join(',')}: HotROD reads only traceparent and starts a new trace`,
            'add w3c to --propagate',
          ),
        );
      }
    }
  }
  return out;
}

/** Istio Zipkin provider (B3 only) in front of a meshed HotROD. */
function zipkinProviderFindings(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const hotrod = ctx.templates.filter((t) => containersOf(t).some((c) => isHotrodImage(c.image)));
  const meshedHotrod = hotrod.filter((t) => ctx.isMeshed(t) === true);
  if (meshedHotrod.length) {
    const active = new Set(
      telemetryTracing(ctx).flatMap((tt) => asArray(tt.entry.providers).map((p) => String(getPath(p, 'name') ?? '').toLowerCase())),
    );
    for (const d of ctx.mesh.defaultTracingProviders) if (d.value[0]) active.add(d.value[0].toLowerCase());
    for (const p of ctx.mesh.providers) {
      if (p.type !== 'zipkin' || !active.has(p.name.toLowerCase())) continue;
      if (p.config.traceContextOption === 'USE_B3_WITH_W3C_PROPAGATION') continue;
      out.push(
        doctor(
          'MT008',
          p.doc,
          'error',
          `${p.field}.zipkin.traceContextOption`,
          `provider "${p.name}" (Zipkin) makes Envoy inject only B3, but meshed HotROD (${meshedHotrod.map((t) => nameOf(t.owner)).join(', ')}) reads only traceparent`,
          'set traceContextOption: USE_B3_WITH_W3C_PROPAGATION, or use an opentelemetry provider',
        ),
      );
    }
  }
  return out;
}

export const mt008: DoctorRule = {
  ...CATALOGUE.MT008!,
  run(ctx) {
    const hotrodSvcs = hotrodServices(ctx);
    return [
      ...traefikPropagationFindings(ctx, hotrodSvcs),
      ...workloadPropagationFindings(ctx, hotrodSvcs),
      ...relayPropagationFindings(ctx, hotrodSvcs),
      ...zipkinProviderFindings(ctx),
    ];
  },
};

export const mt010: DoctorRule = {
  ...CATALOGUE.MT010!,
  run(ctx) {
    const out: Finding[] = [];
    for (const input of ctx.traefikValues()) {
      if (isTraefikV2Values(input)) continue;
      const values = input.doc.object;
      const tracing = getPath(values, 'tracing');
      for (const vendor of ['jaeger', 'zipkin', 'datadog', 'instana', 'haystack', 'elastic']) {
        if (isRecord(tracing) && tracing[vendor] !== undefined) {
          out.push(
            doctor(
              'MT010',
              input.doc,
              'error',
              `tracing.${vendor}`,
              `tracing.${vendor} is a Traefik v2 key: Traefik v3 (chart ≥ 28) fails with "field not found, node: ${vendor}" and the chart schema rejects it`,
              'replace it with tracing.otlp.grpc {enabled: true, endpoint: <collector>:4317, insecure: true}',
            ),
          );
        }
      }
      asArray(getPath(values, 'additionalArguments')).forEach((arg, i) => {
        const m = /^--tracing\.(jaeger|zipkin|datadog|instana|haystack|elastic)\b/.exec(String(arg));
        if (m)
          out.push(
            doctor(
              'MT010',
              input.doc,
              'error',
              `additionalArguments[${i}]`,
              `"${String(arg)}" is a Traefik v2 flag: Traefik v3 refuses to start`,
            ),
          );
      });
      if (getPath(values, 'service.type') !== undefined) {
        out.push(
          doctor(
            'MT010',
            input.doc,
            'error',
            'service.type',
            `service.type is ignored since chart 40 (got ${JSON.stringify(getPath(values, 'service.type'))}): the Service stays LoadBalancer and the kind port mapping goes nowhere`,
            `write service.spec.type: ${String(getPath(values, 'service.type'))}`,
          ),
        );
      }
    }
    return out;
  },
};

interface Sender {
  readonly what: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly port: number;
  readonly meshed: boolean | undefined;
}

/** Collector Services: the ones span senders point at (provider, env, Traefik), plus Services of collector images. */
function collectorTargets(ctx: CheckContext): { svc: ManifestDoc; pods: PodTemplate[]; senders: Sender[] }[] {
  const bySvc = new Map<ManifestDoc, Sender[]>();
  const add = (ns: string, name: string, sender: Sender): void => {
    const svc = ctx.service(ns, name);
    if (!svc) return;
    if (!bySvc.has(svc)) bySvc.set(svc, []);
    bySvc.get(svc)!.push(sender);
  };
  // Istio proxies of meshed pods send to the tracing providers.
  const meshedPods = ctx.templates.filter((t) => ctx.isMeshed(t) === true);
  for (const p of ctx.mesh.providers) {
    const ref = serviceOfHost(
      String(p.config.service ?? '')
        .split('/')
        .pop()!,
      ctx.mesh.rootNamespace,
    );
    if (!ref || typeof p.config.port !== 'number') continue;
    for (const t of meshedPods)
      add(ref.namespace, ref.name, {
        what: `istio-proxy of ${String(t.owner.kind)} ${t.namespace}/${nameOf(t.owner)}`,
        namespace: t.namespace,
        labels: t.labels,
        port: p.config.port,
        meshed: true,
      });
  }
  // Workloads with OTLP endpoints in env.
  for (const ref of endpointRefs(ctx)) {
    if (!/OTEL_EXPORTER_OTLP/.test(ref.field) && !/env\[\d+\]\.value$/.test(ref.field)) continue;
    const t = ctx.templates.find((x) => x.doc === ref.doc);
    const ep = parseEndpoint(ref.value);
    const target = ep && ep.port && serviceOfHost(ep.host, ref.fromNamespace);
    if (!t || !target || !ep?.port) continue;
    const svc = ctx.service(target.namespace, target.name);
    if (!svc || !ctx.podsOfService(svc).some((p) => containersOf(p).some((c) => isCollectorImage(c.image)))) continue;
    add(target.namespace, target.name, {
      what: `${String(t.owner.kind)} ${t.namespace}/${nameOf(t.owner)}`,
      namespace: t.namespace,
      labels: t.labels,
      port: ep.port,
      meshed: ctx.isMeshed(t),
    });
  }
  // Traefik exports from its own namespace, outside the mesh unless its pods are labelled for injection.
  for (const input of ctx.traefikValues()) {
    const grpc = getPath(input.doc.object, 'tracing.otlp.grpc');
    const http = getPath(input.doc.object, 'tracing.otlp.http');
    const endpoint =
      getPath(grpc, 'enabled') === true
        ? getPath(grpc, 'endpoint')
        : getPath(http, 'enabled') === true
          ? getPath(http, 'endpoint')
          : undefined;
    const ep = typeof endpoint === 'string' ? parseEndpoint(endpoint) : undefined;
    const ns = traefikNamespace(input);
    const target = ep && serviceOfHost(ep.host, ns);
    if (!target || !ep?.port) continue;
    const podLabels = stringMap(getPath(input.doc.object, 'deployment.podLabels'));
    add(target.namespace, target.name, {
      what: 'Traefik',
      namespace: ns,
      labels: { 'app.kubernetes.io/name': 'traefik', ...podLabels },
      port: ep.port,
      meshed: podLabels['sidecar.istio.io/inject'] === 'true',
    });
  }
  return [...bySvc.entries()].map(([svc, senders]) => ({ svc, pods: ctx.podsOfService(svc), senders }));
}

export const mt011: DoctorRule = {
  ...CATALOGUE.MT011!,
  run(ctx) {
    const out: Finding[] = [];
    const targets = collectorTargets(ctx);
    const strictPolicies = ctx.byKind('PeerAuthentication').filter((pa) => getPath(pa.object, 'spec.mtls.mode') === 'STRICT');
    for (const { svc, pods, senders } of targets) {
      const svcNs = namespaceOf(svc.object);
      const meshedCollector = pods.some((t) => ctx.isMeshed(t) === true);
      // (a) STRICT mTLS on a meshed collector with plaintext senders.
      if (meshedCollector) {
        for (const pa of strictPolicies) {
          const paNs = namespaceOf(pa.object);
          const sel = getPath(pa.object, 'spec.selector.matchLabels');
          const applies =
            (paNs === ctx.mesh.rootNamespace && sel === undefined) ||
            (paNs === svcNs && (sel === undefined || pods.some((t) => selectorMatches(sel, t.labels, true))));
          if (!applies) continue;
          const portLevel = stringMap(
            Object.fromEntries(
              Object.entries(
                isRecord(getPath(pa.object, 'spec.portLevelMtls'))
                  ? (getPath(pa.object, 'spec.portLevelMtls') as Record<string, unknown>)
                  : {},
              ).map(([k, v]) => [k, getPath(v, 'mode')]),
            ),
          );
          const plaintext = senders.filter(
            (s) => s.meshed !== true && portLevel[String(s.port)] !== 'PERMISSIVE' && portLevel[String(s.port)] !== 'DISABLE',
          );
          if (plaintext.length) {
            out.push(
              doctor(
                'MT011',
                pa,
                'error',
                'spec.mtls.mode',
                `STRICT mTLS applies to the meshed collector ${svcNs}/${nameOf(svc.object)}, but un-meshed senders send plaintext: ${[...new Set(plaintext.map((s) => `${s.what} (port ${s.port})`))].join(', ')}; their spans are refused`,
              ),
            );
          }
        }
      }
    }
    // (b) NetworkPolicies that drop spans on their way into a collector (one evaluator for every flow: stack-flows.ts).
    out.push(...collectorFlowFindings(ctx));
    return out;
  },
};

export const mt012: DoctorRule = {
  ...CATALOGUE.MT012!,
  run(ctx) {
    const out: Finding[] = [];
    for (const t of telemetryTracing(ctx)) {
      const tags = t.entry.customTags;
      if (!isRecord(tags)) continue;
      for (const [tag, value] of Object.entries(tags)) {
        const header = asString(getPath(value, 'header.name'));
        const formatter = asString(getPath(value, 'formatter.value'));
        const fromFormatter = formatter
          ? [...formatter.matchAll(/%(?:REQ|RESP|REQ_WITHOUT_QUERY)\(([^):]+)/g)].map((m) => m[1]!).find((h) => SENSITIVE_HEADER.test(h))
          : undefined;
        if (header && SENSITIVE_HEADER.test(header)) {
          out.push(
            doctor(
              'MT012',
              t.doc,
              'error',
              `${t.field}.customTags.${tag}.header.name`,
              `custom tag "${tag}" copies the ${header} header into every span: credentials end up in the trace store`,
            ),
          );
        } else if (fromFormatter) {
          out.push(
            doctor(
              'MT012',
              t.doc,
              'error',
              `${t.field}.customTags.${tag}.formatter.value`,
              `custom tag "${tag}" formats the ${fromFormatter} header into every span: credentials end up in the trace store`,
            ),
          );
        }
      }
    }
    for (const input of ctx.traefikValues()) {
      for (const list of ['capturedRequestHeaders', 'capturedResponseHeaders']) {
        asArray(getPath(input.doc.object, `tracing.${list}`)).forEach((h, i) => {
          if (SENSITIVE_HEADER.test(String(h)))
            out.push(
              doctor(
                'MT012',
                input.doc,
                'error',
                `tracing.${list}[${i}]`,
                `Traefik captures the ${String(h)} header into every span (http.${list === 'capturedRequestHeaders' ? 'request' : 'response'}.header.${String(h).toLowerCase()}): credentials end up in the trace store`,
              ),
            );
        });
      }
    }
    // Relay --span-attribute flags and Istio literal tags (span-attribute-privacy.ts).
    out.push(...spanAttributePrivacyFindings(ctx));
    return out;
  },
};
