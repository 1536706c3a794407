/**
 * Config section `istio` → the Istio constructs' props: the Telemetry objects (mesh-wide, per
 * namespace, per workload) and the installer inputs.
 */
import type { MeshtraceConfig } from '../../config/schema';
import type { InstallerInputsOptions } from '../../constructs/istio/installer-inputs';
import type { MeshTelemetryProps } from '../../constructs/istio/mesh-telemetry';

/** One `MeshTelemetry` to create: its construct id and props. */
export interface MeshTelemetrySpec {
  readonly id: string;
  readonly props: MeshTelemetryProps;
}

/**
 * The mesh-wide Telemetry, then one per namespace override, then one per workload override. Unset
 * override fields inherit explicitly (namespace, else mesh-wide): a Telemetry replaces, never
 * merges, its parent scope's tags.
 */
export function meshTelemetrySpecs(config: MeshtraceConfig): MeshTelemetrySpec[] {
  const istio = config.istio;
  const providerName = istio.provider.name;
  const meshWide: MeshTelemetrySpec = {
    id: 'MeshDefault',
    props: {
      namespace: config.namespaces.istioSystem,
      providerName,
      randomSamplingPercentage: istio.randomSamplingPercentage,
      customTags: istio.customTags,
    },
  };
  const namespaces = istio.namespaceOverrides.map((override): MeshTelemetrySpec => ({
    id: `Override-${override.namespace}`,
    props: {
      name: 'namespace-tracing',
      namespace: override.namespace,
      providerName,
      randomSamplingPercentage: override.randomSamplingPercentage ?? istio.randomSamplingPercentage,
      customTags: override.customTags ?? istio.customTags,
      disableSpanReporting: override.disableSpanReporting,
    },
  }));
  const workloads = istio.workloadOverrides.map((override): MeshTelemetrySpec => {
    const namespaceWide = istio.namespaceOverrides.find((o) => o.namespace === override.namespace);
    return {
      id: `Workload-${override.namespace}-${override.app}`,
      props: {
        name: `${override.app}-tracing`,
        namespace: override.namespace,
        selector: { app: override.app },
        providerName,
        randomSamplingPercentage:
          override.randomSamplingPercentage ?? namespaceWide?.randomSamplingPercentage ?? istio.randomSamplingPercentage,
        customTags: override.customTags ?? namespaceWide?.customTags ?? istio.customTags,
        disableSpanReporting: override.disableSpanReporting ?? namespaceWide?.disableSpanReporting,
      },
    };
  });
  return [meshWide, ...namespaces, ...workloads];
}

/** The Istio installer inputs (IstioOperator overlay, istiod and gateway Helm values). */
export function istioInstallerOptions(config: MeshtraceConfig): InstallerInputsOptions {
  const istio = config.istio;
  return {
    istio: {
      provider: istio.provider,
      randomSamplingPercentage: istio.randomSamplingPercentage,
      installProfile: istio.installProfile,
      ingressGateway: istio.ingressGateway,
    },
    observabilityNamespace: config.namespaces.observability,
  };
}
