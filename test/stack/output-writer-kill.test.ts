/**
 * SIGKILL at seeded random points of a real write in a real child process — a writer child (its
 * filesystem calls counted) and the real `meshtrace synth` CLI (killed at an exact call by a preloaded
 * hook). BEFORE anything recovers, `dist/` must be exactly the old tree or the new one, sha256 for
 * sha256 (or absent, for the instant between the two renames of the swap, with the complete new tree
 * staged beside it, which the next run renames in). After the next run: exactly one tree, nothing stray.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { recoverOutput, writeOutput } from '../../src/stack/index';
import { bundleForChild, type ChildBundle } from '../support/child-bundle';
import { BIN, runCliProcess } from '../support/run-cli-process';
import { mulberry32 } from '../support/seeded-random';
import { snapshotTree, type TreeSnapshot } from '../support/tree-snapshot';
import { oldTree } from './fixtures/writer-trees';

let child: ChildBundle; // test/stack/fixtures/writer-child.ts, bundled once: 33 starts
beforeAll(() => {
  child = bundleForChild(join(REPO_ROOT, 'test', 'stack', 'fixtures', 'writer-child.ts'));
});
afterAll(() => child.remove());
const N = 240; // files in the tree: enough that a kill lands mid-write
const SIZE = 40;

type DistState = 'old' | 'new' | 'between the two renames' | `mix${string}`;

const same = (a: TreeSnapshot, b: TreeSnapshot) => JSON.stringify(a) === JSON.stringify(b);
const whichTree = (now: TreeSnapshot, OLD: TreeSnapshot, NEW: TreeSnapshot) =>
  same(now, OLD) ? 'old' : same(now, NEW) ? 'new' : describeMix(now, OLD, NEW);

/** Says how `now` mixes the two trees, for the failure message. */
function describeMix(now: TreeSnapshot, OLD: TreeSnapshot, NEW: TreeSnapshot): `mix${string}` {
  const paths = Object.keys(now);
  const neither = paths.filter((p) => now[p] !== OLD[p] && now[p] !== NEW[p]);
  const onlyOld = paths.filter((p) => now[p] === OLD[p] && now[p] !== NEW[p]).length;
  const onlyNew = paths.filter((p) => now[p] === NEW[p] && now[p] !== OLD[p]).length;
  const missing = [...new Set([...Object.keys(OLD), ...Object.keys(NEW)])].filter((p) => !(p in now)).length;
  return `mix: ${onlyOld} file(s) as only the old tree has them, ${onlyNew} as only the new, ${missing} missing, ${neither.length} in neither (${neither.slice(0, 2).join(', ')})`;
}

/** What `base/dist` is right now, by sha256 of every file in it (control entries included): `old`, `new`, or neither. */
function classify(base: string, OLD: TreeSnapshot, NEW: TreeSnapshot): DistState {
  const dist = join(base, 'dist');
  if (!existsSync(dist)) {
    // The one instant that is neither tree: dist/ renamed away, the complete stage not renamed in yet.
    const ready = readdirSync(base).filter((n) => n.startsWith('.dist.meshtrace-ready-'));
    return ready.length === 1 && same(snapshotTree(join(base, ready[0]!)), NEW)
      ? 'between the two renames'
      : `mix: no dist/, beside it ${readdirSync(base).join(', ')}`;
  }
  return whichTree(snapshotTree(dist), OLD, NEW);
}

const under = (prefix: string, tree: TreeSnapshot) => Object.fromEntries(Object.entries(tree).map(([p, h]) => [`${prefix}/${p}`, h]));

/** Calls that change something: where a commit window is. */
const changingCalls = (calls: readonly string[]) =>
  calls.filter((l) => /^\d+ (rename|rm|rmdir|unlink) /.test(l)).map((l) => Number(l.split(' ')[0]));

interface ChildRun {
  readonly lines: string[];
  readonly killed: boolean;
}

/** Runs the writer child; SIGKILLs it once it has announced `killAt` filesystem calls (never, if undefined). */
function runChild(outdir: string, killAt?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const writer = spawn(process.execPath, [child.path, outdir, String(N), String(SIZE)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    let partial = '';
    let killed = false;
    writer.stdout.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      if (!killed && killAt !== undefined && lines.length >= killAt) {
        killed = writer.kill('SIGKILL');
      }
    });
    writer.on('error', reject);
    writer.on('exit', (code, signal) => {
      if (!killed && code !== 0) reject(new Error(`writer child ended with ${code ?? signal}`));
      else resolve({ lines, killed: killed && signal === 'SIGKILL' });
    });
  });
}

