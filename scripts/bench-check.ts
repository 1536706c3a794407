/**
 * Benchmark of `meshtrace check` on the kit's own lab output (in memory, as synth runs it).
 * Prints measured numbers; baselines are measured in the same run:
 * - schema only: kubernetes-models `validate()` per object (what a plain schema check costs);
 * - the TypeScript-checker walk that generates the unknown-field tree (what checking unknown fields
 *   from the models' .d.ts at run time would cost on every run, instead of the committed tree).
 *
 * Run: npx tsx scripts/bench-check.ts [rounds=15]
 */
import { checkManifests, type ManifestDoc } from '../src/check';
import { checkSchemas, unknownFieldFindings } from '../src/check/schema/schema-check';
import { generateKnownFields } from './generate-known-fields';
import { loadConfig } from '../src/config/load';
import { buildStack } from '../src/stack';
import { machineLine } from './machine';

const rounds = Number(process.argv[2] ?? 15);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(fn: () => unknown | Promise<unknown>, n = rounds): Promise<{ wall: number; cpu: number; min: number; max: number }> {
  const walls: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpuMs), min: Math.min(...walls), max: Math.max(...walls) };
}

/** The same objects N times over, in renamed namespaces (a bigger folder, same shape). */
function scaled(
  docs: readonly ManifestDoc[],
  install: readonly ManifestDoc[],
  times: number,
): { docs: ManifestDoc[]; install: ManifestDoc[] } {
  const out: ManifestDoc[] = [];
  for (let k = 0; k < times; k++) {
    const rename = (ns: unknown) => (typeof ns === 'string' && ns !== 'istio-system' ? `${ns}-${k}` : ns);
    for (const d of docs) {
      const obj = structuredClone(d.object) as { kind?: unknown; metadata: { name?: unknown; namespace?: unknown } };
      if (obj.kind === 'Namespace') obj.metadata.name = rename(obj.metadata.name);
      else if (obj.metadata?.namespace) obj.metadata.namespace = rename(obj.metadata.namespace);
      out.push({ file: `${k}-${d.file}`, index: d.index, object: obj });
    }
  }
  return { docs: out, install: [...install] };
}

const stack = buildStack(await loadConfig({ profile: 'lab' }));
const docs = stack.docs;
const install = stack.installDocs;

const c0 = process.cpuUsage();
const t0 = performance.now();
const first = await checkManifests(docs, { installDocs: install });
const coldWall = performance.now() - t0;
const coldCpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000;

const full = await measure(() => checkManifests(docs, { installDocs: install }));
const schemaOnly = await measure(() => checkSchemas(docs));
const unknownOnly = await measure(() => docs.forEach((d) => unknownFieldFindings(d)));
const big = scaled(docs, install, 10);
await checkManifests(big.docs, { installDocs: big.install });
const full10 = await measure(() => checkManifests(big.docs, { installDocs: big.install }), Math.max(3, Math.floor(rounds / 3)));
const tsWalk = await measure(() => generateKnownFields(), 1);

const f = (n: number) => n.toFixed(1);
console.log(`${machineLine()}; rounds ${rounds} (median wall ms, min–max; CPU ms)`);
console.log(`lab output: ${docs.length} objects + ${install.length} installer inputs, ${first.length} findings`);
console.log(`| case | wall ms (median) | min–max | CPU ms |`);
console.log(`|---|---|---|---|`);
console.log(`| first check in a process (lazy model imports) | ${f(coldWall)} | – | ${f(coldCpu)} |`);
console.log(`| full check, warm | ${f(full.wall)} | ${f(full.min)}–${f(full.max)} | ${f(full.cpu)} |`);
console.log(
  `| baseline: schema only (kubernetes-models validate) | ${f(schemaOnly.wall)} | ${f(schemaOnly.min)}–${f(schemaOnly.max)} | ${f(schemaOnly.cpu)} |`,
);
console.log(
  `| unknown-field walk only (committed tree) | ${f(unknownOnly.wall)} | ${f(unknownOnly.min)}–${f(unknownOnly.max)} | ${f(unknownOnly.cpu)} |`,
);
console.log(
  `| full check, 10× the objects (${big.docs.length}) | ${f(full10.wall)} | ${f(full10.min)}–${f(full10.max)} | ${f(full10.cpu)} |`,
);
console.log(`| baseline: TypeScript-checker walk of the models' .d.ts (1 run) | ${f(tsWalk.wall)} | – | ${f(tsWalk.cpu)} |`);
console.log(
  `ratios: full/schema-only ${(full.cpu / schemaOnly.cpu).toFixed(2)}× CPU; 10×-objects/1× ${(full10.cpu / full.cpu).toFixed(2)}× CPU; TS-checker walk / full warm check ${(tsWalk.cpu / full.cpu).toFixed(0)}× CPU`,
);
