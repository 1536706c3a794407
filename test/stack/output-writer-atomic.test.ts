/**
 * The writer is all or nothing: a failure at ANY step of a write leaves exactly the old tree or
 * exactly the new one (compared by sha256 of every file, strays included), and the message says which.
 * Every filesystem call of a write is failed in turn, once (a transient error: the rollback runs) and
 * from that step on (the rollback fails too: the next run's recovery must finish the job) — for both
 * protocols: the swap (a plain dist/) and the per-file journal (dist/install a symlink synth writes through).
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputWriteError, recoverOutput, writeOutput, type WriteReport } from '../../src/stack/output-writer';
import { nodeWriterFs } from '../../src/stack/writer-fs';
import { failAt, instrumentedFs } from '../support/faulty-fs';
import { snapshotTree, type TreeSnapshot } from '../support/tree-snapshot';
import { newTree, oldTree } from './fixtures/writer-trees';

const USER_FILES: Record<string, string> = { 'mine.yaml': 'kind: ConfigMap # mine\n', 'install/notes.txt': 'my notes\n' };

/** What the next run must leave after a failed write, read from the error's message alone. */
/** `root/name/dist` = the old tree (written by synth) plus the user's own files; returns `root/name`. */
async function writeOldDist(root: string, name: string): Promise<string> {
  const base = join(root, name);
  mkdirSync(base);
  await writeOutput(join(base, 'dist'), oldTree());
  for (const [p, content] of Object.entries(USER_FILES)) writeFileSync(join(base, 'dist', p), content);
  return base;
}

function expectedAfterNextRun(error: OutputWriteError): 'old' | 'new' {
  if (error.state !== 'pending recovery') return 'old';
  return /completes the write/.test(error.message) ? 'new' : 'old';
}