describe('SIGKILL during a real write (writer child, killed by the parent as it announces call k)', () => {
  let root: string;
  let OLD: TreeSnapshot;
  let NEW: TreeSnapshot;
  let ops: string[];

  const oldDist = async (name: string) => {
    const base = join(root, name);
    mkdirSync(base);
    await writeOutput(join(base, 'dist'), oldTree(N, SIZE));
    writeFileSync(join(base, 'dist', 'mine.yaml'), 'kind: ConfigMap # mine\n');
    return base;
  };

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-kill-')));
    const base = await oldDist('reference');
    OLD = snapshotTree(join(base, 'dist'));
    const run = await runChild(join(base, 'dist'));
    expect(run.lines[run.lines.length - 1]).toBe('done');
    NEW = snapshotTree(join(base, 'dist'));
    ops = run.lines.slice(0, -1);
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the trees and the op log are what the test needs', () => {
    expect(Object.keys(OLD).length).toBeGreaterThan(N);
    expect(NEW).not.toEqual(OLD);
    expect(NEW['mine.yaml']).toBe(OLD['mine.yaml']);
    expect(ops.length).toBeGreaterThan(N); // staging writes every changed file first
    expect(changingCalls(ops).length).toBeGreaterThan(0);
  });

  test('16 kills at seeded random points: before any recovery dist/ is the old tree or the new one; after the next run exactly the new one, nothing stray', async () => {
    const random = mulberry32(0x5eed15);
    const changing = changingCalls(ops);
    const seen = new Map<DistState, number>();
    const mixes: string[] = [];
    for (let i = 0; i < 16; i++) {
      // Half the kills anywhere, half among the calls that change something.
      const killAt = i % 2 === 0 ? 1 + Math.floor(random() * ops.length) : changing[Math.floor(random() * changing.length)]!;
      const base = await oldDist(`kill-${i}`);
      const run = await runChild(join(base, 'dist'), killAt);
      const label = `kill ${i} after ${run.lines.length} calls (asked ${killAt}: ${ops[killAt - 1]})`;
      // THEN, before anything recovers: one tree or the other, file for file
      const state = run.killed ? classify(base, OLD, NEW) : 'new';
      seen.set(state, (seen.get(state) ?? 0) + 1);
      if (state.startsWith('mix')) mixes.push(`${label}: ${state}`);
      // WHEN recovery runs (what every synth and check does first): one whole tree, nothing beside it
      await recoverOutput(join(base, 'dist'));
      expect([label, whichTree(snapshotTree(base), under('dist', OLD), under('dist', NEW))]).toEqual([
        label,
        expect.stringMatching(/^(old|new)$/),
      ]);
      // AND the next write: exactly the new tree, nothing stray beside it
      expect((await runChild(join(base, 'dist'))).lines.at(-1)).toBe('done');
      expect([label, snapshotTree(base)]).toEqual([label, under('dist', NEW)]);
      expect([label, readdirSync(base)]).toEqual([label, ['dist']]);
      rmSync(base, { recursive: true, force: true });
    }
    // Every kill left one tree or the other (listed all at once, so a failure shows how often it mixed)
    expect(mixes).toEqual([]);
    expect([...seen.keys()]).toEqual(expect.arrayContaining(['old', 'new']));
  }, 600_000);
});

