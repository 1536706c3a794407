/**
 * SIGKILL at random points of a real write in a real child process. Before the commit point the
 * folder must be exactly the old tree (the stage is hidden, the next run deletes it); inside the
 * commit window the journal says `committed` and the next run completes the write. After that next
 * run, every file's sha256 equals the old tree or the new one — which one is asserted per case.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { recoverOutput, synthesize, writeOutput } from '../../src/stack/index';
import { BIN, runCliProcess } from '../support/run-cli-process';
import { mulberry32 } from '../support/seeded-random';
import { snapshotTree, type TreeSnapshot } from '../support/tree-snapshot';
import { oldTree } from './fixtures/writer-trees';

const CHILD = join(REPO_ROOT, 'test', 'stack', 'fixtures', 'writer-child.ts');
const N = 240; // files in the tree: enough that a kill lands mid-write
const SIZE = 40;
const isControl = (name: string) => name.startsWith('.meshtrace-stage-') || name.startsWith('.dist.meshtrace-journal');

interface ChildRun {
  readonly lines: string[];
  readonly killed: boolean;
}

/** Runs the writer child; SIGKILLs it once it has announced `killAt` filesystem calls (never, if undefined). */
function runChild(outdir: string, killAt?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, outdir, String(N), String(SIZE)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let partial = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      if (!killed && killAt !== undefined && lines.length >= killAt) {
        killed = child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!killed && code !== 0) reject(new Error(`writer child ended with ${code ?? signal}`));
      else resolve({ lines, killed: killed && signal === 'SIGKILL' });
    });
  });
}

const journalState = (base: string) => {
  const path = join(base, '.dist.meshtrace-journal');
  if (!existsSync(path)) return 'none';
  return (JSON.parse(readFileSync(path, 'utf8') || '{}') as { state?: string }).state ?? 'unreadable';
};

describe('SIGKILL during a real write (child process)', () => {
  let root: string;
  let OLD: TreeSnapshot;
  let NEW: TreeSnapshot;
  let ops: string[];
  let commitAt: number;

  const oldDist = async (name: string) => {
    const base = join(root, name);
    mkdirSync(base);
    await writeOutput(join(base, 'dist'), oldTree(N, SIZE));
    writeFileSync(join(base, 'dist', 'mine.yaml'), 'kind: ConfigMap # mine\n');
    return base;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-kill-'));
    const base = await oldDist('reference');
    OLD = snapshotTree(base);
    const run = await runChild(join(base, 'dist'));
    expect(run.lines[run.lines.length - 1]).toBe('done');
    NEW = snapshotTree(base);
    ops = run.lines.slice(0, -1);
    // The commit point: the second rename of the temp journal (the first lists the stage folders).
    const journalRenames = ops.map((l, i) => [l, i] as const).filter(([l]) => / rename .*\.dist\.meshtrace-journal\.tmp$/.test(l));
    expect(journalRenames).toHaveLength(2);
    commitAt = journalRenames[1]![1] + 1;
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the trees and the op log are what the test needs', () => {
    expect(Object.keys(OLD).length).toBeGreaterThan(N);
    expect(NEW).not.toEqual(OLD);
    expect(commitAt).toBeGreaterThan(N); // staging writes every changed file first
    expect(ops.length - commitAt).toBeGreaterThan(N / 2); // a commit window with many renames in it
  });

  test('12 kills at seeded random points: old tree before the commit point, new tree after the next run once committed', async () => {
    const random = mulberry32(0x5eed15);
    const seen = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      // Half the kills before the commit point, half after it (uniform within each).
      const killAt = i % 2 === 0 ? 1 + Math.floor(random() * commitAt) : commitAt + 1 + Math.floor(random() * (ops.length - commitAt));
      const base = await oldDist(`kill-${i}`);
      const run = await runChild(join(base, 'dist'), killAt);
      const state = run.killed ? journalState(base) : 'finished';
      const label = `kill ${i} after ${run.lines.length} calls (asked ${killAt}), journal ${state}`;
      if (state === 'staging' || state === 'unreadable') {
        // Before the commit point: the visible tree is the old one already; only hidden control entries differ.
        expect([label, snapshotTree(base, isControl)]).toEqual([label, OLD]);
      }
      // WHEN the next run comes
      const recovery = await recoverOutput(join(base, 'dist'));
      // THEN exactly one tree, nothing stray
      const expected = state === 'committed' || state === 'finished' ? NEW : state === 'none' ? (run.lines.length > commitAt ? NEW : OLD) : OLD;
      expect([label, snapshotTree(base)]).toEqual([label, expected]);
      if (state === 'committed') expect([label, recovery?.action]).toEqual([label, expect.stringMatching(/^(completed|cleaned)$/)]);
      if (state === 'staging') expect([label, recovery?.action]).toEqual([label, expect.stringMatching(/^(discarded|cleaned)$/)]);
      seen.set(state, (seen.get(state) ?? 0) + 1);
      rmSync(base, { recursive: true, force: true });
    }
    // Both windows were really hit.
    expect(seen.get('staging')).toBeGreaterThan(0);
    expect(seen.get('committed')).toBeGreaterThan(0);
  }, 300_000);
});

