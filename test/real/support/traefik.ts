/**
 * The real Traefik v3 (`npm run peers`: Go module github.com/traefik/traefik/v3, see
 * scripts/peers/versions.ts) as a plain process on loopback, configured from what the kit ships:
 *   - static config = the kit's chart values (`install/traefik-values.yaml`, built by
 *     `traefikInstallInputs(config)`), turned into the command-line flags the Traefik chart 41
 *     renders from them (templates/_podtemplate.tpl and the `traefik.oltpCommonParams` helper);
 *   - dynamic config = the kit's HotROD IngressRoute (the `HotRodIngress` construct the stack
 *     synthesizes), said as a file-provider router, because there is no Kubernetes API for the CRD
 *     provider to read here.
 * One seam changes what a pod has and a test process has not: in-cluster Service addresses
 * (`jaeger-collector.observability.svc:4317`, `hotrod:8080`) become the loopback ports serving them,
 * and listen addresses (`:8000/tcp`) become `127.0.0.1:<free port>`. Nothing else is touched, and
 * a Service address the seam has no port for is refused, so a new dial target cannot slip past.
 *
 * Chart-only values (Kubernetes objects, no process setting): `deployment.replicas`,
 * `ingressClass`, `service.spec.type`, `ports.*.nodePort`, `resources.requests`. The chart's own
 * defaults the kit does not set are left out except the `traefik` entrypoint with `--ping=true`
 * (the chart's readiness probe), used here for readiness; `websecure` (TLS, 8443) and the metrics
 * entrypoint (9100) are not opened: no test drives them. POD_NAME/POD_NAMESPACE (the chart's
 * downward-API env) are not set: with them Traefik would ask a Kubernetes API for pod attributes.
 */
import { Testing } from 'cdk8s';
import type { MeshtraceConfig } from '../../../src/config/schema';
import { HotRod } from '../../../src/constructs/apps/hotrod';
import { HotRodIngress } from '../../../src/constructs/apps/hotrod-ingress';
import type { TraefikV3Values } from '../../../src/constructs/traefik/traefik-v3-values';
import { JAEGER_PORTS } from '../../../src/constructs/jaeger/jaeger-ports';
import { jaegerCollectorHost, traefikInstallInputs } from '../../../src/stack/install/kind-traefik-inputs';
import { peerPath, startPeerOnFreePorts, writeTempFile, type PeerProcess } from '../../support/peers';

type Obj = Record<string, any>;

/** The chart's `deployment.goMemLimitPercentage` default (chart 41 values.yaml): GOMEMLIMIT = 90% of the memory limit. */
const CHART_GOMEMLIMIT_PERCENTAGE = 0.9;

/** The kit's Traefik chart values for a config (v3 mode only: v2 runs a different Traefik). */
export function kitTraefikValues(config: MeshtraceConfig): TraefikV3Values {
  if (config.traefik.mode !== 'v3') throw new Error(`the real Traefik here is v3; the config asks for traefik.mode ${config.traefik.mode}`);
  const input = traefikInstallInputs(config).find((i) => i.name === 'traefik-values.yaml');
  if (!input) throw new Error('the config synthesizes no install/traefik-values.yaml (traefik.enabled is false)');
  return input.object as unknown as TraefikV3Values;
}

/** The seam: in-cluster `host:port` → loopback `host:port`, and where the kit's listen addresses go. */
export interface TraefikSeam {
  /** `:8000/tcp` (the chart's web entrypoint address) → `127.0.0.1:<port>` */
  readonly webAddress: string;
  /** in-cluster `host:port` → `127.0.0.1:<port>` */
  readonly dial: Readonly<Record<string, string>>;
}

function dialed(hostPort: string, seam: TraefikSeam, what: string): string {
  const to = seam.dial[hostPort];
  if (to === undefined) throw new Error(`the kit's Traefik dials ${hostPort} (${what}), which the loopback seam has no port for; add it`);
  return to;
}

