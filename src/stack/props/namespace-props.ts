/** Config → the {@link MeshNamespace}s of the namespaces chart (applied before every other chart). */
import type { MeshtraceConfig } from '../../config/schema';
import type { MeshNamespaceProps } from '../../constructs/namespaces';

/** One `MeshNamespace` to create: its construct id and props. */
export interface MeshNamespaceSpec {
  readonly id: string;
  readonly props: MeshNamespaceProps;
}

/** Meshed pods need istio-init (NET_ADMIN), so there `restricted` is only warned about; else enforced. */
function restrictedUnlessMeshed(meshed: boolean): Pick<MeshNamespaceProps, 'sidecarInjection' | 'enforce' | 'warn'> {
  return meshed ? { sidecarInjection: 'enabled', warn: 'restricted' } : { sidecarInjection: 'disabled', enforce: 'restricted' };
}

export function meshNamespaceSpecs(config: MeshtraceConfig): MeshNamespaceSpec[] {
  const ns = config.namespaces;
  return [
    // Jaeger is never meshed and runs only restricted pods (ours).
    { id: 'observability', props: { name: ns.observability, sidecarInjection: 'disabled', enforce: 'restricted' } },
    // Meshed: baseline is only warned, because istio-init (NET_ADMIN) fails baseline without Istio CNI.
    ...(config.bookinfo.enabled
      ? [{ id: 'bookinfo', props: { name: ns.bookinfo, sidecarInjection: 'enabled', warn: 'baseline' } } as const]
      : []),
    ...(config.hotrod.enabled
      ? [{ id: 'hotrod', props: { name: config.hotrod.namespace, ...restrictedUnlessMeshed(config.hotrod.meshed) } }]
      : []),
    ...(config.relay.enabled ? [{ id: 'relay', props: { name: ns.relay, ...restrictedUnlessMeshed(config.relay.meshed) } }] : []),
  ];
}
