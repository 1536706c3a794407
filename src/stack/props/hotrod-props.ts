/** Config section `hotrod` → the HotROD constructs' props. */
import type { MeshtraceConfig } from '../../config/schema';
import type { HotRod, HotRodProps } from '../../constructs/apps/hotrod';
import type { HotRodIngressProps } from '../../constructs/apps/hotrod-ingress';
import { hotrodOtlpEndpoint } from '../install/kind-traefik-inputs';

export function hotrodProps(config: MeshtraceConfig): HotRodProps {
  const h = config.hotrod;
  return {
    namespace: h.namespace,
    // The stack's namespaces chart writes the Namespace (applied first).
    createNamespace: false,
    image: h.image,
    meshed: h.meshed,
    runAsUser: h.runAsUser,
    otlpEndpoint: hotrodOtlpEndpoint(config),
    cpuRequest: h.resources.cpuRequest,
    memoryRequest: h.resources.memoryRequest,
    memoryLimit: h.resources.memoryLimit,
  };
}

/** The route through Traefik's web entrypoint, or undefined without Traefik or with `ingress.kind: none`. */
export function hotrodIngressProps(config: MeshtraceConfig, hotrod: HotRod): HotRodIngressProps | undefined {
  const ingress = config.hotrod.ingress;
  if (!config.traefik.enabled || ingress.kind === 'none') return undefined;
  return { hotrod, kind: ingress.kind, host: ingress.host };
}
