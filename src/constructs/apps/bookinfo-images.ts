/**
 * Names of Istio's Bookinfo that both the constructs and the config schema need: its Services and
 * how its images are named. No cdk8s here, so the config schema can import it cheaply.
 * @see https://github.com/istio/istio/blob/1.30.3/samples/bookinfo/platform/kube/bookinfo.yaml
 */

/** Bookinfo Services a fault can be injected in front of (one mesh VirtualService each). */
export const BOOKINFO_SERVICES = ['productpage', 'details', 'reviews', 'ratings'] as const;
export type BookinfoService = (typeof BOOKINFO_SERVICES)[number];

/** Registry path upstream publishes the `examples-bookinfo-*` images under. */
export const DEFAULT_BOOKINFO_REGISTRY = 'registry.istio.io/release';
/** Tag of every Bookinfo image (upstream releases them together). */
export const DEFAULT_BOOKINFO_TAG = '1.20.3';

/** Image of one Bookinfo workload, e.g. `registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3`. */
export function bookinfoImage(source: { readonly registry: string; readonly tag: string }, workload: string): string {
  return `${source.registry}/examples-bookinfo-${workload}:${source.tag}`;
}
