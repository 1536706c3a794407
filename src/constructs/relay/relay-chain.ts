import { createHash } from 'node:crypto';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ResourceQuantities } from '../workload-defaults';
import { parseFault } from '../../faults';
import { resolveFormatName } from '../../propagation/format-names';
import { containerDefaults, finishWorkload, labeledService, podDefaults } from '../workload-defaults';

/** Official Node image, pinned (the relay bundle targets Node 20; UID 1000 is the image's `node` user). */
export const DEFAULT_RELAY_IMAGE = 'node:24.11.1-alpine';
/** The in-cluster OTLP/HTTP endpoint of the stack's Jaeger collector. */
export const DEFAULT_RELAY_OTLP_ENDPOINT = 'http://jaeger-collector.observability.svc.cluster.local:4318';
export const RELAY_PORT = 8080;
export const RELAY_ADMIN_PORT = 9901;
/** Where the bundle ConfigMap is mounted. */
export const RELAY_BUNDLE_DIR = '/opt/meshtrace-relay';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One hop of the chain. */
export interface RelayHopSpec {
  /** Hop name: Service, Deployment, `app` label and the spans' `service.name` (an RFC 1123 label). */
  readonly name: string;
  /**
   * Names of the hops this one calls.
   * @default - none: a leaf that answers 200 itself
   */
  readonly upstreams?: readonly string[];
  /**
   * Call every upstream per request (a DAG hop, like productpage → details + reviews).
   * @default - true when there is more than one upstream
   */
  readonly fanout?: boolean;
  /**
   * Faults to inject (`drop-context`, `delay=200ms`, `status=500@0.2`, `reset`), for labs.
   * @default - none
   */
  readonly faults?: readonly string[];
  /**
   * Formats written on outgoing requests (`w3c`, `b3`, `b3multi`, `jaeger`, `baggage`; `b3single` is the old name of `b3`).
   * @default - the formats that came in, plus W3C
   */
  readonly propagate?: readonly string[];
  /**
   * Formats read from incoming requests (`--accept`); headers of other formats are neither read nor
   * forwarded, like a service with only those propagators (labs: a W3C-only service behind a B3 hop).
   * @default - every format
   */
  readonly accept?: readonly string[];
  /**
   * Baggage members recorded on the server span under their own key (`--baggage-attribute`; opt-in per
   * key, since baggage can carry personal data).
   * @default - none
   */
  readonly baggageAttributes?: readonly string[];
  /**
   * Extra attributes on every span of this hop.
   * @default - none
   */
  readonly spanAttributes?: Readonly<Record<string, string>>;
  /** @default 1 */
  readonly replicas?: number;
}

export interface RelayChainProps {
  /**
   * The hops; any DAG (no cycles), upstreams by name.
   * @default - `edge → a → b`
   */
  readonly hops?: readonly RelayHopSpec[];
  /**
   * Container image: the official Node image, pinned. The relay itself comes from a ConfigMap.
   * @default 'node:24.11.1-alpine'
   * @see https://hub.docker.com/_/node
   */
  readonly image?: string;
  /**
   * OTLP/HTTP endpoint for the hops' spans.
   * @default 'http://jaeger-collector.observability.svc.cluster.local:4318'
   */
  readonly otlpEndpoint?: string;
  /**
   * Sampling probability for requests arriving without a decision (parent-based).
   * @default 1
   */
  readonly sampleRate?: number;
  /**
   * Requests and limits of each relay container.
   * @default - 20m/500m CPU, 48Mi/128Mi memory
   */
  readonly resources?: ResourceQuantities;
  /**
   * Name prefix of the shared bundle ConfigMap (`<prefix>relay-bundle`).
   * @default ''
   */
  readonly namePrefix?: string;
  /**
   * The relay bundle to ship. Required: building it runs esbuild and reads files, which a
   * construct does not do (`relayBundle()` in `src/stack/relay-bundle` builds it).
   */
  readonly bundle: RelayBundle;
}

/** The relay, bundled for a ConfigMap: what the pods run (built by `src/stack/relay-bundle`). */
export interface RelayBundle {
  /** The gzipped CommonJS bundle (ConfigMap binaryData `relay.cjs.gz`). */
  readonly gzipped: Buffer;
  /** Size of the minified bundle before gzip, in bytes. */
  readonly minifiedBytes: number;
  /** The loader (ConfigMap data `loader.cjs`). */
  readonly loader: string;
}

/** The chain `edge → a → b`. */
export const DEFAULT_RELAY_HOPS: readonly RelayHopSpec[] = [
  { name: 'edge', upstreams: ['a'] },
  { name: 'a', upstreams: ['b'] },
  { name: 'b' },
];

