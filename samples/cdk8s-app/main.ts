/**
 * A team's own cdk8s app that takes meshtrace by its package name: the whole tracing stack as one
 * construct, plus parts on their own inside the team's chart, each from its own Props (no config
 * schema). `npm run build && npm run synth` writes the YAML to dist/ (or $OUTDIR).
 */
import { App, Chart } from 'cdk8s';
import { HotRod, MeshNamespace, MeshTelemetry, TracingStack, type MeshTelemetryProps } from 'meshtrace';

const app = new App({ outdir: process.env.OUTDIR ?? 'dist' });

// Jaeger v2, Istio tracing, Traefik values, Bookinfo and the relay chain, from the lab profile;
// overrides are validated like a config file (a wrong key is an error naming its path).
const tracing = new TracingStack(app, 'tracing', { profile: 'lab', overrides: { hotrod: { enabled: false } } });

// Parts on their own, in the team's chart: every prop left out takes its documented @default.
const team = new Chart(app, 'team', { namespace: 'team-apps' });
new MeshNamespace(team, 'namespace', { name: 'team-apps', sidecarInjection: 'enabled', warn: 'restricted' });
// The team's namespace samples 10 % and tags its spans; the provider is the stack's (`jaeger`).
const telemetry: MeshTelemetryProps = {
  name: 'team-tracing',
  namespace: 'team-apps',
  randomSamplingPercentage: 10,
  customTags: { team: { literal: { value: 'payments' } } },
};
new MeshTelemetry(team, 'tracing', telemetry);
// HotROD sending to the stack's collector.
new HotRod(team, 'hotrod', {
  namespace: 'team-apps',
  createNamespace: false,
  meshed: true,
  otlpEndpoint: `http://jaeger-collector.${tracing.config.namespaces.observability}.svc:4318`,
});

app.synth();
