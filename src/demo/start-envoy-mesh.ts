/**
 * Starts Bookinfo's data plane for real on loopback: a real Envoy per proxy (the ingress gateway and
 * a sidecar in front of each app), configured by src/envoy from the kit's config, and the apps behind
 * them — the in-process Bookinfo stand-in, or for a broken variant a `meshtrace relay` process
 * (e.g. `--fault drop-context`, or `--accept b3multi --propagate b3multi`: an app that only speaks B3).
 * Relay apps export no spans (Bookinfo's apps export none: every span is Envoy's).
 * Side effects: ports, files in a temporary folder, child processes (through the supervisor).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshtraceConfig } from '../config/schema';
import {
  BOOKINFO_APPS,
  BOOKINFO_CALLS,
  bookinfoMesh,
  bookinfoPortCount,
  bookinfoPortsFrom,
  INGRESS_GATEWAY_APP,
  type BookinfoApp,
  type BookinfoMesh,
} from '../envoy/bookinfo-mesh';
import { withSpanFlushInterval, type LocalAddress } from '../envoy/bootstrap';
import { ENVOY_READY_LINE, envoyArgs } from '../envoy/envoy-binary';
import { REPO_ROOT } from '../paths';
import { startBookinfoApp, type BookinfoApp as RunningApp } from './bookinfo-app';
import { PARENT_PID_ENV } from './relay-hop-env';
import { allocatePorts, HOP_ENTRY, portTaken, RELAY_READY_LINE } from './start-topology';
import type { ProcessSupervisor } from './supervisor';

/** How one app behaves: Bookinfo's header copying, or a relay hop with these extra flags. */
export type AppVariant = { readonly kind: 'bookinfo' } | { readonly kind: 'relay'; readonly args: readonly string[] };

export interface EnvoyMeshOptions {
  readonly envoy: string;
  readonly config: MeshtraceConfig;
  /** Where the provider's Service (the collector) listens here. */
  readonly collector: LocalAddress;
  readonly supervisor: ProcessSupervisor;
  /** Apps that are not Bookinfo's stand-in. @default every app is */
  readonly apps?: Partial<Record<BookinfoApp, AppVariant>>;
  /** Per-process deadline for the ready line. @default 30000 */
  readonly readyTimeoutMs?: number;
  /** Each proxy's span export timer (Envoy's runtime; the bootstraps in `mesh` leave it out). @default Envoy's 5000 */
  readonly spanFlushIntervalMs?: number;
  readonly onProxyReady?: (proxy: StartedProxy) => void;
  /** Port source (tests inject a colliding one). @default allocatePorts */
  readonly allocate?: (host: string, count: number) => Promise<number[]>;
}

/** One started proxy or relay app. */
export interface StartedProxy {
  /** `istio-ingressgateway`, `productpage`, …, or `reviews-app` for a relay app. */
  readonly name: string;
  readonly pid: number;
  /** The listener callers use (the gateway's, a sidecar's inbound). */
  readonly url: string;
  readonly startMs: number;
  /** Span service name (`<app>.<namespace>`), for proxies. */
  readonly serviceName?: string;
}

export interface StartedEnvoyMesh {
  /** The gateway's URL: requests enter here (`/productpage`). */
  readonly gatewayUrl: string;
  readonly proxies: readonly StartedProxy[];
  /** What each proxy was started with. */
  readonly mesh: BookinfoMesh;
  /** The folder the bootstraps were written to (removed by `close`). */
  readonly bootstrapDir: string;
  /** Stops the in-process apps and removes the bootstraps (processes stop with the supervisor). */
  close(): Promise<void>;
}

type MeshPorts = ReturnType<typeof bookinfoPortsFrom>;

/** What every start in one mesh shares. */
interface MeshStart {
  readonly host: string;
  readonly ports: MeshPorts;
  readonly mesh: BookinfoMesh;
  readonly dir: string;
  readonly readyTimeoutMs: number;
  readonly options: EnvoyMeshOptions;
  /** The processes this start has started so far (stopped before a retry). */
  readonly pids: number[];
}

/** One proxy to start: its bootstrap and the listener callers use. */
interface ProxyPlan {
  readonly name: string;
  readonly serviceName: string;
  readonly bootstrap: Record<string, unknown>;
  readonly url: string;
}

/** The app's outbound listeners on its own sidecar, one per callee. */
function outboundUrls({ host, ports }: MeshStart, app: BookinfoApp): string[] {
  return BOOKINFO_CALLS[app].map((callee) => `http://${host}:${ports.apps[app].outbound[callee]}`);
}

/** A broken app: a `meshtrace relay` process behind the app's sidecar, with the variant's extra flags. */
async function startRelayApp(ctx: MeshStart, app: BookinfoApp, variant: { readonly args: readonly string[] }): Promise<StartedProxy> {
  const { host, ports, options } = ctx;
  const args = [
    'relay',
    '--listen',
    `${host}:${ports.apps[app].app}`,
    '--service-name',
    `${app}-app`,
    ...outboundUrls(ctx, app).flatMap((u) => ['--upstream', u]),
    ...(BOOKINFO_CALLS[app].length > 1 ? ['--fanout'] : []),
    ...variant.args,
  ];
  const t0 = performance.now();
  const running = await options.supervisor.start({
    name: `${app}-app`,
    command: process.execPath,
    args: [...HOP_ENTRY, ...args],
    cwd: REPO_ROOT,
    readyPattern: RELAY_READY_LINE,
    env: { [PARENT_PID_ENV]: String(process.pid), OTEL_EXPORTER_OTLP_ENDPOINT: '' },
    readyTimeoutMs: ctx.readyTimeoutMs,
  });
  ctx.pids.push(running.pid);
  return { name: `${app}-app`, pid: running.pid, url: running.ready[2]!, startMs: performance.now() - t0 };
}