describe('SIGKILL of the real CLI (`meshtrace synth --profile ci` over a lab dist/)', () => {
  let root: string;
  let LAB: TreeSnapshot;
  let CI: TreeSnapshot;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-killcli-'));
    await synthesize({ profile: 'ci', outdir: join(root, 'ci', 'dist') });
    CI = snapshotTree(join(root, 'ci'));
    await synthesize({ profile: 'lab', outdir: join(root, 'lab', 'dist') });
    LAB = snapshotTree(join(root, 'lab'));
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Runs the CLI, handing the child to `onStart` (which kills it); resolves on its exit. */
  const runKillable = (args: string[], onStart: (child: ReturnType<typeof spawn>) => void) =>
    new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: 'ignore' });
      child.on('exit', (code, signal) => resolve({ code, signal }));
      onStart(child);
    });

  test.each([
    ['its stage folder appears in dist/ (before the commit point)', /^\.meshtrace-stage-/, 'before'],
    ['the first manifest is renamed into dist/ (inside the commit window)', /^\d{4}-.*\.k8s\.yaml$/, 'after'],
  ])('killed when %s: after the next run (`meshtrace check`), exactly the lab tree or the ci tree', async (_when, trigger, window) => {
    // GIVEN a lab dist/
    const base = join(root, `run-${window}`);
    await synthesize({ profile: 'lab', outdir: join(base, 'dist') });
    expect(snapshotTree(base)).toEqual(LAB);
    expect(CI).not.toEqual(LAB);
    // WHEN synth --profile ci is SIGKILLed the moment the watched entry shows up (inotify, no sleeps)
    const watcher = watch(join(base, 'dist'));
    const synth = await runKillable(['synth', '--profile', 'ci', '--outdir', join(base, 'dist')], (child) => {
      watcher.on('change', (_event, name) => {
        if (trigger.test(String(name))) child.kill('SIGKILL');
      });
    });
    watcher.close();
    // THEN the next run completes or discards what the kill left
    const check = await runCliProcess(['check', join(base, 'dist')]);
    expect(check.code).toBe(0);
    const after = snapshotTree(base);
    if (window === 'after') {
      // Killed after the commit point (or it had finished): the new tree, completed by check if needed.
      expect(after).toEqual(CI);
      if (synth.signal === 'SIGKILL' && /completed an interrupted write/.test(check.stderr)) expect(check.stderr).toMatch(/meshtrace check: completed an interrupted write from \d{4}-\d\d-\d\dT/);
    } else {
      expect(synth.signal === 'SIGKILL' ? [LAB, CI] : [CI]).toContainEqual(after);
      if (/it had not changed/.test(check.stderr)) expect(after).toEqual(LAB);
    }
    expect(synth.signal === null ? synth.code : 'killed').toEqual(synth.signal === null ? 0 : 'killed');
  }, 180_000);
});