function fail(field: string, value: unknown, allowed: string): never {
  throw new Error(`RelayChain: ${field} is ${JSON.stringify(value)}; ${allowed}`);
}

/** Checks names, references, faults and that the graph has no cycle (a cycle would loop requests forever). */
export function validateRelayHops(hops: readonly RelayHopSpec[]): void {
  if (hops.length === 0) fail('hops', hops, 'allowed: at least one hop');
  const names = new Set<string>();
  for (const [i, hop] of hops.entries()) {
    if (!DNS_LABEL.test(hop.name) || hop.name.length > 63)
      fail(`hops[${i}].name`, hop.name, 'allowed: an RFC 1123 label (lower-case a-z, 0-9, "-", 1-63 characters)');
    if (names.has(hop.name)) fail(`hops[${i}].name`, hop.name, 'allowed: a name not used by another hop');
    names.add(hop.name);
    if (hop.replicas !== undefined && !(Number.isInteger(hop.replicas) && hop.replicas >= 0))
      fail(`hops[${i}].replicas`, hop.replicas, 'allowed: a whole number >= 0');
    for (const [j, fault] of (hop.faults ?? []).entries()) {
      try {
        parseFault(fault);
      } catch (err) {
        fail(`hops[${i}].faults[${j}]`, fault, (err as Error).message);
      }
    }
    for (const field of ['propagate', 'accept'] as const) {
      for (const format of hop[field] ?? []) {
        if (!['w3c', 'b3', 'b3multi', 'jaeger', 'baggage', 'b3single'].includes(format))
          fail(`hops[${i}].${field}`, format, 'allowed: w3c, b3, b3multi, jaeger, baggage');
      }
    }
    for (const key of hop.baggageAttributes ?? []) {
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(key))
        fail(`hops[${i}].baggageAttributes`, key, 'allowed: a baggage key of letters, digits, "_", "." and "-"');
    }
  }
  for (const [i, hop] of hops.entries()) {
    for (const up of hop.upstreams ?? []) {
      if (!names.has(up)) fail(`hops[${i}].upstreams`, up, `allowed: the name of another hop (${[...names].join(', ')})`);
      if (up === hop.name) fail(`hops[${i}].upstreams`, up, 'allowed: another hop (a hop calling itself loops forever)');
    }
  }
  const byName = new Map(hops.map((h) => [h.name, h]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      fail('hops', [...path, name].join(' → '), 'allowed: a graph without cycles (a cycle loops requests forever)');
    state.set(name, 'visiting');
    for (const up of byName.get(name)?.upstreams ?? []) visit(up, [...path, name]);
    state.set(name, 'done');
  };
  for (const hop of hops) visit(hop.name, []);
}

/** The `meshtrace relay` arguments of one hop. */
export function relayArgs(hop: RelayHopSpec, otlpEndpoint: string, sampleRate: number): string[] {
  const args = [
    'relay',
    '--listen',
    `0.0.0.0:${RELAY_PORT}`,
    '--admin-listen',
    `0.0.0.0:${RELAY_ADMIN_PORT}`,
    '--service-name',
    hop.name,
    '--otlp-endpoint',
    otlpEndpoint,
  ];
  for (const up of hop.upstreams ?? []) args.push('--upstream', `http://${up}:${RELAY_PORT}`);
  if (hop.fanout ?? (hop.upstreams?.length ?? 0) > 1) args.push('--fanout');
  // The relay's canonical names: an old `b3single` in the config must not print a deprecation notice in every pod.
  if (hop.propagate?.length) args.push('--propagate', hop.propagate.map(canonicalFormat).join(','));
  if (hop.accept?.length) args.push('--accept', hop.accept.map(canonicalFormat).join(','));
  for (const key of hop.baggageAttributes ?? []) args.push('--baggage-attribute', key);
  if (sampleRate !== 1) args.push('--sample-rate', String(sampleRate));
  for (const fault of hop.faults ?? []) args.push('--fault', fault);
  for (const [k, v] of Object.entries(hop.spanAttributes ?? {})) args.push('--span-attribute', `${k}=${v}`);
  return args;
}

/**
 * A chain (or DAG) of meshtrace relay hops: per hop a Deployment running the official Node image and a
 * Service (`http-relay` 8080, `http-admin` 9901), all sharing one ConfigMap that carries the relay as a
 * gzipped esbuild bundle (binaryData) plus a small loader that unpacks it at start-up — no image build.
 * Pods are Pod Security `restricted`, read-only, with readiness/liveness on the admin listener and a
 * preStop pause so endpoints are removed before the relay drains (SIGTERM: finish in flight, flush spans).
 */