/** The gateway, then a sidecar per app, each with the listener callers use. */
function proxyPlans({ host, ports, mesh, options }: MeshStart): ProxyPlan[] {
  return [
    {
      name: INGRESS_GATEWAY_APP,
      serviceName: `${INGRESS_GATEWAY_APP}.${options.config.namespaces.istioSystem}`,
      bootstrap: mesh.gateway,
      url: `http://${host}:${ports.gateway}`,
    },
    ...BOOKINFO_APPS.map((app) => ({
      name: app,
      serviceName: `${app}.${options.config.namespaces.bookinfo}`,
      bootstrap: mesh.sidecars[app],
      url: `http://${host}:${ports.apps[app].inbound}`,
    })),
  ];
}

/** Writes the proxy's bootstrap (with the span flush timer, when set) and returns its path. */
async function writeBootstrap({ dir, options }: MeshStart, p: ProxyPlan): Promise<string> {
  const file = join(dir, `${p.name}.json`);
  const bootstrap =
    options.spanFlushIntervalMs === undefined ? p.bootstrap : withSpanFlushInterval(p.bootstrap, options.spanFlushIntervalMs);
  await writeFile(file, JSON.stringify(bootstrap, null, 2));
  return file;
}

/** One Envoy from its bootstrap file; resolves once it prints its ready line. */
async function startProxy(ctx: MeshStart, p: ProxyPlan, file: string): Promise<StartedProxy> {
  const { dir, mesh, options } = ctx;
  const t0 = performance.now();
  const running = await options.supervisor.start({
    name: p.name,
    command: options.envoy,
    args: envoyArgs(file, join(dir, `${p.name}.admin`)),
    env: mesh.env[p.name as BookinfoApp],
    readyPattern: ENVOY_READY_LINE,
    readyTimeoutMs: ctx.readyTimeoutMs,
  });
  ctx.pids.push(running.pid);
  const started = { name: p.name, pid: running.pid, url: p.url, startMs: performance.now() - t0, serviceName: p.serviceName };
  options.onProxyReady?.(started);
  return started;
}

/** Waits for every start; the first failure wins (after all have settled, so none is left unobserved). */
async function allStarted(starts: readonly Promise<StartedProxy | undefined>[]): Promise<StartedProxy[]> {
  const settled = await Promise.allSettled(starts);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.flatMap((s) =>
    (s as PromiseFulfilledResult<StartedProxy | undefined>).value ? [(s as PromiseFulfilledResult<StartedProxy>).value] : [],
  );
}

/** Starts the apps (in-process ones one by one, relay processes concurrently), then every proxy. */
async function startAppsAndProxies(ctx: MeshStart, apps: RunningApp[]): Promise<StartedProxy[]> {
  const { host, ports, options } = ctx;
  const starts: Promise<StartedProxy | undefined>[] = [];
  for (const app of BOOKINFO_APPS) {
    const variant = options.apps?.[app] ?? { kind: 'bookinfo' };
    if (variant.kind === 'bookinfo') {
      apps.push(await startBookinfoApp({ name: app, host, port: ports.apps[app].app, upstreams: outboundUrls(ctx, app) }));
      continue;
    }
    starts.push(startRelayApp(ctx, app, variant));
  }
  for (const p of proxyPlans(ctx)) {
    const file = await writeBootstrap(ctx, p);
    starts.push(startProxy(ctx, p, file));
  }
  return allStarted(starts);
}

/** Starts the mesh; a port collision stops what this start started and starts everything once more on fresh ports. */
export async function startEnvoyMesh(options: EnvoyMeshOptions): Promise<StartedEnvoyMesh> {
  try {
    return await startEnvoyMeshOnce(options);
  } catch (err) {
    if (!portTaken(err)) throw err;
    return startEnvoyMeshOnce(options);
  }
}

async function startEnvoyMeshOnce(options: EnvoyMeshOptions): Promise<StartedEnvoyMesh> {
  const host = '127.0.0.1';
  const ports = bookinfoPortsFrom(host, options.collector, await (options.allocate ?? allocatePorts)(host, bookinfoPortCount()));
  const mesh = bookinfoMesh(options.config, ports);
  const dir = await mkdtemp(join(tmpdir(), 'meshtrace-envoy-'));
  const apps: RunningApp[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(apps.map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  };
  const ctx: MeshStart = { host, ports, mesh, dir, readyTimeoutMs: options.readyTimeoutMs ?? 30_000, options, pids: [] };
  try {
    const started = await startAppsAndProxies(ctx, apps);
    return { gatewayUrl: `http://${host}:${ports.gateway}`, proxies: started, mesh, bootstrapDir: dir, close };
  } catch (err) {
    await options.supervisor.stopPids(ctx.pids);
    await close();
    throw err;
  }
}
