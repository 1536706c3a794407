/** Config section `relay` → {@link RelayChainProps}. */
import type { MeshtraceConfig } from '../../config/schema';
import { JAEGER_COLLECTOR_SERVICE, JAEGER_PORTS } from '../../constructs/jaeger/jaeger-ports';
import type { RelayBundle, RelayChainProps } from '../../constructs/relay/relay-chain';

/** @param bundle the relay bundle, built by the caller (bundling runs esbuild and reads files). */
export function relayChainProps(config: MeshtraceConfig, bundle: RelayBundle): RelayChainProps {
  const r = config.relay;
  return {
    // An empty fault list is left out, so a hop without faults passes no `--fault` at all.
    hops: r.hops.map((h) => ({ ...h, faults: h.faults.length > 0 ? h.faults : undefined })),
    image: r.image,
    sampleRate: r.sampleRate,
    resources: r.resources,
    // OTLP/HTTP to the stack's collector, wherever the observability namespace is.
    otlpEndpoint: `http://${JAEGER_COLLECTOR_SERVICE}.${config.namespaces.observability}.svc.cluster.local:${JAEGER_PORTS.otlpHttp}`,
    bundle,
  };
}
