/**
 * What the enterprise capabilities cost at synth time: build + check of the production profile
 * (baseline) against production with every capability on (TLS + Secrets, rollover/cleaner, SPM +
 * alerts, oauth2-proxy, Kafka + ingester), and an edge cluster. Same process, alternating runs,
 * median of N after warm-up. Run: npx tsx scripts/bench-enterprise.ts [runs]
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config/load';
import { buildAndCheck } from '../src/stack/synthesize';
import { REPO_ROOT } from '../src/paths';
import { machineLine } from './machine';

const runs = Number(process.argv[2] ?? 15);
const cases = {
  'production (baseline)': () => loadConfig({ profile: 'production' }),
  'production-elasticsearch.yaml + kafka': () =>
    loadConfig({
      config: join(REPO_ROOT, 'samples/configs/production-elasticsearch.yaml'),
      overrides: { kafka: { enabled: true, brokers: ['kafka:9092'] } },
    }),
  'edge cluster (multicluster-edge-tls.yaml)': () => loadConfig({ config: join(REPO_ROOT, 'samples/configs/multicluster-edge-tls.yaml') }),
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const objects: Record<string, number> = {};
for (let i = 0; i < runs + 3; i++) {
  for (const [name, load] of Object.entries(cases)) {
    const config = await load();
    const t0 = performance.now();
    const { stack } = await buildAndCheck(config);
    const ms = performance.now() - t0;
    objects[name] = stack.docs.length;
    if (i >= 3) times[name]!.push(ms);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(times['production (baseline)']!);
console.log(`${machineLine()}; ${runs} runs each after 3 warm-up`);
for (const [name, xs] of Object.entries(times)) {
  console.log(
    `${name.padEnd(44)} ${String(objects[name]).padStart(3)} objects  build+check median ${median(xs).toFixed(1).padStart(6)} ms  (${(median(xs) / base).toFixed(2)}x baseline)`,
  );
}
