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
import { tracingExtensionProvider, type IstioTracingProvider } from './tracing-provider';

/** What the Istio installer inputs say about tracing and the ingress gateway. */
export interface IstioInstallerProps {
  /**
   * The tracing extension provider (the Telemetry objects must name it).
   * @default - `jaeger`, OTLP/gRPC to jaeger-collector:4317
   */
  readonly provider?: IstioTracingProvider;
  /**
   * `pilot.traceSampling` / `traceSampling`: the fallback rate (the Telemetry sets it explicitly).
   * @default 100
   */
  readonly randomSamplingPercentage?: number;
  /**
   * IstioOperator `spec.profile`.
   * @default 'default'
   */
  readonly installProfile?: 'default' | 'demo' | 'minimal';
  /** The ingress gateway Service. @default - NodePort 30081 (http) / 30444 (https) */
  readonly ingressGateway?: {
    /** NodePort so kind's port mappings reach it; LoadBalancer stays pending on kind. @default 'NodePort' */
    readonly serviceType?: 'NodePort' | 'LoadBalancer' | 'ClusterIP';
    /** @default 30081 */
    readonly httpNodePort?: number;
    /** @default 30444 */
    readonly httpsNodePort?: number;
  };
}

export interface InstallerInputsOptions {
  readonly istio: IstioInstallerProps;
  /** Namespace of `jaeger-collector`, for the provider's default service FQDN. */
  readonly observabilityNamespace: string;
}

export function meshTracingConfig(options: InstallerInputsOptions): Record<string, unknown> {
  return {
    enableTracing: true,
    defaultConfig: { tracing: {} },
    extensionProviders: [
      tracingExtensionProvider({ provider: options.istio.provider ?? {}, observabilityNamespace: options.observabilityNamespace }),
    ],
  };
}

function gatewayServiceType(istio: IstioInstallerProps): string {
  return istio.ingressGateway?.serviceType ?? 'NodePort';
}

function gatewayServicePorts(istio: IstioInstallerProps): Record<string, unknown>[] {
  const nodePort = gatewayServiceType(istio) === 'NodePort';
  return [
    { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
    {
      name: 'http2',
      port: 80,
      targetPort: 8080,
      protocol: 'TCP',
      ...(nodePort ? { nodePort: istio.ingressGateway?.httpNodePort ?? 30081 } : {}),
    },
    {
      name: 'https',
      port: 443,
      targetPort: 8443,
      protocol: 'TCP',
      ...(nodePort ? { nodePort: istio.ingressGateway?.httpsNodePort ?? 30444 } : {}),
    },
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
      profile: istio.installProfile ?? 'default',
      meshConfig: meshTracingConfig(options),
      components: {
        ingressGateways: [
          {
            name: 'istio-ingressgateway',
            enabled: true,
            // NodePort: kind maps host ports to node ports; a LoadBalancer stays <pending> on kind.
            k8s: { service: { type: gatewayServiceType(istio), ports: gatewayServicePorts(istio) } },
          },
        ],
      },
      values: {
        // Fallback only: the Telemetry in dist/ sets the rate explicitly.
        pilot: { traceSampling: istio.randomSamplingPercentage ?? 100 },
      },
    },
  };
}

/** `helm install istiod istio/istiod -n istio-system -f install/istiod-values.yaml`. */
export function istiodHelmValues(options: InstallerInputsOptions): Record<string, unknown> {
  return {
    traceSampling: options.istio.randomSamplingPercentage ?? 100,
    meshConfig: meshTracingConfig(options),
  };
}

/**
 * `helm install istio-ingressgateway istio/gateway -n istio-system -f install/istio-ingressgateway-values.yaml`.
 * The release name gives the pods `istio: ingressgateway`, the label Bookinfo's Gateway selects.
 */
export function ingressGatewayHelmValues(options: InstallerInputsOptions): Record<string, unknown> {
  return {
    service: { type: gatewayServiceType(options.istio), ports: gatewayServicePorts(options.istio) },
  };
}
