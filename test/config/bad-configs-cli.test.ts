/**
 * The real CLI on bad configs: `node bin/meshtrace.mjs synth --config bad.yaml --outdir <copy of a
 * synthesized dist>` must exit 1 with one clear line per problem and leave dist byte-identical.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../src/paths';
import { listFiles, synthesize } from '../../src/stack/index';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin', 'meshtrace.mjs');
/** A user's own (valid) manifest in dist/: synth must never touch it. */
const USER_FILE = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: my-notes\n  namespace: observability\ndata:\n  note: mine\n';

/** 12 distinct bad configs, each with the line(s) the user must see. */
const BAD_CONFIGS: readonly (readonly [string, string, RegExp])[] = [
  ['wrong type', 'jaeger:\n  collector:\n    replicas: "3"\n', /: jaeger\.collector\.replicas: "3" is a string; allowed: a number$/m],
  [
    'sampling 150',
    'istio:\n  randomSamplingPercentage: 150\n',
    /: istio\.randomSamplingPercentage: 150 is too large; allowed: at most 100$/m,
  ],
  ['unknown topology', 'jaeger:\n  topology: mesh\n', /: jaeger\.topology: "mesh" is not allowed; allowed: "allInOne", "split"$/m],
  ['empty namespace', 'namespaces:\n  bookinfo: ""\n', /: namespaces\.bookinfo: "" must not be empty; allowed: an RFC 1123 label/m],
  [
    'bad image ref',
    'jaeger:\n  image: "jaegertracing/jaeger:2.20.0:extra"\n',
    /: jaeger\.image: "jaegertracing\/jaeger:2\.20\.0:extra" is not an image reference; allowed: \[registry\/\]name:tag/m,
  ],
  [
    'latest image',
    'jaeger:\n  storage:\n    type: remoteStorage\n    image: jaegertracing/jaeger-remote-storage:latest\n',
    /: jaeger\.storage\.image: ".*:latest" uses the moving tag "latest"; allowed: a pinned version tag/m,
  ],
  [
    'typo in a field',
    'istio:\n  randomSamplingPercentag: 50\n',
    /: istio\.randomSamplingPercentag: 50 is not a known field \(did you mean "randomSamplingPercentage"\?\); allowed fields: /m,
  ],
  [
    'unknown storage type',
    'jaeger:\n  storage:\n    type: badger\n',
    /: jaeger\.storage\.type: "badger" is not allowed; allowed: "memory", "remoteStorage"/m,
  ],
  [
    'memory store behind split',
    'jaeger:\n  storage:\n    type: memory\n',
    /: jaeger\.storage\.type: "memory" cannot be shared by separate collector and query Deployments/m,
  ],
  [
    'credentials in a span tag',
    'istio:\n  customTags:\n    auth:\n      header:\n        name: Cookie\n',
    /: istio\.customTags\.auth\.header\.name: "Cookie" would copy credentials into every span/m,
  ],
  ['unknown profile', 'profile: prod\n', /: profile: "prod" is not a profile; allowed: "lab", "ci", "production"$/m],
  ['broken YAML', 'bookinfo:\n  reviewsVersions: [v1, v2\n', /: line \d+, column \d+: .* is not valid YAML/m],
];

describe('synth CLI with bad configs', () => {
  let root: string;
  let dist: string;
  let snapshot: Map<string, { bytes: string; mtimeMs: number }>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-badcfg-'));
    const original = join(root, 'synthesized');
    await synthesize({ profile: 'lab', outdir: original });
    dist = join(root, 'dist');
    cpSync(original, dist, { recursive: true, preserveTimestamps: true });
    writeFileSync(join(dist, 'users-own.yaml'), USER_FILE);
    snapshot = new Map();
    for (const f of await listFiles(dist))
      snapshot.set(f, { bytes: readFileSync(join(dist, f), 'latin1'), mtimeMs: statSync(join(dist, f)).mtimeMs });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // First, right after the copy is made: a good synth over it rewrites nothing.
  test('a good synth over the copy first keeps the user file, rewrites nothing, and check exits 0', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'synth', '--outdir', dist], { cwd: REPO_ROOT });
    expect(stdout).toMatch(/0 written, \d+ unchanged, 0 removed/);
    expect(readFileSync(join(dist, 'users-own.yaml'), 'utf8')).toBe(USER_FILE);
    const check = await run(process.execPath, [BIN, 'check', dist], { cwd: REPO_ROOT }).then(
      () => 0,
      (e) => e.code as number,
    );
    expect(check).toBe(0);
  }, 120_000);

  test(`${BAD_CONFIGS.length} distinct bad configs: exit 1, a clear line each, dist byte-identical`, async () => {
    const outcomes: { name: string; code: number; stderr: string }[] = [];
    // Two at a time: the machine has 2 cores shared with the team.
    for (let i = 0; i < BAD_CONFIGS.length; i += 2) {
      await Promise.all(
        BAD_CONFIGS.slice(i, i + 2).map(async ([name, yaml]) => {
          const file = join(root, `${name.replace(/\W+/g, '-')}.yaml`);
          writeFileSync(file, yaml);
          try {
            await run(process.execPath, [BIN, 'synth', '--config', file, '--outdir', dist], { cwd: REPO_ROOT });
            outcomes.push({ name, code: 0, stderr: '' });
          } catch (err) {
            const e = err as { code: number; stderr: string };
            outcomes.push({ name, code: e.code, stderr: e.stderr });
          }
        }),
      );
    }
    for (const [name, , expected] of BAD_CONFIGS) {
      const outcome = outcomes.find((o) => o.name === name)!;
      expect({ name, code: outcome.code }).toEqual({ name, code: 1 });
      expect(outcome.stderr).toMatch(expected);
      // Every problem line names the file it came from, and the run says nothing was written.
      expect(outcome.stderr).toMatch(/nothing was written/);
      expect(outcome.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack traces
    }
    // THEN dist is exactly as it was: same files, same bytes, untouched mtimes.
    const after = await listFiles(dist);
    expect(after).toEqual([...snapshot.keys()]);
    for (const f of after) {
      expect([f, readFileSync(join(dist, f), 'latin1')]).toEqual([f, snapshot.get(f)!.bytes]);
      expect([f, statSync(join(dist, f)).mtimeMs]).toEqual([f, snapshot.get(f)!.mtimeMs]);
    }
  }, 400_000);

  test('a missing config file exits 2 (could not check) and writes nothing', async () => {
    const err = await run(process.execPath, [BIN, 'synth', '--config', join(root, 'absent.yaml'), '--outdir', dist], {
      cwd: REPO_ROOT,
    }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--config: ".*absent\.yaml" cannot be read \(ENOENT\)/);
    expect(await listFiles(dist)).toEqual([...snapshot.keys()]);
  }, 120_000);
});
