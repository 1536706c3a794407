/**
 * Bookinfo's data plane on one machine: the ingress gateway and a sidecar per app (productpage,
 * details, reviews, ratings), wired gateway → productpage → {details, reviews → ratings} through
 * loopback ports, every proxy configured from the kit's config. Pure: the config and the ports in,
 * one bootstrap per proxy out.
 */
import type { MeshtraceConfig } from '../config/schema';
import { BOOKINFO_GATEWAY_ROUTES } from '../constructs/apps/bookinfo-gateway';
import { BOOKINFO_PORT } from '../constructs/apps/bookinfo-microservice';
import { gatewayBootstrap, podName, sidecarBootstrap, type EnvoyBootstrap, type LocalAddress } from './bootstrap';

export const BOOKINFO_APPS = ['productpage', 'details', 'reviews', 'ratings'] as const;
export type BookinfoApp = (typeof BOOKINFO_APPS)[number];

/** Who calls whom (reviews v2/v3: reviews calls ratings). */
export const BOOKINFO_CALLS: Readonly<Record<BookinfoApp, readonly BookinfoApp[]>> = {
  productpage: ['details', 'reviews'],
  details: [],
  reviews: ['ratings'],
  ratings: [],
};

/** The gateway's service name comes from its `app` label (istioctl's gateway). */
export const INGRESS_GATEWAY_APP = 'istio-ingressgateway';

/** Where everything listens on this machine. */
export interface BookinfoMeshPorts {
  readonly host: string;
  readonly gateway: number;
  /** The collector the provider's Service stands for. */
  readonly collector: LocalAddress;
  /** Per app: the app itself, its sidecar's inbound listener, one outbound listener per callee. */
  readonly apps: Readonly<
    Record<
      BookinfoApp,
      { readonly app: number; readonly inbound: number; readonly outbound: Readonly<Partial<Record<BookinfoApp, number>>> }
    >
  >;
}

export interface BookinfoMesh {
  readonly gateway: EnvoyBootstrap;
  readonly sidecars: Readonly<Record<BookinfoApp, EnvoyBootstrap>>;
  /** Each proxy's pod environment (what Istio's injector gives istio-proxy): read by `environment` custom tags. */
  readonly env: Readonly<Record<BookinfoApp | typeof INGRESS_GATEWAY_APP, Readonly<Record<string, string>>>>;
}

/** The gateway's pod name (a ReplicaSet-style name, as a real gateway pod has). */
export const INGRESS_GATEWAY_POD = `${INGRESS_GATEWAY_APP}-7d4f8b9c6b-x2x9q`;

const appVersion = (app: BookinfoApp): string => (app === 'reviews' ? 'v2' : 'v1');

function podEnv(pod: string, namespace: string, host: string): Record<string, string> {
  return { POD_NAME: pod, POD_NAMESPACE: namespace, INSTANCE_IP: host };
}

/** Ports the layout needs, in a fixed order: gateway, then per app: app, inbound, outbound per callee. */
export function bookinfoPortCount(): number {
  return 1 + BOOKINFO_APPS.reduce((n, app) => n + 2 + BOOKINFO_CALLS[app].length, 0);
}

/** Fills the layout from a flat list of free ports (`bookinfoPortCount()` of them). */
export function bookinfoPortsFrom(host: string, collector: LocalAddress, free: readonly number[]): BookinfoMeshPorts {
  if (free.length < bookinfoPortCount())
    throw new Error(`bookinfoPortsFrom: ${free.length} ports given; the layout needs ${bookinfoPortCount()}`);
  let i = 0;
  const next = (): number => free[i++]!;
  const gateway = next();
  const apps = Object.fromEntries(
    BOOKINFO_APPS.map((app) => [
      app,
      { app: next(), inbound: next(), outbound: Object.fromEntries(BOOKINFO_CALLS[app].map((callee) => [callee, next()])) },
    ]),
  ) as BookinfoMeshPorts['apps'];
  return { host, gateway, collector, apps };
}

/** Every proxy's bootstrap. The version label is `v1`, reviews `v2` (the version that calls ratings). */
export function bookinfoMesh(config: MeshtraceConfig, ports: BookinfoMeshPorts): BookinfoMesh {
  const namespace = config.namespaces.bookinfo;
  const at = (port: number): LocalAddress => ({ host: ports.host, port });
  const base = { istio: config.istio, observabilityNamespace: config.namespaces.observability, collector: ports.collector, admin: at(0) };
  const gateway = gatewayBootstrap({
    ...base,
    workload: { app: INGRESS_GATEWAY_APP, namespace: config.namespaces.istioSystem },
    pod: INGRESS_GATEWAY_POD,
    listen: at(ports.gateway),
    routes: BOOKINFO_GATEWAY_ROUTES.map((r) => ({
      match: r.match === 'exact' ? { exact: r.path } : { prefix: r.path },
      destination: { service: 'productpage', namespace, port: BOOKINFO_PORT, endpoint: at(ports.apps.productpage.inbound) },
    })),
  });
  const sidecars = Object.fromEntries(
    BOOKINFO_APPS.map((app) => {
      const p = ports.apps[app];
      return [
        app,
        sidecarBootstrap({
          ...base,
          workload: { app, namespace, version: appVersion(app) },
          servicePort: BOOKINFO_PORT,
          inbound: at(p.inbound),
          app: at(p.app),
          outbound: BOOKINFO_CALLS[app].map((callee) => ({
            service: callee,
            namespace,
            port: BOOKINFO_PORT,
            listen: at(p.outbound[callee]!),
            endpoint: at(ports.apps[callee].inbound),
          })),
        }),
      ];
    }),
  ) as Record<BookinfoApp, EnvoyBootstrap>;
  const env = {
    [INGRESS_GATEWAY_APP]: podEnv(INGRESS_GATEWAY_POD, config.namespaces.istioSystem, ports.host),
    ...Object.fromEntries(
      BOOKINFO_APPS.map((app) => [app, podEnv(podName({ app, namespace, version: appVersion(app) }), namespace, ports.host)]),
    ),
  } as BookinfoMesh['env'];
  return { gateway, sidecars, env };
}