export class RelayChain extends Construct {
  readonly bundleConfigMap: kplus.ConfigMap;
  readonly services: Record<string, kplus.Service> = {};
  readonly deployments: Record<string, kplus.Deployment> = {};

  constructor(scope: Construct, id: string, props: RelayChainProps) {
    super(scope, id);
    const hops = props.hops ?? DEFAULT_RELAY_HOPS;
    validateRelayHops(hops);
    const sampleRate = props.sampleRate ?? 1;
    if (!(sampleRate >= 0 && sampleRate <= 1)) fail('sampleRate', sampleRate, 'allowed: a number 0..1');
    const otlpEndpoint = props.otlpEndpoint ?? DEFAULT_RELAY_OTLP_ENDPOINT;
    if (!/^https?:\/\/[^\s/]+/.test(otlpEndpoint)) fail('otlpEndpoint', otlpEndpoint, 'allowed: an http:// or https:// URL');
    const bundle = props.bundle;
    const digest = createHash('sha256').update(bundle.gzipped).update(bundle.loader).digest('hex');

    this.bundleConfigMap = new kplus.ConfigMap(this, 'Bundle', {
      metadata: { name: `${props.namePrefix ?? ''}relay-bundle`, labels: { 'app.kubernetes.io/part-of': 'meshtrace-relay' } },
      data: { 'loader.cjs': bundle.loader },
      binaryData: { 'relay.cjs.gz': bundle.gzipped.toString('base64') },
    });

    const user = 1000; // the Node image's `node` user
    for (const hop of hops) {
      const labels = { app: hop.name, version: 'v1', 'app.kubernetes.io/part-of': 'meshtrace-relay' };
      this.services[hop.name] = labeledService(this, `Service-${hop.name}`, {
        name: hop.name,
        labels,
        selector: { app: hop.name },
        ports: [
          { name: 'http-relay', port: RELAY_PORT },
          { name: 'http-admin', port: RELAY_ADMIN_PORT },
        ],
      });
      const bundleVolume = kplus.Volume.fromConfigMap(this, `Volume-${hop.name}`, this.bundleConfigMap, { name: 'relay-bundle' });
      const deployment = new kplus.Deployment(this, `Deployment-${hop.name}`, {
        metadata: { name: hop.name, labels },
        replicas: hop.replicas ?? 1,
        ...podDefaults({ user }),
        // Roll the pods when the bundle changes (the ConfigMap name stays stable).
        podMetadata: { annotations: { 'meshtrace.dev/relay-bundle-sha256': digest } },
        // Above the relay's 20 s drain (--shutdown-timeout) plus the preStop pause.
        terminationGracePeriod: Duration.seconds(30),
        volumes: [bundleVolume],
        containers: [
          {
            name: 'relay',
            image: props.image ?? DEFAULT_RELAY_IMAGE,
            command: ['node', `${RELAY_BUNDLE_DIR}/loader.cjs`],
            args: relayArgs(hop, otlpEndpoint, sampleRate),
            ports: [
              { name: 'http-relay', number: RELAY_PORT },
              { name: 'http-admin', number: RELAY_ADMIN_PORT },
            ],
            envVariables: { NODE_OPTIONS: kplus.EnvValue.fromValue('--max-old-space-size=96') },
            ...containerDefaults({
              resources: props.resources ?? { cpuRequest: '20m', cpuLimit: '500m', memoryRequest: '48Mi', memoryLimit: '128Mi' },
              user,
            }),
            readiness: kplus.Probe.fromHttpGet('/readyz', {
              port: RELAY_ADMIN_PORT,
              periodSeconds: Duration.seconds(5),
              failureThreshold: 2,
            }),
            liveness: kplus.Probe.fromHttpGet('/healthz', {
              port: RELAY_ADMIN_PORT,
              periodSeconds: Duration.seconds(10),
              failureThreshold: 3,
            }),
            // Endpoints are removed asynchronously: keep serving a few seconds before SIGTERM starts the drain.
            lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '5']) },
            volumeMounts: [{ path: RELAY_BUNDLE_DIR, volume: bundleVolume, readOnly: true }],
          },
        ],
      });
      finishWorkload(deployment, { app: hop.name, version: 'v1' });
      this.deployments[hop.name] = deployment;
    }
  }
}

/** A format name as the relay spells it now (`b3single` → `b3`); others unchanged. */
function canonicalFormat(name: string): string {
  return resolveFormatName(name)?.name ?? name;
}
