/**
 * The pinned Jaeger defaults every Jaeger construct falls back to when a prop is left out
 * (DESIGN.md: Jaeger 2.20.0, bumped together with HotROD's `DEFAULT_HOTROD_IMAGE`). One place, so a
 * bump cannot leave one role on the old image. The config schema (`src/config/jaeger.ts`) states the
 * same defaults for users of the CLI.
 */
import type { ResourceQuantities } from '../workload-defaults';
import { JAEGER_PORTS, JAEGER_REMOTE_STORAGE_SERVICE } from './jaeger-ports';
import type { RemoteStorage } from './jaeger-storage';

export const DEFAULT_JAEGER_IMAGE = 'jaegertracing/jaeger:2.20.0';
export const DEFAULT_REMOTE_STORAGE_IMAGE = 'jaegertracing/jaeger-remote-storage:2.20.0';
/** Traces a memory store keeps, bounded so a busy lab cannot eat the node's memory. */
export const DEFAULT_MAX_TRACES = 100_000;
export const DEFAULT_REMOTE_STORAGE_RESOURCES: ResourceQuantities = {
  cpuRequest: '50m',
  cpuLimit: '500m',
  memoryRequest: '128Mi',
  memoryLimit: '512Mi',
};
/** `host:port` of the in-namespace jaeger-remote-storage Service. */
export const REMOTE_STORAGE_ENDPOINT = `${JAEGER_REMOTE_STORAGE_SERVICE}:${JAEGER_PORTS.remoteStorage}`;

/** The split topology's default store: one jaeger-remote-storage holding memory traces. */
export const DEFAULT_REMOTE_STORAGE: Required<RemoteStorage> = {
  type: 'remoteStorage',
  image: DEFAULT_REMOTE_STORAGE_IMAGE,
  maxTraces: DEFAULT_MAX_TRACES,
  resources: DEFAULT_REMOTE_STORAGE_RESOURCES,
};