describe.each([
  ['swap', false],
  ['per file', true],
] as const)('writeOutput under injected failures (%s protocol)', (protocol, symlinkedInstall) => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-atomic-')));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** The old dist/; for the per-file protocol dist/install is a symlink to base/install-real (same filesystem). */
  async function oldDist(name: string): Promise<string> {
    const base = await writeOldDist(root, name);
    if (symlinkedInstall) {
      cpSync(join(base, 'dist', 'install'), join(base, 'install-real'), { recursive: true });
      rmSync(join(base, 'dist', 'install'), { recursive: true });
      symlinkSync(join(base, 'install-real'), join(base, 'dist', 'install'));
    }
    return base;
  }
  /** Everything under base but its dist/ (and the folder dist/install links to): nothing stray may be there. */
  const strays = (base: string) => readdirSync(base).filter((n) => n !== 'dist' && n !== 'install-real');

  let OLD: TreeSnapshot;
  let NEW: TreeSnapshot;
  let steps: { name: string; args: readonly unknown[] }[];
  let reference: WriteReport;
  beforeAll(async () => {
    const base = await oldDist('reference');
    OLD = snapshotTree(base);
    steps = [];
    reference = await writeOutput(join(base, 'dist'), newTree(), {
      fs: instrumentedFs(nodeWriterFs, (_n, name, args) => steps.push({ name, args })),
    });
    NEW = snapshotTree(base);
  });

  test('the reference trees differ in every way a write can change a folder, and the report names the protocol', () => {
    expect(Object.keys(OLD)).toContain('dist/stale/deep/gone.yaml');
    expect(Object.keys(NEW)).not.toContain('dist/stale/deep/gone.yaml');
    expect(Object.keys(NEW)).toContain('dist/added/sub/fresh.yaml');
    expect(NEW['dist/0000-chart.k8s.yaml']).toBe(OLD['dist/0000-chart.k8s.yaml']);
    expect(NEW['dist/0001-chart.k8s.yaml']).not.toBe(OLD['dist/0001-chart.k8s.yaml']);
    expect(NEW['dist/mine.yaml']).toBe(OLD['dist/mine.yaml']);
    expect(NEW['dist/install/notes.txt']).toBe(OLD['dist/install/notes.txt']);
    expect(reference.protocol).toBe(protocol);
    const renames = steps.filter((s) => s.name === 'rename');
    if (protocol === 'swap') {
      // Exactly: stage complete (next → ready), dist → old, ready → dist.
      expect(
        renames.map((r) =>
          [String(r.args[0]), String(r.args[1])].map((p) => p.replace(/.*\//, '').replace(/-\d+-[0-9a-z]+-[0-9a-f]{8}$/, '-ID')),
        ),
      ).toEqual([
        ['.dist.meshtrace-next-ID', '.dist.meshtrace-ready-ID'],
        ['dist', '.dist.meshtrace-old-ID'],
        ['.dist.meshtrace-ready-ID', 'dist'],
      ]);
      expect(reference.perFileReason).toBeUndefined();
    } else {
      expect(renames.length).toBeGreaterThan(8); // one per file, each within one folder
      expect(reference.perFileReason).toMatch(/dist\/install is a symlink synth writes through/);
    }
  });

  test('a transient failure at every step k: the old tree exactly (rolled back) or the new one, and the message says which', async () => {
    const outcomes = new Map<string, number>();
    for (let k = 1; k <= steps.length; k++) {
      const base = await oldDist(`once-${k}`);
      let report: WriteReport | undefined;
      let error: unknown;
      try {
        report = await writeOutput(join(base, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, failAt(k)) });
      } catch (err) {
        error = err;
      }
      const step = `step ${k} (${steps[k - 1]!.name} ${String(steps[k - 1]!.args[0])})`;
      if (error === undefined) {
        // A failure while cleaning up after the swap: the new tree is in place, the leftovers are reported …
        if (report!.warnings.length > 0) {
          expect([step, report!.warnings.join()]).toEqual([step, expect.stringMatching(/the next run removes/)]);
          await recoverOutput(join(base, 'dist')); // … and the next run removes them
        }
        expect([step, snapshotTree(base)]).toEqual([step, NEW]);
        outcomes.set('new', (outcomes.get('new') ?? 0) + 1);
      } else {
        expect(error).toBeInstanceOf(OutputWriteError);
        const e = error as OutputWriteError;
        expect([step, e.message]).toEqual([step, expect.stringMatching(/injected failure/)]);
        expect([step, e.message]).toEqual([
          step,
          expect.stringMatching(e.state === 'rolled back' ? /rolled back: .*dist is as it was/ : /nothing (there )?was changed/),
        ]);
        if (/the next run removes/.test(e.message)) await recoverOutput(join(base, 'dist'));
        expect([step, snapshotTree(base)]).toEqual([step, OLD]);
        outcomes.set(e.state, (outcomes.get(e.state) ?? 0) + 1);
      }
      expect([step, strays(base)]).toEqual([step, []]);
      rmSync(base, { recursive: true, force: true });
    }
    // Failures hit every phase: before the commit point, during the swap, and in the clean-up.
    expect(Object.fromEntries(outcomes)).toEqual({
      unchanged: expect.any(Number),
      'rolled back': expect.any(Number),
      new: expect.any(Number),
    });
  }, 120_000);

  test('failing from step k on (the rollback fails too): the message says what the next run leaves, and it does', async () => {
    const cases = new Map<string, number>();
    for (let k = 1; k <= steps.length; k++) {
      const base = await oldDist(`from-${k}`);
      let error: OutputWriteError | undefined;
      await writeOutput(join(base, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, failAt(k, true)) }).catch((err) => (error = err));
      const step = `step ${k} (${steps[k - 1]!.name} ${String(steps[k - 1]!.args[0])})`;
      if (error?.state === 'pending recovery') {
        const says =
          protocol === 'swap'
            ? /is missing until the next `meshtrace synth` \(or `meshtrace check`\) completes the write: it renames the complete new tree .*meshtrace-ready-/
            : /until the next `meshtrace synth` \(or `meshtrace check`\) (finishes the rollback|completes the write) from the journal/;
        expect([step, error.message]).toEqual([step, expect.stringMatching(says)]);
      }
      // WHEN the next run comes (no failures now)
      await recoverOutput(join(base, 'dist'));
      // THEN the tree the message promised, nothing stray
      const expected = error === undefined ? 'new' : expectedAfterNextRun(error);
      expect([step, snapshotTree(base)]).toEqual([step, expected === 'new' ? NEW : OLD]);
      expect([step, strays(base)]).toEqual([step, []]);
      const key = error?.state ?? 'new';
      cases.set(key, (cases.get(key) ?? 0) + 1);
      rmSync(base, { recursive: true, force: true });
    }
    expect([...cases.keys()]).toEqual(expect.arrayContaining(['unchanged', 'pending recovery']));
  }, 120_000);

  // The journal's rolling-back state belongs to the per-file protocol only (a swap rolls back with one rename).
  if (protocol === 'per file')
    test('a swap step fails, then the rollback fails after the journal says rolling-back: the next run finishes the rollback (old tree)', async () => {
      const commit =
        steps
          .map((s, i) => [s, i] as const)
          .filter(([s]) => s.name === 'rename' && String(s.args[0]).endsWith('.meshtrace-journal.tmp'))[1]![1] + 1;
      let rolledBackByNextRun = 0;
      for (let k = commit + 1; k <= steps.length; k++) {
        const base = await oldDist(`rollback-${k}`);
        // Step k fails; the journal rewrite (2 calls) succeeds; everything after it fails.
        const fs = instrumentedFs(nodeWriterFs, (n, name) => {
          if (n === k || n > k + 2) throw Object.assign(new Error(`EIO: injected failure at step ${n} (${name})`), { code: 'EIO' });
        });
        const result = await writeOutput(join(base, 'dist'), newTree(), { fs }).then(
          (r) => r,
          (err: unknown) => err,
        );
        const journal = join(base, '.dist.meshtrace-journal');
        const state = existsSync(journal) ? (JSON.parse(readFileSync(journal, 'utf8')) as { state: string }).state : 'none';
        const recovery = await recoverOutput(join(base, 'dist'));
        if (state === 'rolling-back') {
          expect([k, (result as OutputWriteError).message]).toEqual([k, expect.stringMatching(/finishes the rollback from the journal/)]);
          expect([k, recovery?.action]).toEqual([k, 'rolled back']);
          expect([k, snapshotTree(base)]).toEqual([k, OLD]);
          rolledBackByNextRun++;
        } else {
          expect([k, snapshotTree(base)]).toEqual([k, result instanceof Error ? OLD : NEW]);
        }
        rmSync(base, { recursive: true, force: true });
      }
      expect(rolledBackByNextRun).toBeGreaterThan(5);
    }, 120_000);
});