/** `256Mi` → the chart's GOMEMLIMIT (`floor(bytes * percentage / MiB)` + `MiB`). */
export function chartGoMemLimit(memoryLimit: string, percentage = CHART_GOMEMLIMIT_PERCENTAGE): string {
  const m = /^(\d+)(Mi|Gi)$/.exec(memoryLimit);
  if (!m) throw new Error(`resources.limits.memory ${JSON.stringify(memoryLimit)}: expected a quantity such as 256Mi or 1Gi`);
  const mib = Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
  return `${Math.floor(mib * percentage)}MiB`;
}

/**
 * Traefik's static config from the kit's chart values, as the chart renders it (pure): flags in the
 * chart's order, and the env the chart gives the container. `webAddress` and `dial` are the seam.
 */
export function traefikStaticConfig(values: TraefikV3Values, seam: TraefikSeam): { args: string[]; env: Record<string, string> } {
  const args: string[] = [];
  // global: the chart writes checkNewVersion only when false and sendAnonymousUsage only when true.
  if (!values.global.checkNewVersion) args.push('--global.checkNewVersion=false');
  if (values.global.sendAnonymousUsage) args.push('--global.sendAnonymousUsage');
  // ports.web (the chart's address `:8000/tcp`, moved to loopback), with its observability switches.
  args.push(`--entryPoints.web.address=${seam.webAddress}`);
  const obs = values.ports.web.observability;
  if (obs.tracing !== undefined) args.push(`--entryPoints.web.observability.tracing=${obs.tracing}`);
  if (obs.traceVerbosity !== undefined) args.push(`--entryPoints.web.observability.traceVerbosity=${obs.traceVerbosity}`);
  args.push('--ping=true');
  const t = values.tracing;
  if (t.sampleRate !== undefined) args.push(`--tracing.sampleRate=${t.sampleRate}`);
  if (t.serviceName) args.push(`--tracing.serviceName=${t.serviceName}`);
  for (const [k, v] of Object.entries(t.resourceAttributes)) args.push(`--tracing.resourceAttributes.${k}=${v}`);
  if (t.capturedRequestHeaders.length > 0) args.push(`--tracing.capturedRequestHeaders=${t.capturedRequestHeaders.join(',')}`);
  if (t.capturedResponseHeaders.length > 0) args.push(`--tracing.capturedResponseHeaders=${t.capturedResponseHeaders.join(',')}`);
  if (t.safeQueryParams.length > 0) args.push(`--tracing.safeQueryParams=${t.safeQueryParams.join(',')}`);
  if (t.otlp.enabled) {
    args.push('--tracing.otlp=true');
    if (t.otlp.http?.enabled) {
      const url = new URL(t.otlp.http.endpoint);
      url.host = dialed(url.host, seam, 'tracing.otlp.http.endpoint');
      args.push('--tracing.otlp.http=true', `--tracing.otlp.http.endpoint=${url.href}`);
    }
    if (t.otlp.grpc?.enabled) {
      args.push(
        '--tracing.otlp.grpc=true',
        `--tracing.otlp.grpc.endpoint=${dialed(t.otlp.grpc.endpoint, seam, 'tracing.otlp.grpc.endpoint')}`,
        `--tracing.otlp.grpc.insecure=${t.otlp.grpc.insecure}`,
      );
    }
  }
  // The chart's container env: USER (Traefik's tracer wants it), GOMEMLIMIT from the memory limit
  // (GOMAXPROCS only with a CPU limit, which the kit never sets), then the values' own `env`.
  const env: Record<string, string> = { USER: 'traefik' };
  if (values.resources.limits.memory) env.GOMEMLIMIT = chartGoMemLimit(values.resources.limits.memory);
  for (const e of values.env ?? []) env[e.name] = e.value;
  return { args, env };
}

