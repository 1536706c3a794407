/**
 * Span and resource attribute names that are not stable OpenTelemetry semantic conventions, in one
 * place. Stable names come from `@opentelemetry/semantic-conventions` where they are used.
 *
 * - `meshtrace.*`: the kit's own vocabulary. Propagation evidence the verifier's format-mismatch
 *   diagnosis reads (`src/verify/diagnosis.ts`); values are format names only (`w3c`, `b3multi`,
 *   `b3single`, `jaeger`), never header values. Server span: formats read from the request
 *   (`extracted`), present but malformed (`invalid`), present but not read because of `--accept`
 *   (`ignored`), and, on a hop restricted by `--accept`, the formats it reads at all (`accepted`: what
 *   a callee reads, which is not what arrived). Client span: formats written on the call (`injected`,
 *   empty when a drop-context fault sent none) and the sampling decision sent (`sampled`).
 * - Incubating or deprecated OpenTelemetry names the kit reads from other tracers' spans. They are
 *   copied here rather than imported from `@opentelemetry/semantic-conventions/incubating`, as that
 *   package advises for unstable names: the incubating entry is ~0.8 MB of JavaScript that every
 *   `verify` start would load for five strings, and a copied name cannot change under us in a minor
 *   release.
 *
 * A leaf module: it imports nothing, so every layer may use it.
 */

export const ATTR_PROPAGATION_EXTRACTED = 'meshtrace.propagation.extracted';
export const ATTR_PROPAGATION_INVALID = 'meshtrace.propagation.invalid';
export const ATTR_PROPAGATION_IGNORED = 'meshtrace.propagation.ignored';
export const ATTR_PROPAGATION_ACCEPTED = 'meshtrace.propagation.accepted';
export const ATTR_PROPAGATION_INJECTED = 'meshtrace.propagation.injected';
export const ATTR_PROPAGATION_SAMPLED = 'meshtrace.propagation.sampled';
/** The Istio custom tag the `ci` profile adds to every mesh span (which profile produced the trace). */
export const ATTR_MESHTRACE_PROFILE = 'meshtrace.profile';

/** Incubating: the cluster a resource runs in (multi-cluster specs match on it). */
export const ATTR_K8S_CLUSTER_NAME = 'k8s.cluster.name';
/** Deprecated names of a client span's peer, still written by older instrumentations (Envoy, Zipkin clients). */
export const ATTR_PEER_SERVICE = 'peer.service';
export const ATTR_NET_PEER_NAME = 'net.peer.name';
export const ATTR_HTTP_HOST = 'http.host';
/** Deprecated predecessors of `otel.scope.name` / `otel.scope.version` (Jaeger tags of older SDKs). */
export const ATTR_OTEL_LIBRARY_NAME = 'otel.library.name';
export const ATTR_OTEL_LIBRARY_VERSION = 'otel.library.version';
