/**
 * Installer inputs for Istio (written to `dist/install/`): an IstioOperator overlay for
 * `istioctl install -f` and istiod Helm values (+ gateway chart values), all carrying the SAME
 * extension provider list. Pure functions.
 *
 * A list in an IstioOperator overlay replaces the profile's list, so the overlay declares every
 * provider the kit needs. `defaultConfig.tracing: {}` switches off legacy MeshConfig tracing.
 * @see https://istio.io/latest/docs/setup/install/istioctl/
 * @see https://istio.io/latest/docs/setup/install/helm/
 */
import type { IstioConfig } from '../../config/istio';
import { tracingExtensionProvider } from './tracing-provider';

export interface InstallerInputsOptions {
  readonly istio: IstioConfig;
  readonly observabilityNamespace: string;
}

export function meshTracingConfig(options: InstallerInputsOptions): Record<string, unknown> {
  return {
    enableTracing: true,
    defaultConfig: { tracing: {} },
    extensionProviders: [tracingExtensionProvider({ provider: options.istio.provider, observabilityNamespace: options.observabilityNamespace })],
  };
}

function gatewayServicePorts(istio: IstioConfig): Record<string, unknown>[] {
  const nodePort = istio.ingressGateway.serviceType === 'NodePort';
  return [
    { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
    { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP', ...(nodePort ? { nodePort: istio.ingressGateway.httpNodePort } : {}) },
    { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP', ...(nodePort ? { nodePort: istio.ingressGateway.httpsNodePort } : {}) },
  ];
}

/** `istioctl install -f install/istio-operator.yaml`. */
export function istioOperatorOverlay(options: InstallerInputsOptions): Record<string, unknown> {
  const { istio } = options;
  return {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    metadata: { name: 'meshtrace', namespace: 'istio-system' },
    spec: {
      profile: istio.installProfile,
      meshConfig: meshTracingConfig(options),
      components: {
        ingressGateways: [
          {
            name: 'istio-ingressgateway',
            enabled: true,
            // NodePort: kind maps host ports to node ports; a LoadBalancer stays <pending> on kind.
            k8s: { service: { type: istio.ingressGateway.serviceType, ports: gatewayServicePorts(istio) } },
          },
        ],
      },
      values: {
        // Fallback only: the Telemetry in dist/ sets the rate explicitly.
        pilot: { traceSampling: istio.randomSamplingPercentage },
      },
    },
  };
}

/** `helm install istiod istio/istiod -n istio-system -f install/istiod-values.yaml`. */
export function istiodHelmValues(options: InstallerInputsOptions): Record<string, unknown> {
  return {
    traceSampling: options.istio.randomSamplingPercentage,
    meshConfig: meshTracingConfig(options),
  };
}

/**
 * `helm install istio-ingressgateway istio/gateway -n istio-system -f install/istio-ingressgateway-values.yaml`.
 * The release name gives the pods `istio: ingressgateway`, the label Bookinfo's Gateway selects.
 */
export function ingressGatewayHelmValues(options: InstallerInputsOptions): Record<string, unknown> {
  return {
    service: { type: options.istio.ingressGateway.serviceType, ports: gatewayServicePorts(options.istio) },
  };
}
