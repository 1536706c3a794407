/**
 * The whole-tree swap (src/stack/output-tree-swap.ts): what it keeps, when it steps aside for the
 * per-file protocol (and says why), and how the next run finishes an interrupted swap from the
 * hidden names alone — no journal needed.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanOutput, interruptedWrite, recoverOutput, writeOutput } from '../../src/stack/output-writer';
import { parseSwapEntries, planTreeStage, swapName } from '../../src/stack/output-tree-swap';
import { nodeWriterFs, type WriterFs } from '../../src/stack/writer-fs';
import { instrumentedFs } from '../support/faulty-fs';
import { runCliProcess } from '../support/run-cli-process';
import { snapshotTree } from '../support/tree-snapshot';
import { newTree, oldTree } from './fixtures/writer-trees';

describe('planTreeStage (pure)', () => {
  test('keeps every old entry but the replaced and removed ones, and leaves out prune folders that end up empty', () => {
    const old = [
      { rel: 'a.yaml', isDir: false, mode: 0 },
      { rel: 'mine.txt', isDir: false, mode: 0 },
      { rel: 'stale', isDir: true, mode: 0o40750 },
      { rel: 'stale/deep', isDir: true, mode: 0o40755 },
      { rel: 'stale/deep/gone.yaml', isDir: false, mode: 0 },
      { rel: 'kept', isDir: true, mode: 0o40700 },
      { rel: 'kept/gone.yaml', isDir: false, mode: 0 },
      { rel: 'kept/user.txt', isDir: false, mode: 0 },
    ];
    const stage = planTreeStage(
      old,
      [
        { rel: 'a.yaml', content: 'new' },
        { rel: 'added/sub/x.yaml', content: 'x' },
      ],
      new Set(['stale/deep/gone.yaml', 'kept/gone.yaml']),
      ['stale/deep', 'stale', 'kept'],
      0o40755,
    );
    expect(stage.dirs).toEqual([
      { rel: '', mode: 0o40755 },
      { rel: 'added', mode: undefined },
      { rel: 'kept', mode: 0o40700 },
      { rel: 'added/sub', mode: undefined },
    ]);
    expect(stage.links).toEqual(['kept/user.txt', 'mine.txt']);
    expect(stage.writes.map((w) => w.rel)).toEqual(['a.yaml', 'added/sub/x.yaml']);
  });

  test('the output folder itself goes when it is in prune and ends up empty (synth --clean)', () => {
    expect(planTreeStage([{ rel: 'a.yaml', isDir: false, mode: 0 }], [], new Set(['a.yaml']), [''], 0o40755).dirs).toEqual([]);
  });

  test("hidden names carry the pid and start time; other outputs' names are not ours", () => {
    const at = new Date('2026-12-07T01:02:03.456Z');
    const id = `4242-${at.getTime().toString(36)}-0badc0de`;
    const names = [
      swapName('dist', 'ready', id),
      swapName('dist', 'old', id),
      swapName('other', 'old', id),
      '.dist.meshtrace-journal',
      '.dist.meshtrace-ready-x',
    ];
    expect(
      parseSwapEntries('dist', names)
        .map((e) => [e.kind, e.pid, e.startedAt.toISOString()])
        .sort(),
    ).toEqual([
      ['old', 4242, '2026-12-07T01:02:03.456Z'],
      ['ready', 4242, '2026-12-07T01:02:03.456Z'],
    ]);
  });
});

describe('writeOutput by swap', () => {
  let root: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-swap-')));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function oldDist(): Promise<string> {
    const dist = join(root, 'dist');
    await writeOutput(dist, oldTree());
    writeFileSync(join(dist, 'mine.yaml'), 'kind: ConfigMap # mine\n');
    mkdirSync(join(dist, 'my-folder'));
    writeFileSync(join(dist, 'my-folder', 'notes.txt'), 'notes\n');
    symlinkSync('mine.yaml', join(dist, 'my-link.yaml'));
    chmodSync(join(dist, 'install'), 0o750);
    return dist;
  }

  test("the user's files keep their inode and mtime, folders their mode, symlinks stay symlinks; nothing is left beside dist/", async () => {
    // GIVEN
    const dist = await oldDist();
    const before = { mine: statSync(join(dist, 'mine.yaml')), unchanged: statSync(join(dist, '0000-chart.k8s.yaml')) };
    // WHEN
    const report = await writeOutput(dist, newTree());
    // THEN
    expect(report.protocol).toBe('swap');
    expect(report.perFileReason).toBeUndefined();
    for (const [name, was] of [
      ['mine.yaml', before.mine],
      ['0000-chart.k8s.yaml', before.unchanged],
    ] as const) {
      const now = statSync(join(dist, name));
      expect([name, now.ino, now.mtimeMs]).toEqual([name, was.ino, was.mtimeMs]);
    }
    expect(report.unchanged).toContain('0000-chart.k8s.yaml');
    expect(readFileSync(join(dist, 'my-folder', 'notes.txt'), 'utf8')).toBe('notes\n');
    expect(lstatSync(join(dist, 'my-link.yaml')).isSymbolicLink()).toBe(true);
    expect(statSync(join(dist, 'install')).mode & 0o777).toBe(0o750);
    expect(existsSync(join(dist, 'stale'))).toBe(false); // emptied by the stale file's removal: gone
    expect(readdirSync(root)).toEqual(['dist']);
  });

  test('a file created or saved (by rename) in dist/ while the stage is built is not lost: the old tree is kept aside, and the warning says where', async () => {
    const dist = await oldDist();
    // WHEN the user saves like an editor does (write a temp file, rename it over) and adds a file, just before the swap
    const fs = instrumentedFs(nodeWriterFs, (_n, name, args) => {
      if (name === 'rename' && String(args[1]).includes('.dist.meshtrace-ready-')) {
        writeFileSync(join(dist, 'mine.yaml.tmp'), 'kind: ConfigMap # mine, edited\n');
        renameSync(join(dist, 'mine.yaml.tmp'), join(dist, 'mine.yaml'));
        writeFileSync(join(dist, 'brand-new.txt'), 'new\n');
      }
    });
    const report = await writeOutput(dist, newTree(), { fs });
    // THEN the new tree is in place, and both changes survive in the kept old tree
    const kept = readdirSync(root).filter((n) => n.startsWith('.dist.meshtrace-kept-'));
    expect(kept).toHaveLength(1);
    expect(report.warnings).toEqual([
      `${dist} changed while synth wrote it (brand-new.txt, mine.yaml): those changes are not in the new tree, so the old tree is kept at ${join(root, kept[0]!)}; move back what you need, then delete it`,
    ]);
    expect(readFileSync(join(root, kept[0]!, 'mine.yaml'), 'utf8')).toBe('kind: ConfigMap # mine, edited\n');
    expect(readFileSync(join(root, kept[0]!, 'brand-new.txt'), 'utf8')).toBe('new\n');
    expect(existsSync(join(dist, 'added', 'sub', 'fresh.yaml'))).toBe(true);
    // AND the next run leaves the kept tree alone (it is the user's to sort out)
    await recoverOutput(dist);
    expect(readdirSync(root).sort()).toEqual([kept[0], 'dist']);
  });

  test('a filesystem without hard links: kept files are copied (bytes kept); a kept symlink cannot be copied, so file by file', async () => {
    const dist = await oldDist();
    const noLinks: WriterFs = {
      ...nodeWriterFs,
      link: () => Promise.reject(Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' })),
    };
    // WITH a symlink in dist/: the per-file protocol, and it says why
    const withLink = await writeOutput(dist, newTree(), { fs: noLinks });
    expect([withLink.protocol, withLink.perFileReason]).toEqual([
      'per file',
      expect.stringMatching(/my-link\.yaml cannot be hard-linked here \(EPERM\) and is not a regular file to copy/),
    ]);
    expect(lstatSync(join(dist, 'my-link.yaml')).isSymbolicLink()).toBe(true);
    // WITHOUT it: a swap with copies
    rmSync(join(dist, 'my-link.yaml'));
    const copied = await writeOutput(dist, oldTree(), { fs: noLinks });
    expect(copied.protocol).toBe('swap');
    expect(readFileSync(join(dist, 'mine.yaml'), 'utf8')).toBe('kind: ConfigMap # mine\n');
    expect(readdirSync(root)).toEqual(['dist']);
  });

  test('synth --clean by swap: the user files stay; a folder of only synth files disappears whole', async () => {
    const dist = await oldDist();
    const report = await cleanOutput(dist);
    expect(report.protocol).toBe('swap');
    expect(readdirSync(dist).sort()).toEqual(['mine.yaml', 'my-folder', 'my-link.yaml']);
    const only = join(root, 'only');
    await writeOutput(only, oldTree());
    await cleanOutput(only);
    expect(readdirSync(root)).toEqual(['dist']);
  });
});

describe('where a swap cannot hold: the per-file protocol, and the report says why', () => {
  let root: string;
  let cwd: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-noswap-')));
    cwd = process.cwd();
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  });

  test('dist is a symlink: the link stays, the folder behind it gets the new tree', async () => {
    await writeOutput(join(root, 'real'), oldTree());
    symlinkSync(join(root, 'real'), join(root, 'dist'));
    const report = await writeOutput(join(root, 'dist'), newTree());
    expect([report.protocol, report.perFileReason]).toEqual([
      'per file',
      `${join(root, 'dist')} is a symlink (a swap would replace the link)`,
    ]);
    expect(lstatSync(join(root, 'dist')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(root, 'real', 'added', 'sub', 'fresh.yaml'))).toBe(true);
  });

  test('the current folder is inside dist/', async () => {
    await writeOutput(join(root, 'dist'), oldTree());
    process.chdir(join(root, 'dist', 'install'));
    const report = await writeOutput(join(root, 'dist'), newTree());
    expect(report.perFileReason).toBe(
      `the current folder ${join(root, 'dist', 'install')} is inside ${join(root, 'dist')} (a swap would leave it a deleted folder)`,
    );
    expect(readdirSync('.').sort()).toEqual(readdirSync(join(root, 'dist', 'install')).sort()); // still a live folder
  });

  test('a folder inside dist/ is a mount point (another st_dev)', async () => {
    await writeOutput(join(root, 'dist'), oldTree());
    // No mount(2) for tests here: the filesystem reports another device for dist/install.
    const fs: WriterFs = {
      ...nodeWriterFs,
      lstat: async (p) => {
        const info = await nodeWriterFs.lstat(p);
        return p === join(root, 'dist', 'install')
          ? Object.assign(Object.create(Object.getPrototypeOf(info) as object) as typeof info, info, { dev: info.dev + 1 })
          : info;
      },
    };
    const report = await writeOutput(join(root, 'dist'), newTree(), { fs });
    expect(report.perFileReason).toBe(`${join(root, 'dist', 'install')} is a mount point (another filesystem)`);
  });

  test('the first rename of the swap is refused (EXDEV): nothing had changed, the per-file protocol writes the new tree', async () => {
    await writeOutput(join(root, 'dist'), oldTree());
    const reference = join(root, 'ref');
    cpSync(join(root, 'dist'), join(reference, 'dist'), { recursive: true });
    await writeOutput(join(reference, 'dist'), newTree());
    const fs = instrumentedFs(nodeWriterFs, (_n, name, args) => {
      if (name === 'rename' && args[0] === join(root, 'dist'))
        throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
    });
    const report = await writeOutput(join(root, 'dist'), newTree(), { fs });
    expect([report.protocol, report.perFileReason]).toEqual(['per file', `${join(root, 'dist')} cannot be renamed (EXDEV)`]);
    expect(snapshotTree(join(root, 'dist'))).toEqual(snapshotTree(join(reference, 'dist')));
    expect(readdirSync(root).sort()).toEqual(['dist', 'ref']);
  });
});

describe('the CLI says which protocol ran', () => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-swapcli-')));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('a swap: the usual one line, and --json says "swap"; dist/install a symlink: a note on stderr says file by file, why, and what a kill would leave', async () => {
    const dist = join(root, 'dist');
    const first = await runCliProcess(['synth', '--profile', 'lab', '--outdir', dist, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ protocol: 'swap', perFileReason: null });
    expect(first.stderr).not.toMatch(/file by file/);
    // GIVEN dist/install moved elsewhere, a symlink left in its place
    renameSync(join(dist, 'install'), join(root, 'install-real'));
    symlinkSync(join(root, 'install-real'), join(dist, 'install'));
    // WHEN
    const second = await runCliProcess(['synth', '--profile', 'production', '--outdir', dist]);
    // THEN
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^meshtrace synth: profile production -> .*dist: \d+ written/);
    expect(second.stderr).toContain(
      `meshtrace synth: wrote file by file, not by swapping the whole folder, because ${join(dist, 'install')} is a symlink synth writes through (a swap would replace the link, not the files behind it); ` +
        'a kill inside its commit window leaves part old, part new files until the next `meshtrace synth` (or `meshtrace check`) completes the write from its journal',
    );
    expect(lstatSync(join(dist, 'install')).isSymbolicLink()).toBe(true);
  }, 60_000);
});

describe('recovering an interrupted swap from the hidden names alone (no journal)', () => {
  let root: string;
  let OLD: Record<string, string>;
  let NEW: Record<string, string>;
  const id = `999999-${Date.parse('2026-12-07T01:00:00.000Z').toString(36)}-0badc0de`;
  const at = (kind: 'next' | 'ready' | 'old') => join(root, swapName('dist', kind, id));
  beforeEach(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'meshtrace-swaprec-')));
    await writeOutput(join(root, 'template-old'), oldTree());
    await writeOutput(join(root, 'template-new'), newTree());
    OLD = snapshotTree(join(root, 'template-old'));
    NEW = snapshotTree(join(root, 'template-new'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const copy = (from: 'old' | 'new', to: string) => cpSync(join(root, `template-${from}`), to, { recursive: true });
  const leftovers = () =>
    readdirSync(root)
      .filter((n) => !n.startsWith('template-'))
      .sort();

  test.each([
    ['killed between the two renames (no dist/, ready + old)', ['ready', 'old'], false, 'completed', 'new'],
    ['killed before the first rename (dist/ + ready)', ['ready'], true, 'discarded', 'old'],
    ['killed while staging (dist/ + next)', ['next'], true, 'discarded', 'old'],
    ['killed while deleting the old tree (dist/ is new + old)', ['old'], 'new', 'cleaned', 'new'],
    ['a rollback that did not finish (no dist/, only old)', ['old'], false, 'rolled back', 'old'],
  ] as const)('%s', async (_what, hidden, dist, action, expected) => {
    // GIVEN the hidden folders a kill left, and no journal
    for (const kind of hidden) copy(kind === 'old' ? 'old' : 'new', at(kind));
    if (dist === true) copy('old', join(root, 'dist'));
    if (dist === 'new') copy('new', join(root, 'dist'));
    expect(await interruptedWrite(join(root, 'dist'))).toBe(at(hidden[0]!));
    // WHEN the next run comes
    const recovered = await recoverOutput(join(root, 'dist'));
    // THEN one whole tree, nothing beside it, and the run says what it did and whose write it was
    expect(recovered).toEqual({ action, pid: 999999, startedAt: '2026-12-07T01:00:00.000Z', skipped: 0 });
    expect(snapshotTree(join(root, 'dist'))).toEqual(expected === 'new' ? NEW : OLD);
    expect(leftovers()).toEqual(['dist']);
    expect(await interruptedWrite(join(root, 'dist'))).toBeUndefined();
  });

  test('synth --clean of a dist/ killed between the two renames completes it first', async () => {
    copy('new', at('ready'));
    copy('old', at('old'));
    const report = await cleanOutput(join(root, 'dist'));
    expect(report.recovered?.action).toBe('completed');
    expect(leftovers()).toEqual([]); // completed, then cleaned: only synth's files were in it
  });

  test('a renamed-away folder of someone else is never touched', async () => {
    mkdirSync(join(root, 'dist'));
    renameSync(join(root, 'dist'), join(root, '.dist.meshtrace-old-mine'));
    await recoverOutput(join(root, 'dist'));
    expect(leftovers()).toEqual(['.dist.meshtrace-old-mine']);
  });
});
