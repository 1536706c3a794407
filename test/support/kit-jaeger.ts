/**
 * Jaeger as the kit renders it, run for real: synthesizes the kit's `Jaeger` construct (topology
 * `split`: jaeger-remote-storage + jaeger-collector + jaeger-query), takes each Deployment's
 * ConfigMap files and container args exactly as synthesized, and starts the real programs
 * (`npm run peers`) on loopback. One seam changes what a pod has and a test process has not:
 *   - listen addresses `0.0.0.0:<kit port>` (and the Prometheus reader's host/port) → `127.0.0.1:<free port>`;
 *   - in-cluster Service addresses (`jaeger-remote-storage:17271`) → the loopback port serving them;
 *   - ConfigMap mount paths (`/etc/jaeger/…`) → a temp folder holding the same files.
 * Nothing else in the configs is touched; `loopbackConfig` refuses to leave a `0.0.0.0` or a
 * Service address behind, so a listener the kit adds later cannot slip past the seam.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { parse as load } from 'yaml';
import { jaegerSchema } from '../../src/config/jaeger';
import { Jaeger } from '../../src/constructs/jaeger/jaeger';
import { JAEGER_PORTS, JAEGER_REMOTE_STORAGE_SERVICE } from '../../src/constructs/jaeger/jaeger-ports';
import { peerPath, peerTempDir, startPeerOnFreePorts, stopPeers, type PeerProcess } from './peers';

type Obj = Record<string, any>;

/** One synthesized Deployment: its container args and the files of the ConfigMaps it mounts, by mount path. */
export interface KitWorkload {
  readonly name: string;
  readonly args: readonly string[];
  /** mount path → file name → content */
  readonly mounts: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * Synthesizes the kit's Jaeger from a user's `jaeger:` config section (validated and defaulted by
 * the kit's own schema, handed to the construct as the stack does) and returns its workloads by
 * Deployment name.
 */
export function synthKitJaeger(jaegerConfig: unknown = {}): Record<string, KitWorkload> {
  const chart = Testing.chart();
  new Jaeger(chart, 'Jaeger', { ...jaegerSchema.parse(jaegerConfig) });
  const objs = Testing.synth(chart) as Obj[];
  const configMaps = new Map(
    objs.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name as string, (o.data ?? {}) as Record<string, string>]),
  );
  const out: Record<string, KitWorkload> = {};
  for (const d of objs.filter((o) => o.kind === 'Deployment')) {
    const pod = d.spec.template.spec;
    const container = pod.containers[0];
    const volumes = new Map<string, string>(
      (pod.volumes ?? []).filter((v: Obj) => v.configMap).map((v: Obj) => [v.name, v.configMap.name]),
    );
    const mounts: Record<string, Record<string, string>> = {};
    for (const m of container.volumeMounts ?? []) {
      const cm = volumes.get(m.name);
      if (cm) mounts[m.mountPath] = configMaps.get(cm) ?? {};
    }
    out[d.metadata.name] = { name: d.metadata.name, args: container.args ?? [], mounts };
  }
  return out;
}

export interface LoopbackMap {
  /** kit listen port → loopback port */
  readonly listen: Readonly<Record<number, number>>;
  /** in-cluster `host:port` → loopback `host:port` */
  readonly dial: Readonly<Record<string, string>>;
}

const ANY_HOST = '0.0.0.0';

function rewriteString(value: string, map: LoopbackMap, where: string): string {
  const listen = new RegExp(`^${ANY_HOST.replace(/\./g, '\\.')}:(\\d+)$`).exec(value);
  if (listen) {
    const port = map.listen[Number(listen[1])];
    if (port === undefined) throw new Error(`the kit listens on ${value} (${where}), which the loopback seam has no port for; add it`);
    return `127.0.0.1:${port}`;
  }
  return map.dial[value] ?? value;
}

/** The seam (pure): the kit's config with listen and dial addresses moved to loopback. */
export function loopbackConfig(config: unknown, map: LoopbackMap, where = ''): any {
  if (typeof config === 'string') return rewriteString(config, map, where);
  if (Array.isArray(config)) return config.map((v, i) => loopbackConfig(v, map, `${where}[${i}]`));
  if (config && typeof config === 'object') {
    const o = config as Obj;
    // The Prometheus reader of service.telemetry names its listener as host + port.
    if (o.host === ANY_HOST && typeof o.port === 'number') {
      const port = map.listen[o.port];
      if (port === undefined)
        throw new Error(`the kit listens on ${ANY_HOST}:${o.port} (${where}), which the loopback seam has no port for; add it`);
      return {
        ...Object.fromEntries(Object.entries(o).map(([k, v]) => [k, loopbackConfig(v, map, `${where}.${k}`)])),
        host: '127.0.0.1',
        port,
      };
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, loopbackConfig(v, map, where ? `${where}.${k}` : k)]));
  }
  return config;
}

