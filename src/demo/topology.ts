/**
 * The demo's Bookinfo-shaped topology as a pure function from the user's options to the relay
 * hops to start: `edge → productpage → {details, reviews → ratings}`.
 *
 * Every hop is a separate `meshtrace relay` process on loopback. `listen` is `127.0.0.1:0` until
 * the starter assigns a free port (the edge keeps a port the user pinned); `upstreams` names the
 * hops whose URLs `relayArgs` fills in. `startOrder` lists hops leaves first: hops are stopped in
 * the reverse order, entry first, so no hop sees its upstream vanish while it still gets traffic.
 */
import type { HeaderFormat } from '../propagation/trace-context';
import { formatNameOf, headerFormatOf, resolveFormatName } from '../propagation/format-names';
import { parseFault as parseRelayFault, FaultSyntaxError } from '../faults';
import { PROPAGATION_FORMATS, PROPAGATION_FORMAT_NAMES } from '../relay/options';

/** Hop names of the demo topology, in the order a request reaches them (edge first). */
export const DEMO_HOPS = ['edge', 'productpage', 'details', 'reviews', 'ratings'] as const;
export type DemoHop = (typeof DEMO_HOPS)[number];

/** Which hop calls which (Bookinfo's shape; leaf hops answer themselves). */
export const DEMO_EDGES: Readonly<Record<DemoHop, readonly DemoHop[]>> = {
  edge: ['productpage'],
  productpage: ['details', 'reviews'],
  details: [],
  reviews: ['ratings'],
  ratings: [],
};

/** Formats a hop can be told to write (`--propagate HOP:FORMAT[,FORMAT]`): the relay's own list. */
export { PROPAGATION_FORMATS };

/** What the user asked for on the command line, before validation. */
export interface TopologyOptions {
  /** Hops whose outgoing call loses the trace context (`--break HOP`, repeatable). */
  readonly breakHops?: readonly string[];
  /** Faults as `HOP:FAULT` (`--fault`, repeatable). */
  readonly faults?: readonly string[];
  /** Propagation formats as `HOP:FORMAT[,FORMAT…]` (`--propagate`, repeatable). */
  readonly propagate?: readonly string[];
  /** Port of the edge hop on 127.0.0.1. @default 0 (the OS picks one) */
  readonly edgePort?: number;
  /** Host every hop binds. @default '127.0.0.1' (loopback only) */
  readonly host?: string;
}

/** One relay hop to start. */
export interface HopSpec {
  /** Hop name, also the relay's `--service-name` (the span's `service.name`). */
  readonly name: DemoHop;
  /** Hops this hop forwards to, in order; their URLs are known once they listen. */
  readonly upstreams: readonly DemoHop[];
  /** Faults passed to the relay as `--fault`. */
  readonly faults: readonly string[];
  /** Formats passed to the relay as `--propagate`; empty = the relay's default. */
  readonly propagate: readonly HeaderFormat[];
  /** `HOST:PORT` for `--listen`. */
  readonly listen: string;
}

export interface DemoTopology {
  /** Hops by name. */
  readonly hops: Readonly<Record<DemoHop, HopSpec>>;
  /** Hop names, every hop after all its upstreams (leaves first). */
  readonly startOrder: readonly DemoHop[];
  /** The hop requests enter through. */
  readonly entry: DemoHop;
}

/** Bad demo options: the message says what was wrong, the value, and what is allowed. */
export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}

export function isDemoHop(name: string): name is DemoHop {
  return (DEMO_HOPS as readonly string[]).includes(name);
}

function requireHop(flag: string, value: string, hop: string): DemoHop {
  if (!isDemoHop(hop)) {
    throw new TopologyError(`${flag} ${JSON.stringify(value)}: unknown hop ${JSON.stringify(hop)}; hops are ${DEMO_HOPS.join(', ')}`);
  }
  return hop;
}

/** Splits `HOP:VALUE` at the first colon. */
function splitHopValue(flag: string, value: string, allowed: string): [DemoHop, string] {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new TopologyError(`${flag} ${JSON.stringify(value)}: expected HOP:${allowed}, e.g. ${flag} reviews:${allowed.split('|')[0]}`);
  }
  return [requireHop(flag, value, value.slice(0, colon)), value.slice(colon + 1)];
}

/**
 * Checks one fault with the relay's own parser, so a typo fails before five processes start;
 * returns it unchanged for the relay's `--fault`.
 */
