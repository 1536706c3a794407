/**
 * meshtrace as a cdk8s construct library: the whole tracing stack as one construct
 * ({@link TracingStack}, which takes the config shape: a profile plus overrides), and each part on
 * its own with its own documented Props (plain types, every optional field with its `@default`;
 * no config schema needed).
 *
 * ```ts
 * import { App, Chart } from 'cdk8s';
 * import { Jaeger, MeshTelemetry, TracingStack } from 'meshtrace';
 *
 * const app = new App();
 * new TracingStack(app, 'tracing', { profile: 'lab', overrides: { bookinfo: { enabled: false } } });
 * // Or the parts, from their Props:
 * const chart = new Chart(app, 'team', { namespace: 'team-tracing' });
 * new Jaeger(chart, 'Jaeger', { topology: 'allInOne', storage: { type: 'memory', maxTraces: 50_000 } });
 * new MeshTelemetry(chart, 'Telemetry', { namespace: 'team-apps', randomSamplingPercentage: 10 });
 * app.synth();
 * ```
 *
 * The verifier is `meshtrace/verify`, the propagation core `meshtrace/propagation`.
 *
 * @packageDocumentation
 */
export { TracingStack, type TracingStackProps } from './stack/tracing-stack-construct';
export { addTracingCharts, buildTracingApp, INSTALL_INPUTS, type InstallInput } from './stack/tracing-stack';
export { synthesize, SynthCheckError, type SynthesizeOptions, type SynthResult } from './stack/synthesize';

// Config: profiles, loading and validation (what TracingStack and `meshtrace synth` take).
export { loadConfig, parseConfig, parseConfigText, mergeConfig, ConfigError, type LoadConfigOptions } from './config/load';
export { configSchema, type MeshtraceConfig } from './config/schema';
export type { ConfigProblem } from './config/problems';
export { PROFILES, type Raw as RawProfile } from './config/profiles';
export { PROFILE_NAMES, DEFAULT_PROFILE, type ProfileName } from './config/profile-names';

// Jaeger v2 (all-in-one or collector + query, storage backends).
export * from './constructs/jaeger/index';
// Istio tracing: the Telemetry resources, the mesh's tracing provider, installer inputs.
export * from './constructs/istio/index';
// Traefik Helm values (v2 and v3) and the IngressRoute.
export * from './constructs/traefik/index';
// Demo applications.
export * from './constructs/apps/bookinfo';
export * from './constructs/apps/bookinfo-microservice';
export * from './constructs/apps/bookinfo-gateway';
export * from './constructs/apps/bookinfo-fault-injection';
export * from './constructs/apps/hotrod';
export * from './constructs/apps/hotrod-ingress';
// The relay chain (the propagating HTTP relay as Deployments).
export * from './constructs/relay/index';
export * from './constructs/namespaces';
// Enterprise parts (docs/enterprise.md): edge collector, Kafka ingester, store maintenance, UI login, SPM alerts.
export * from './constructs/enterprise/edge-collector';
export * from './constructs/enterprise/jaeger-ingester';
export * from './constructs/enterprise/jaeger-config-extensions';
export * from './constructs/enterprise/search-index-maintenance';
export * from './constructs/enterprise/cassandra-schema-job';
export * from './constructs/enterprise/jaeger-ui-oauth2-proxy';
export * from './constructs/enterprise/span-metrics-alerts';
export { BOOKINFO_SERVICES, type BookinfoService } from './constructs/apps/bookinfo-images';
export type { ResourceQuantities, SecretKeyRef } from './constructs/workload-defaults';
// Types the API above refers to.
export type { Finding, ManifestDoc, Severity } from './check/finding';
// The built relay bundle a RelayChain ships (read from lib/relay/, which the package ships built).
export { relayBundle, type RelayBundle } from './stack/relay-bundle/index';
export type { BuiltStack, OutputFile } from './stack/build-stack';
export type { WriteReport } from './stack/output-writer';
export type { Recovery } from './stack/output-journal';
