/**
 * Starts the demo's relay hops as separate `meshtrace relay` processes, all at once.
 *
 * Why all at once: a hop process needs ~0.6 s of CPU to start (more on a busy 2-core machine), so
 * starting the four levels of the tree one after another (leaves first, each hop binding port 0
 * and printing its URL) measured 10–12 s here under load, against ~3 s in parallel. Parallel start
 * needs every upstream URL up front, so the demo first asks the OS for free loopback ports
 * (`allocatePorts`). The race that leaves (another process taking a port between our probe and
 * the hop's bind) ends in a clear EADDRINUSE start failure, after which the whole start is retried
 * once on fresh ports.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import { ProcessStartError, type ProcessSupervisor } from './supervisor';
import { PARENT_PID_ENV } from './relay-hop-env';
import { type DemoHop, type DemoTopology, type HopSpec, relayArgs } from './topology';

/** The relay's start-up line: `relay <service> listening on http://host:port` (anything may follow). */
export const RELAY_READY_LINE = /^relay (\S+) listening on (http:\/\/\S+?)(?:[\s,;]|$)/;

const COMPILED_HOP = join(REPO_ROOT, 'lib', 'relay-hop.js');

/**
 * What each hop runs, through `process.execPath` (the same Node as the demo): the `meshtrace relay`
 * command loaded on its own (see relay-hop-main.ts for why not `bin/meshtrace.mjs`), compiled
 * (lib/relay-hop.js). Run from the TypeScript sources too when lib/ is built: the test suite's
 * globalSetup builds it from the current sources first, and a hop through tsx costs ~1.5 s of CPU
 * to start where the compiled one costs ~0.15 s (a suite starts dozens). Only a checkout without
 * lib/ starts the hop's source through tsx.
 */
export const HOP_ENTRY: readonly string[] =
  import.meta.url.endsWith('.ts') && !existsSync(COMPILED_HOP)
    ? ['--import', 'tsx', join(REPO_ROOT, 'src', 'demo', 'relay-hop-main.ts')]
    : [COMPILED_HOP];

export interface StartedHop {
  readonly name: DemoHop;
  readonly pid: number;
  readonly url: string;
  /** The hop as a command a student can run by hand (`npx meshtrace relay …`). */
  readonly command: string;
  /** Time from spawn to the ready line. */
  readonly startMs: number;
  /** Faults injected at this hop. */
  readonly faults: readonly string[];
  /** Formats this hop writes; empty = the relay's default (those that came in, plus W3C). */
  readonly propagate: readonly string[];
}

export interface StartTopologyOptions {
  /** OTLP/HTTP endpoint the hops export to (the demo's receiver). */
  readonly otlpEndpoint: string;
  /** Per-hop deadline for the ready line. @default 15000 */
  readonly readyTimeoutMs?: number;
  /** Called when a hop is up. */
  readonly onHopReady?: (hop: StartedHop) => void;
  /** Called when a hop is being started. */
  readonly onHopStarting?: (name: DemoHop) => void;
  /** Port source (tests inject a colliding one). @default allocatePorts */
  readonly allocate?: (host: string, count: number) => Promise<number[]>;
}

/** `count` distinct free TCP ports on `host`, found by binding port 0 (all held open together, so distinct). */
export async function allocatePorts(host: string, count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function hostAndPort(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon), port: Number(listen.slice(colon + 1)) };
}

/** The hops with a concrete port each (a pinned edge port is kept). */
async function assignPorts(topology: DemoTopology, allocate: (host: string, count: number) => Promise<number[]>): Promise<HopSpec[]> {
  const hops = topology.startOrder.map((name) => topology.hops[name]);
  const open = hops.filter((h) => hostAndPort(h.listen).port === 0);
  const host = hostAndPort(hops[0]!.listen).host;
  const ports = await allocate(host, open.length);
  return hops.map((h) => {
    const i = open.indexOf(h);
    return i < 0 ? h : { ...h, listen: `${host}:${ports[i]}` };
  });
}

/** What a program prints when a port it was given is bound already: Node, Envoy, Go ("address …"), Java. */
export const PORT_TAKEN_OUTPUT = /EADDRINUSE|address already in use/i;

/**
 * A start that failed because a port from allocatePorts was taken in the meantime (its probes are
 * released before the programs bind, and any process may get one first): a relay says EADDRINUSE,
 * Envoy "Address already in use", an in-process server throws EADDRINUSE.
 */
export function portTaken(err: unknown): boolean {
  if (err instanceof ProcessStartError) return err.recentOutput.some((l) => PORT_TAKEN_OUTPUT.test(l));
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

async function startOnce(
  topology: DemoTopology,
  supervisor: ProcessSupervisor,
  options: StartTopologyOptions,
): Promise<Record<DemoHop, StartedHop>> {
  const hops = await assignPorts(topology, options.allocate ?? allocatePorts);
  const urls = Object.fromEntries(hops.map((h) => [h.name, `http://${h.listen}`])) as Record<DemoHop, string>;
  const starts = hops.map(async (hop): Promise<StartedHop> => {
    const relay = relayArgs(hop, { upstreamUrls: urls, otlpEndpoint: options.otlpEndpoint });
    options.onHopStarting?.(hop.name);
    const t0 = performance.now();
    const running = await supervisor.start({
      name: hop.name,
      command: process.execPath,
      args: [...HOP_ENTRY, ...relay],
      cwd: REPO_ROOT,
      readyPattern: RELAY_READY_LINE,
      env: { [PARENT_PID_ENV]: String(process.pid) },
      readyTimeoutMs: options.readyTimeoutMs ?? 15000,
    });
    const result: StartedHop = {
      name: hop.name,
      pid: running.pid,
      url: running.ready[2]!,
      command: ['npx', 'meshtrace', ...relay].join(' '),
      startMs: performance.now() - t0,
      faults: hop.faults,
      propagate: hop.propagate,
    };
    options.onHopReady?.(result);
    return result;
  });
  // Wait for every start to settle before reporting, so no half-started hop escapes the caller's stop.
  const settled = await Promise.allSettled(starts);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return Object.fromEntries(
    settled.map((s) => {
      const hop = (s as PromiseFulfilledResult<StartedHop>).value;
      return [hop.name, hop];
    }),
  ) as Record<DemoHop, StartedHop>;
}

/**
 * Starts every hop of the topology; rejects with the first hop's `ProcessStartError` if one fails.
 * A port collision (EADDRINUSE) restarts everything once on fresh ports.
 */
export async function startTopology(
  topology: DemoTopology,
  supervisor: ProcessSupervisor,
  options: StartTopologyOptions,
): Promise<Record<DemoHop, StartedHop>> {
  try {
    return await startOnce(topology, supervisor, options);
  } catch (err) {
    if (!portTaken(err) || Object.values(topology.hops).some((h) => h.name === topology.entry && !h.listen.endsWith(':0'))) throw err;
    await supervisor.stopRunning();
    return startOnce(topology, supervisor, options);
  }
}