export function parseFault(flag: string, raw: string, fault: string): string {
  try {
    parseRelayFault(fault);
  } catch (err) {
    if (err instanceof FaultSyntaxError)
      throw new TopologyError(`${flag} ${JSON.stringify(raw)}: ${err.message.replace(/^--fault: /, '')}`);
    throw err;
  }
  return fault;
}

function parsePort(port: number | undefined): number {
  if (port === undefined) return 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TopologyError(`--port ${JSON.stringify(port)}: expected an integer from 0 (any free port) to 65535`);
  }
  return port;
}

/** Orders hops so that every hop comes after its upstreams (depth-first post-order from the entry). */
function leavesFirst(entry: DemoHop): DemoHop[] {
  const order: DemoHop[] = [];
  const visit = (hop: DemoHop): void => {
    for (const upstream of DEMO_EDGES[hop]) visit(upstream);
    if (!order.includes(hop)) order.push(hop);
  };
  visit(entry);
  return order;
}

/** Builds the demo topology from the user's options; throws `TopologyError` on bad options. */
export function buildTopology(options: TopologyOptions = {}): DemoTopology {
  const faults = new Map<DemoHop, string[]>();
  const addFault = (hop: DemoHop, fault: string): void => {
    const list = faults.get(hop) ?? [];
    // A hop given the same fault twice (`--break reviews --fault reviews:drop-context`) gets it once.
    if (!list.includes(fault)) list.push(fault);
    faults.set(hop, list);
  };
  for (const hop of options.breakHops ?? []) {
    addFault(requireHop('--break', hop, hop), 'drop-context');
  }
  for (const raw of options.faults ?? []) {
    const [hop, fault] = splitHopValue('--fault', raw, 'FAULT');
    addFault(hop, parseFault('--fault', raw, fault));
  }

  const propagate = new Map<DemoHop, HeaderFormat[]>();
  for (const raw of options.propagate ?? []) {
    const [hop, list] = splitHopValue('--propagate', raw, PROPAGATION_FORMAT_NAMES.join('|'));
    const formats: HeaderFormat[] = [];
    for (const typed of list.split(',').map((f) => f.trim())) {
      const resolved = resolveFormatName(typed);
      const format = resolved && headerFormatOf(resolved.name);
      if (!format || !PROPAGATION_FORMATS.includes(format)) {
        throw new TopologyError(
          `--propagate ${JSON.stringify(raw)}: unknown format ${JSON.stringify(typed)}; formats are ${PROPAGATION_FORMAT_NAMES.join(', ')}`,
        );
      }
      formats.push(format);
    }
    propagate.set(hop, [...new Set(formats)]);
  }

  const host = options.host ?? '127.0.0.1';
  const edgePort = parsePort(options.edgePort);
  const entry: DemoHop = 'edge';
  const hops = Object.fromEntries(
    DEMO_HOPS.map((name): [DemoHop, HopSpec] => [
      name,
      {
        name,
        upstreams: DEMO_EDGES[name],
        faults: faults.get(name) ?? [],
        propagate: propagate.get(name) ?? [],
        listen: `${host}:${name === entry ? edgePort : 0}`,
      },
    ]),
  ) as Record<DemoHop, HopSpec>;
  return { hops, startOrder: leavesFirst(entry), entry };
}

/** Where a hop sends its spans and its upstreams' URLs, known only at start time. */
export interface HopWiring {
  /** URL of each upstream hop, by hop name. */
  readonly upstreamUrls: Readonly<Partial<Record<DemoHop, string>>>;
  /** OTLP/HTTP endpoint of the demo's receiver (base URL; the relay appends `/v1/traces`). */
  readonly otlpEndpoint: string;
}

/** The `meshtrace relay …` arguments of one hop (after `bin/meshtrace.mjs`). */
export function relayArgs(hop: HopSpec, wiring: HopWiring): string[] {
  const args = ['relay', '--listen', hop.listen, '--service-name', hop.name];
  for (const upstream of hop.upstreams) {
    const url = wiring.upstreamUrls[upstream];
    if (url === undefined) throw new TopologyError(`hop ${hop.name} needs the URL of ${upstream}, which is not listening yet`);
    args.push('--upstream', url);
  }
  // A hop with several upstreams calls all of them (Bookinfo's productpage calls details and reviews).
  if (hop.upstreams.length > 1) args.push('--fanout');
  args.push('--otlp-endpoint', wiring.otlpEndpoint);
  if (hop.propagate.length > 0) args.push('--propagate', hop.propagate.map(formatNameOf).join(','));
  for (const fault of hop.faults) args.push('--fault', fault);
  return args;
}
