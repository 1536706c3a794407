/**
 * A team's own cdk8s app that takes meshtrace by its package name: the whole tracing stack as one
 * construct, plus one part (HotROD) on its own inside the team's chart. `npm run build && npm run synth`
 * writes the YAML to dist/ (or $OUTDIR).
 */
import { App, Chart } from 'cdk8s';
import { HotRod, TracingStack } from 'meshtrace';

const app = new App({ outdir: process.env.OUTDIR ?? 'dist' });

// Jaeger v2, Istio tracing, Traefik values, Bookinfo and the relay chain, from the lab profile;
// overrides are validated like a config file (a wrong key is an error naming its path).
const tracing = new TracingStack(app, 'tracing', { profile: 'lab', overrides: { hotrod: { enabled: false } } });

// One construct on its own, in the team's chart, sending to the stack's collector.
const team = new Chart(app, 'team', { namespace: 'team-apps' });
new HotRod(team, 'hotrod', { namespace: 'team-apps', otlpEndpoint: `http://jaeger-collector.${tracing.config.namespaces.observability}.svc:4318` });

app.synth();
