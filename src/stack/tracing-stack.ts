/**
 * Composition: config in, a cdk8s App out. THE place where each area's constructs are
 * instantiated — one chart per area, every chart after `namespaces` — from the props that
 * `./props/` maps out of the config (the constructs themselves never see the config).
 *
 * To add an area: write its config → Props function in `./props/<area>-props.ts`, create its
 * chart here, and if it has installer inputs, add a function to `INSTALL_INPUTS`.
 */
import { App, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { MeshtraceConfig } from '../config/schema';
import { Bookinfo } from '../constructs/apps/bookinfo';
import { BookinfoFaultInjection } from '../constructs/apps/bookinfo-fault-injection';
import { HotRod } from '../constructs/apps/hotrod';
import { HotRodIngress } from '../constructs/apps/hotrod-ingress';
import { istioOperatorOverlay, istiodHelmValues, ingressGatewayHelmValues } from '../constructs/istio/installer-inputs';
import { MeshTelemetry } from '../constructs/istio/mesh-telemetry';
import { Jaeger } from '../constructs/jaeger/jaeger';
import { MeshNamespace } from '../constructs/namespaces';
import { RelayChain } from '../constructs/relay/relay-chain';
import { relayBundle } from './relay-bundle';
import { kindInstallInputs, traefikInstallInputs, traefikJaegerNeeds } from './install/kind-traefik-inputs';
import { isEdgeCluster } from '../config/enterprise-rules';
import { addEnterpriseCharts } from './enterprise-charts';
import { jaegerProps } from './props/jaeger-props';
import { istioInstallerOptions, meshTelemetrySpecs } from './props/istio-props';
import { bookinfoFaultProps, bookinfoProps } from './props/bookinfo-props';
import { hotrodIngressProps, hotrodProps } from './props/hotrod-props';
import { meshNamespaceSpecs } from './props/namespace-props';
import { relayChainProps } from './props/relay-props';

/** Creates a chart with stable names (no hashes) that applies after the namespaces chart. */
function areaChart(app: Construct, id: string, namespaces: Chart | undefined, props: ChartProps = {}): Chart {
  const chart = new Chart(app, id, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/managed-by': 'meshtrace' }, ...props });
  if (namespaces) chart.addDependency(namespaces);
  return chart;
}

/** Builds every chart of the stack. Pure: no files, no network (the App's outdir is never used here). */
export function buildTracingApp(config: MeshtraceConfig, app: App = new App({ outdir: 'dist' })): App {
  addTracingCharts(app, config);
  return app;
}

/**
 * Adds the stack's charts (namespaces, jaeger, istio, bookinfo, hotrod, relay, …) under `scope`:
 * an App, or any construct inside a user's own cdk8s app (see {@link TracingStack}).
 */
export function addTracingCharts(app: Construct, config: MeshtraceConfig): void {
  const ns = config.namespaces;

  // 0000: namespaces first, so `kubectl apply -f dist` creates them before anything inside them.
  const namespaces = areaChart(app, 'namespaces', undefined);
  for (const { id, props } of meshNamespaceSpecs(config)) new MeshNamespace(namespaces, id, props);

  const jaeger = areaChart(app, 'jaeger', namespaces, { namespace: ns.observability });
  // Receivers follow the senders: Traefik v2 needs the Jaeger Thrift HTTP receiver (14268).
  const jaegerThriftHttp = traefikJaegerNeeds(config).some((need) => need.purpose === 'jaeger-thrift-http');
  // An edge cluster (multicluster.centralCollector) runs no Jaeger: its edge collector takes the jaeger-collector name.
  const backend = isEdgeCluster(config) ? undefined : new Jaeger(jaeger, 'Jaeger', jaegerProps(config, jaegerThriftHttp));
  addEnterpriseCharts(app, config, { namespaces, jaegerChart: jaeger, jaeger: backend, jaegerThriftHttp });

  const istio = areaChart(app, 'istio', namespaces);
  for (const { id, props } of meshTelemetrySpecs(config)) new MeshTelemetry(istio, id, props);

  if (config.bookinfo.enabled) {
    const bookinfo = areaChart(app, 'bookinfo', namespaces, { namespace: ns.bookinfo });
    new Bookinfo(bookinfo, 'Bookinfo', bookinfoProps(config));
    const faults = bookinfoFaultProps(config);
    if (faults) new BookinfoFaultInjection(bookinfo, 'Faults', faults);
  }
  if (config.hotrod.enabled) {
    const hotrodChart = areaChart(app, 'hotrod', namespaces, { namespace: config.hotrod.namespace });
    const hotrod = new HotRod(hotrodChart, 'HotRod', hotrodProps(config));
    // Reached through Traefik's web entrypoint (http://hotrod.localhost:8000 on kind).
    const ingress = hotrodIngressProps(config, hotrod);
    if (ingress) new HotRodIngress(hotrodChart, 'Ingress', ingress);
  }
  if (config.relay.enabled) {
    const relay = areaChart(app, 'relay', namespaces, { namespace: ns.relay });
    // The bundle is built here, not in the construct: bundling runs esbuild and reads files (once per process).
    new RelayChain(relay, 'Relay', relayChainProps(config, relayBundle()));
  }
}

/** One installer input: file name under `install/` and its content (a YAML document). */
export interface InstallInput {
  readonly name: string;
  readonly object: Record<string, unknown>;
  /** Comment block written above the YAML (install command, what the file is for). */
  readonly header?: string;
}

/**
 * Installer inputs per area (files under `dist/install/`, which `kubectl apply -f dist` skips).
 * Add an area's function here.
 */
export const INSTALL_INPUTS: readonly ((config: MeshtraceConfig) => InstallInput[])[] = [
  (config) => {
    const options = istioInstallerOptions(config);
    return [
      { name: 'istio-operator.yaml', object: istioOperatorOverlay(options) },
      { name: 'istiod-values.yaml', object: istiodHelmValues(options) },
      { name: 'istio-ingressgateway-values.yaml', object: ingressGatewayHelmValues(options) },
    ];
  },
  traefikInstallInputs,
  kindInstallInputs,
];