/** The kit's HotROD IngressRoute (as the stack synthesizes it for this config). */
export function kitHotrodIngressRoute(config: MeshtraceConfig): Obj {
  const chart = Testing.chart();
  const hotrod = new HotRod(chart, 'HotRod', { namespace: config.hotrod.namespace, createNamespace: false });
  if (config.hotrod.ingress.kind !== 'IngressRoute')
    throw new Error(`hotrod.ingress.kind is ${config.hotrod.ingress.kind}; the launcher reads the IngressRoute`);
  new HotRodIngress(chart, 'Ingress', { hotrod, kind: 'IngressRoute', host: config.hotrod.ingress.host });
  const route = (Testing.synth(chart) as Obj[]).find((o) => o.kind === 'IngressRoute');
  if (!route) throw new Error('the kit synthesized no IngressRoute for HotROD');
  return route;
}

/**
 * The IngressRoute as file-provider dynamic config (pure): one router per route (`<name>-<i>`),
 * its rule, entrypoints and observability, and one load-balancer service per backend Service,
 * dialed through the seam. The CRD provider names the router `<ns>-<name>-<hash>@kubernetescrd`;
 * the file provider names it `<name>-<i>@file`; nothing else differs.
 */
export function fileProviderRoutes(ingressRoute: Obj, seam: TraefikSeam): Obj {
  const name = ingressRoute.metadata.name as string;
  const routers: Obj = {};
  const services: Obj = {};
  (ingressRoute.spec.routes as Obj[]).forEach((route, i) => {
    if (route.kind !== 'Rule' || (route.services ?? []).length !== 1)
      throw new Error(`IngressRoute ${name} route ${i}: expected one Rule with one service, got ${JSON.stringify(route)}`);
    const svc = route.services[0] as Obj;
    const service = `${svc.name}-${svc.port}`; // also RunningTraefik.service
    routers[`${name}-${i}`] = {
      rule: route.match,
      entryPoints: ingressRoute.spec.entryPoints,
      service,
      ...(route.observability ? { observability: route.observability } : {}),
    };
    services[service] = {
      loadBalancer: { servers: [{ url: `http://${dialed(`${svc.name}:${svc.port}`, seam, `IngressRoute ${name} service`)}` }] },
    };
  });
  return { http: { routers, services } };
}

export interface RunningTraefik {
  /** Base URL of the `web` entrypoint. */
  readonly webUrl: string;
  /** Base URL of each extra entrypoint, by name. */
  readonly entryPointUrls: Readonly<Record<string, string>>;
  /** The Host header the kit's IngressRoute matches. */
  readonly host: string;
  /** The kit's router as the file provider names it (`<ingressroute>-0@file`). */
  readonly router: string;
  /** The kit's route rule (``Host(`hotrod.localhost`)``) and its backend as a file-provider service name, for extra routers. */
  readonly rule: string;
  readonly service: string;
  /** What the process got (after the seam), for assertions and messages. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly peer: PeerProcess;
}

export interface TraefikTargets {
  /** `127.0.0.1:port` of the collector's OTLP/gRPC receiver. */
  readonly otlpGrpcAddress: string;
  /** `127.0.0.1:port` of the collector's OTLP/HTTP receiver. */
  readonly otlpHttpAddress: string;
  /** `http://127.0.0.1:port` of HotROD's frontend. */
  readonly hotrodFrontendUrl: string;
}

/**
 * What a test adds beside the kit's own config, for broken variants on the same process: extra
 * entrypoints (on loopback, with their own tracing switch) and extra file-provider routers and
 * services (names must not clash with the kit's).
 */
export interface TraefikExtras {
  readonly entryPoints?: Readonly<Record<string, { readonly tracing: boolean }>>;
  readonly routers?: Readonly<Record<string, Obj>>;
  readonly services?: Readonly<Record<string, Obj>>;
}