describe('writeOutput with dist/install on another filesystem (per-file protocol)', () => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-exdev-')));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const oldDist = (name: string) => writeOldDist(root, name);
  let OLD: TreeSnapshot;
  let NEW: TreeSnapshot;
  beforeAll(async () => {
    const base = await oldDist('reference');
    OLD = snapshotTree(base);
    await writeOutput(join(base, 'dist'), newTree());
    NEW = snapshotTree(base);
  });

  /** Moves dist/install to `target` (on another filesystem) and leaves a symlink to it, as a user might. */
  function symlinkInstall(base: string, target: string): void {
    const install = join(base, 'dist', 'install');
    mkdirSync(target);
    for (const f of readdirSync(install)) writeFileSync(join(target, f), readFileSync(join(install, f)));
    rmSync(install, { recursive: true });
    symlinkSync(target, install);
  }

  test('dist/install a symlink to another filesystem (tmpfs): no rename crosses it (no EXDEV), the link stays, the files behind it change', async () => {
    const shm = mkdtempSync(join('/dev/shm', 'meshtrace-exdev-'));
    try {
      // GIVEN /dev/shm is another filesystem: a rename from the test folder to it is EXDEV
      expect(statSync(shm).dev).not.toBe(statSync(root).dev);
      writeFileSync(join(root, 'probe'), 'x');
      expect(() => renameSync(join(root, 'probe'), join(shm, 'probe'))).toThrow(/EXDEV/);
      const base = await oldDist('exdev');
      symlinkInstall(base, join(shm, 'install'));
      expect(snapshotTree(base)).toEqual(OLD);
      // WHEN
      const report = await writeOutput(join(base, 'dist'), newTree());
      // THEN
      expect(report.written).toContain('install/values-0.yaml');
      expect([report.protocol, report.perFileReason]).toEqual([
        'per file',
        expect.stringMatching(/dist\/install is a symlink synth writes through/),
      ]);
      expect(lstatSync(join(base, 'dist', 'install')).isSymbolicLink()).toBe(true);
      expect(snapshotTree(base)).toEqual(NEW);
      expect(readdirSync(join(shm, 'install')).filter((n) => n.startsWith('.meshtrace'))).toEqual([]);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });

  test('and a failure at every step with dist/install on tmpfs: old or new, never a mix', async () => {
    const shm = mkdtempSync(join('/dev/shm', 'meshtrace-exdev-k-'));
    try {
      const reference = await oldDist('exdev-count');
      symlinkInstall(reference, join(shm, 'count'));
      let total = 0;
      await writeOutput(join(reference, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, () => total++) });
      expect(total).toBeGreaterThan(40);
      for (let k = 1; k <= total; k++) {
        const base = await oldDist(`exdev-${k}`);
        symlinkInstall(base, join(shm, `install-${k}`));
        const result = await writeOutput(join(base, 'dist'), newTree(), { fs: instrumentedFs(nodeWriterFs, failAt(k)) }).then(
          (r) => r,
          (err: unknown) => err,
        );
        if (result instanceof Error) expect([k, result]).toEqual([k, expect.any(OutputWriteError)]);
        await recoverOutput(join(base, 'dist'));
        expect([k, snapshotTree(base)]).toEqual([k, result instanceof OutputWriteError ? OLD : NEW]);
        expect([k, readdirSync(join(shm, `install-${k}`)).filter((n) => n.startsWith('.meshtrace'))]).toEqual([k, []]);
        rmSync(base, { recursive: true, force: true });
      }
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('what the next run cleans up', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-recover-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("the old writer's .dist.tmp-* folders beside the output are removed", async () => {
    mkdirSync(join(root, '.dist.tmp-AbC123'));
    writeFileSync(join(root, '.dist.tmp-AbC123', 'half.yaml'), 'x');
    mkdirSync(join(root, '.other.tmp-AbC123')); // another output's: not ours to touch
    await writeOutput(join(root, 'dist'), oldTree());
    expect(readdirSync(root).sort()).toEqual(['.other.tmp-AbC123', 'dist']);
  });

  test('a journal held by a live process is a clear refusal; nothing changes', async () => {
    // GIVEN a write in progress by pid 1 (always alive)
    await writeOutput(join(root, 'dist'), oldTree());
    const before = snapshotTree(root);
    writeFileSync(
      join(root, '.dist.meshtrace-journal'),
      JSON.stringify({
        version: 1,
        pid: 1,
        startedAt: '2026-01-01T00:00:00.000Z',
        outdir: join(root, 'dist'),
        state: 'staging',
        stages: [],
        ops: [],
        prune: [],
      }),
    );
    // WHEN / THEN
    await expect(writeOutput(join(root, 'dist'), newTree())).rejects.toThrow(
      /another meshtrace synth \(pid 1, started 2026-01-01T00:00:00\.000Z\) is writing .*dist; wait for it to end \(if no such process runs, remove .*\.dist\.meshtrace-journal\)/,
    );
    rmSync(join(root, '.dist.meshtrace-journal'));
    expect(snapshotTree(root)).toEqual(before);
  });

  test('a half-written (empty) journal of a dead writer is removed and the write goes ahead', async () => {
    writeFileSync(join(root, '.dist.meshtrace-journal'), '');
    const report = await writeOutput(join(root, 'dist'), oldTree());
    expect(report.recovered).toMatchObject({ action: 'cleaned' });
    expect(readdirSync(root)).toEqual(['dist']);
  });
});