describe('SIGKILL of the real CLI at seeded random filesystem calls (`meshtrace synth --profile production` over a lab dist/)', () => {
  const HOOK = join(REPO_ROOT, 'test', 'support', 'fs-call-hook.mjs');
  let root: string;
  let LAB: TreeSnapshot;
  let PROD: TreeSnapshot;
  let calls: string[];

  /** A copy of a lab dist/ the real CLI wrote, plus a file of the user's own that every write must keep. */
  const labDist = (name: string) => {
    const base = join(root, name);
    mkdirSync(base);
    cpSync(join(root, 'template', 'dist'), join(base, 'dist'), { recursive: true });
    return base;
  };

  /** `meshtrace synth --profile production` with the fs-call hook: logs its calls under `base`, or SIGKILLs itself before call `killAt`. */
  const hookedSynth = (base: string, killAt = 0) =>
    new Promise<{ code: number | null; signal: string | null; calls: string[] }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', HOOK, BIN, 'synth', '--profile', 'production', '--outdir', join(base, 'dist')], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
        env: { ...process.env, MESHTRACE_FS_HOOK_UNDER: base, MESHTRACE_FS_HOOK_KILL_AT: String(killAt), MESHTRACE_FS_HOOK_FD: '3' },
      });
      let log = '';
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (log += d.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, calls: log.split('\n').filter(Boolean) }));
    });

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-killcli-')));
    const lab = await runCliProcess(['synth', '--profile', 'lab', '--outdir', join(root, 'template', 'dist')]);
    expect(lab.code).toBe(0);
    writeFileSync(join(root, 'template', 'dist', 'notes.txt'), 'my notes: not a manifest, so `check` reads past it\n');
    const reference = labDist('reference');
    LAB = snapshotTree(join(reference, 'dist'));
    const run = await hookedSynth(reference);
    expect(run.code).toBe(0);
    PROD = snapshotTree(join(reference, 'dist'));
    calls = run.calls;
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the reference run changes dist/ and logs the calls the kills are aimed at', () => {
    expect(PROD).not.toEqual(LAB);
    expect(PROD['notes.txt']).toBe(LAB['notes.txt']);
    expect(Object.keys(LAB).filter((p) => !(p in PROD)).length).toBeGreaterThan(0); // stale files removed too
    expect(calls.length).toBeGreaterThan(20);
  });

  test('killed at 16 seeded random calls: BEFORE any recovery dist/ is exactly the lab tree or the production tree; the next run leaves exactly the production tree, nothing stray', async () => {
    const random = mulberry32(0x15);
    // Half the kills anywhere, half among the calls that change something (where a commit window is).
    const changing = changingCalls(calls);
    const points = Array.from({ length: 16 }, (_, i) =>
      i % 2 === 0 ? 1 + Math.floor(random() * calls.length) : changing[Math.floor(random() * changing.length)]!,
    );
    const seen = new Map<DistState, number>();
    const mixes: string[] = [];
    for (const [i, killAt] of points.entries()) {
      const base = labDist(`kill-${i}`);
      const killed = await hookedSynth(base, killAt);
      expect([killAt, killed.signal]).toEqual([killAt, 'SIGKILL']);
      const label = `kill ${i} before call ${calls[killAt - 1]}`;
      // THEN, before anything recovers: one tree or the other, file for file
      const state = classify(base, LAB, PROD);
      seen.set(state, (seen.get(state) ?? 0) + 1);
      if (state.startsWith('mix')) mixes.push(`${label}: ${state}`);
      // WHEN the next run comes: `meshtrace check` on every other kill (it recovers first), then synth again
      let said = '';
      if (i % 4 === 1) {
        const check = await runCliProcess(['check', join(base, 'dist')]);
        said = check.stderr;
        expect([label, check.code]).toEqual([label, 0]);
        expect([label, whichTree(snapshotTree(base), under('dist', LAB), under('dist', PROD))]).toEqual([
          label,
          expect.stringMatching(/^(old|new)$/),
        ]);
      }
      const next = await runCliProcess(['synth', '--profile', 'production', '--outdir', join(base, 'dist')]);
      expect([label, next.code]).toEqual([label, 0]);
      said += next.stderr;
      // AND the run that finished the swap says so
      if (state === 'between the two renames')
        expect([label, said]).toEqual([
          label,
          expect.stringMatching(/meshtrace (check|synth): completed an interrupted write from \d{4}-\d\d-\d\dT.* \(pid \d+\) in /),
        ]);
      // THEN exactly the production tree, and nothing beside it
      expect([label, snapshotTree(base)]).toEqual([label, under('dist', PROD)]);
      expect([label, readdirSync(base)]).toEqual([label, ['dist']]);
      rmSync(base, { recursive: true, force: true });
    }
    // Every kill left one tree or the other (listed all at once, so a failure shows how often it mixed)
    expect(mixes).toEqual([]);
    // The kills hit before, after, and between the swap's two renames
    expect([...seen.keys()]).toEqual(expect.arrayContaining(['old', 'new', 'between the two renames']));
  }, 600_000);
});