/**
 * Starts Traefik from the kit's config; resolves once `/ping` answers and the API lists every
 * router as enabled (the file provider's routes are live, so the first request is routed).
 */
export async function startKitTraefik(
  config: MeshtraceConfig,
  targets: TraefikTargets,
  extras: TraefikExtras = {},
): Promise<RunningTraefik> {
  const values = kitTraefikValues(config);
  const route = kitHotrodIngressRoute(config);
  const extraEntryPoints = Object.entries(extras.entryPoints ?? {});
  // What the start on the ports it got made, for the result.
  let made: { web: number; extraPorts: number[]; routers: string[]; allArgs: string[]; env: Record<string, string> } | undefined;
  const collector = jaegerCollectorHost(config);
  const backend = route.spec.routes[0].services[0] as Obj;
  const { peer } = await startPeerOnFreePorts(2 + extraEntryPoints.length, ([web, admin, ...extraPorts]) => {
    const seam: TraefikSeam = {
      webAddress: `127.0.0.1:${web}`,
      dial: {
        [`${collector}:${JAEGER_PORTS.otlpGrpc}`]: targets.otlpGrpcAddress,
        [`${collector}:${JAEGER_PORTS.otlpHttp}`]: targets.otlpHttpAddress,
        [`${backend.name}:${backend.port}`]: new URL(targets.hotrodFrontendUrl).host,
      },
    };
    const { args, env } = traefikStaticConfig(values, seam);
    const dynamic = fileProviderRoutes(route, seam);
    for (const [kind, extra] of [
      ['routers', extras.routers],
      ['services', extras.services],
    ] as const) {
      for (const [name, body] of Object.entries(extra ?? {})) {
        if (dynamic.http[kind][name]) throw new Error(`extra ${kind} ${name} clashes with the kit's own`);
        dynamic.http[kind][name] = body;
      }
    }
    const routesFile = writeTempFile(`traefik-routes-${web}.yaml`, dynamic);
    const routers = Object.keys(dynamic.http.routers).map((r) => `${r}@file`);
    const allArgs = [
      ...args,
      ...extraEntryPoints.flatMap(([name, ep], i) => [
        `--entryPoints.${name}.address=127.0.0.1:${extraPorts[i]}`,
        `--entryPoints.${name}.observability.tracing=${ep.tracing}`,
      ]),
      // Test-only: the chart's `traefik` entrypoint (ping, API) on loopback; the API tells when the
      // file routes are live. `api.insecure` serves it there without a router; nothing else can reach it.
      `--entryPoints.traefik.address=127.0.0.1:${admin}`,
      '--api.insecure=true',
      `--providers.file.filename=${routesFile}`,
      '--log.level=INFO',
    ];
    const routerEnabled = async (name: string): Promise<boolean> => {
      try {
        const res = await fetch(`http://127.0.0.1:${admin}/api/http/routers/${name}`);
        return res.ok && ((await res.json()) as Obj).status === 'enabled';
      } catch {
        return false;
      }
    };
    made = { web: web!, extraPorts, routers, allArgs, env };
    return {
      name: 'traefik',
      program: peerPath('traefik'),
      args: allArgs,
      env,
      healthUrl: `http://127.0.0.1:${admin}/ping`,
      ready: async () => (await Promise.all(routers.map(routerEnabled))).every(Boolean),
    };
  });
  const { web, extraPorts, routers, allArgs, env } = made!;
  const host = /Host\(`([^`]+)`\)/.exec(route.spec.routes[0].match)?.[1] ?? '';
  return {
    webUrl: `http://127.0.0.1:${web}`,
    entryPointUrls: Object.fromEntries(extraEntryPoints.map(([name], i) => [name, `http://127.0.0.1:${extraPorts[i]}`])),
    host,
    router: routers[0]!,
    rule: route.spec.routes[0].match,
    service: `${backend.name}-${backend.port}`,
    args: allArgs,
    env,
    peer,
  };
}