/** Every string of a config that still names an address a test process cannot use. */
export function nonLoopbackAddresses(config: unknown, serviceHosts: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.includes(ANY_HOST) || serviceHosts.some((h) => v.startsWith(`${h}:`))) found.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(config);
  return found;
}

/** Writes a workload's mounted files under `dir` and returns args with mount paths pointed there. */
function materialize(workload: KitWorkload, dir: string, rewrite: (file: string, content: string) => string): string[] {
  const moved: [string, string][] = [];
  for (const [mountPath, files] of Object.entries(workload.mounts)) {
    const local = join(dir, mountPath.replace(/^\/+/, '').replace(/\//g, '_'));
    mkdirSync(local, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(local, file), rewrite(file, content));
    moved.push([mountPath, local]);
  }
  const relocate = (s: string) =>
    moved.reduce((acc, [from, to]) => (acc.startsWith(`${from}/`) ? `${to}${acc.slice(from.length)}` : acc), s);
  return workload.args.map(relocate);
}

/** Moves every mount path inside a config to where the files were written (strategies file). */
function relocatePaths(config: unknown, workload: KitWorkload, dir: string): unknown {
  const pairs = Object.keys(workload.mounts).map((m) => [m, join(dir, m.replace(/^\/+/, '').replace(/\//g, '_'))] as const);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string')
      return pairs.reduce((acc, [from, to]) => (acc.startsWith(`${from}/`) ? `${to}${acc.slice(from.length)}` : acc), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(config);
}

/**
 * jaeger-remote-storage flags for the pinned build. The kit renders the `--config-file` of
 * remote-storage 2.20 (`grpc.endpoint`, `storage.backends.<name>.memory.max_traces`); the build
 * Go can install here (github.com/jaegertracing/jaeger v1.75.0 = Jaeger 2.12.0) still has the v1
 * command line (`--grpc.host-port`, `--memory.max-traces`, storage type from SPAN_STORAGE_TYPE) and
 * ignores keys it does not know. So this reads the kit's file and says the same thing in flags.
 */
export function remoteStorageFlags(
  kitConfig: Obj,
  grpcHostPort: string,
  adminHostPort: string,
): { args: string[]; env: Record<string, string> } {
  const backends = Object.values(kitConfig?.storage?.backends ?? {}) as Obj[];
  const memory = backends[0]?.memory;
  if (backends.length !== 1 || !memory || typeof memory.max_traces !== 'number') {
    throw new Error(`remote-storage config: expected one memory backend with max_traces, got ${JSON.stringify(kitConfig?.storage)}`);
  }
  if (kitConfig?.grpc?.endpoint !== `${ANY_HOST}:${JAEGER_PORTS.remoteStorage}`)
    throw new Error(
      `remote-storage config: grpc.endpoint ${kitConfig?.grpc?.endpoint}, expected ${ANY_HOST}:${JAEGER_PORTS.remoteStorage}`,
    );
  return {
    args: [
      `--grpc.host-port=${grpcHostPort}`,
      `--admin.http.host-port=${adminHostPort}`,
      `--memory.max-traces=${memory.max_traces}`,
      `--multi-tenancy.enabled=${Boolean(kitConfig.multi_tenancy?.enabled)}`,
    ],
    env: { SPAN_STORAGE_TYPE: 'memory' },
  };
}

export interface RunningKitJaeger {
  /** Query base URL, with the kit's base path when one was set. */
  readonly queryUrl: string;
  /** OTLP/HTTP base URL of the collector (`/v1/traces` appended by exporters). */
  readonly otlpHttpUrl: string;
  /** `127.0.0.1:port` of the collector's OTLP/gRPC receiver. */
  readonly otlpGrpcAddress: string;
  /** Zipkin v2 spans endpoint of the collector. */
  readonly zipkinUrl: string;
  /** The collector's remote sampling HTTP endpoint. */
  readonly samplingUrl: string;
  /** The rendered configs as the processes got them (after the seam). */
  readonly configs: { readonly collector: Obj; readonly query: Obj };
  readonly peers: readonly PeerProcess[];
  stop(): Promise<void>;
}

const COLLECTOR_LISTENS = [
  JAEGER_PORTS.otlpGrpc,
  JAEGER_PORTS.otlpHttp,
  JAEGER_PORTS.zipkin,
  JAEGER_PORTS.samplingHttp,
  JAEGER_PORTS.samplingGrpc,
  JAEGER_PORTS.health,
  JAEGER_PORTS.metrics,
  JAEGER_PORTS.jaegerThriftHttp,
];
const QUERY_LISTENS = [JAEGER_PORTS.queryHttp, JAEGER_PORTS.queryGrpc, JAEGER_PORTS.health, JAEGER_PORTS.metrics];

/**
 * Starts remote-storage, collector and query from the kit's synthesized split Jaeger (a user's
 * `jaeger:` config section; topology split, storage remoteStorage); resolves when all three are healthy.
 */
export async function startKitJaeger(jaegerConfig: Record<string, unknown> = {}): Promise<RunningKitJaeger> {
  const jaeger = peerPath('jaeger');
  const remoteStorage = peerPath('remote-storage');
  const workloads = synthKitJaeger({ ...jaegerConfig, topology: 'split' });
  const need = (name: string) => {
    const w = workloads[name];
    if (!w) throw new Error(`the kit's split Jaeger has no Deployment ${name}; it has ${Object.keys(workloads).join(', ')}`);
    return w;
  };
  const rsWorkload = need(JAEGER_REMOTE_STORAGE_SERVICE);
  const collectorWorkload = need('jaeger-collector');
  const queryWorkload = need('jaeger-query');
  const base = join(peerTempDir(), `kit-jaeger-${Date.now()}`);
  const peers: PeerProcess[] = [];
  try {
    // remote-storage
    const rsConfigFile = rsWorkload.args[rsWorkload.args.indexOf('--config-file') + 1] ?? '';
    const rsMount = Object.keys(rsWorkload.mounts).find((m) => rsConfigFile.startsWith(`${m}/`));
    const rsConfig = load(rsMount ? (rsWorkload.mounts[rsMount]![rsConfigFile.slice(rsMount.length + 1)] ?? '') : '') as Obj;
    const rs = await startPeerOnFreePorts(2, ([grpc, admin]) => {
      const flags = remoteStorageFlags(rsConfig, `127.0.0.1:${grpc}`, `127.0.0.1:${admin}`);
      return {
        name: 'jaeger-remote-storage',
        program: remoteStorage,
        args: flags.args,
        env: flags.env,
        healthUrl: `http://127.0.0.1:${admin}/`,
      };
    });
    peers.push(rs.peer);
    const rsGrpc = rs.ports[0]!;
    const dial = { [`${JAEGER_REMOTE_STORAGE_SERVICE}:${JAEGER_PORTS.remoteStorage}`]: `127.0.0.1:${rsGrpc}` };

    const start = async (workload: KitWorkload, listens: readonly number[]) => {
      const dir = join(base, workload.name);
      let listen: Record<number, number> = {};
      let config: Obj = {};
      const { peer } = await startPeerOnFreePorts(listens.length, (free) => {
        listen = Object.fromEntries(listens.map((p, i) => [p, free[i]!]));
        const args = materialize(workload, dir, (file, content) => {
          if (file !== 'config.yaml') return content;
          config = relocatePaths(loopbackConfig(load(content), { listen, dial }), workload, dir) as Obj;
          const left = nonLoopbackAddresses(config, [JAEGER_REMOTE_STORAGE_SERVICE, 'jaeger-collector', 'jaeger-query']);
          if (left.length > 0) throw new Error(`${workload.name}: the loopback seam left ${left.join(', ')}`);
          return JSON.stringify(config, null, 2);
        });
        return { name: workload.name, program: jaeger, args, healthUrl: `http://127.0.0.1:${listen[JAEGER_PORTS.health]}/status` };
      });
      peers.push(peer);
      return { listen, config };
    };
    const collector = await start(collectorWorkload, COLLECTOR_LISTENS);
    const query = await start(queryWorkload, QUERY_LISTENS);
    const basePath = (query.config.extensions?.jaeger_query?.base_path as string | undefined) ?? '';
    return {
      queryUrl: `http://127.0.0.1:${query.listen[JAEGER_PORTS.queryHttp]}${basePath}`,
      otlpHttpUrl: `http://127.0.0.1:${collector.listen[JAEGER_PORTS.otlpHttp]}`,
      otlpGrpcAddress: `127.0.0.1:${collector.listen[JAEGER_PORTS.otlpGrpc]}`,
      zipkinUrl: `http://127.0.0.1:${collector.listen[JAEGER_PORTS.zipkin]}/api/v2/spans`,
      samplingUrl: `http://127.0.0.1:${collector.listen[JAEGER_PORTS.samplingHttp]}`,
      configs: { collector: collector.config, query: query.config },
      peers,
      stop: () => stopPeers(peers),
    };
  } catch (err) {
    await stopPeers(peers);
    throw err;
  }
}
