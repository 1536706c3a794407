import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles, OWNERSHIP_FILE, OutputWriteError, writeOutput } from '../../src/stack/output-writer';
import { snapshotTree } from '../support/tree-snapshot';

describe('writeOutput (atomic output writer)', () => {
  let root: string;
  let out: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-writer-'));
    out = join(root, 'dist');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const files = [
    { path: '0000-namespaces.k8s.yaml', content: 'kind: Namespace\n' },
    { path: '0001-jaeger.k8s.yaml', content: 'kind: Deployment\n' },
    { path: 'install/istiod-values.yaml', content: 'traceSampling: 100\n' },
  ];

  test('writes every file and an ownership manifest kubectl ignores, and leaves no staging folder', async () => {
    // WHEN
    const report = await writeOutput(out, files);
    // THEN
    expect([...report.written].sort()).toEqual(files.map((f) => f.path).sort());
    expect(await listFiles(out)).toEqual(
      [OWNERSHIP_FILE, '0000-namespaces.k8s.yaml', '0001-jaeger.k8s.yaml', 'install/istiod-values.yaml'].sort(),
    );
    expect(readFileSync(join(out, '0001-jaeger.k8s.yaml'), 'utf8')).toBe('kind: Deployment\n');
    expect(OWNERSHIP_FILE).not.toMatch(/\.(ya?ml|json)$/);
    expect(readdirSync(root)).toEqual(['dist']);
  });

  test('a re-run with the same content changes nothing, not even modification times', async () => {
    // GIVEN
    await writeOutput(out, files);
    const before = statSync(join(out, '0001-jaeger.k8s.yaml')).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    // WHEN
    const report = await writeOutput(out, files);
    // THEN
    expect(report.written).toEqual([]);
    expect(report.unchanged).toHaveLength(3);
    expect(report.changed).toBe(false);
    expect(statSync(join(out, '0001-jaeger.k8s.yaml')).mtimeMs).toBe(before);
    expect(readdirSync(root)).toEqual(['dist']); // no lock or stage left either
  });

  test("a user's own file survives, and stale files the writer made earlier are removed", async () => {
    // GIVEN a first synth and a user file
    await writeOutput(out, files);
    writeFileSync(join(out, 'my-extra.yaml'), 'kind: ConfigMap\n');
    // WHEN the jaeger chart is no longer produced
    const report = await writeOutput(out, [files[0]!, files[2]!]);
    // THEN
    expect(report.removed).toEqual(['0001-jaeger.k8s.yaml']);
    expect(existsSync(join(out, '0001-jaeger.k8s.yaml'))).toBe(false);
    expect(readFileSync(join(out, 'my-extra.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect(readFileSync(join(out, OWNERSHIP_FILE), 'utf8')).not.toContain('0001-jaeger');
  });

  test('a stale file the user edited since is kept and reported', async () => {
    await writeOutput(out, files);
    writeFileSync(join(out, '0001-jaeger.k8s.yaml'), 'kind: Deployment\n# my tweak\n');
    const report = await writeOutput(out, [files[0]!]);
    expect(report.keptEdited).toEqual(['0001-jaeger.k8s.yaml']);
    expect(existsSync(join(out, '0001-jaeger.k8s.yaml'))).toBe(true);
    // install/ held only owned files: it is gone with them.
    expect(existsSync(join(out, 'install'))).toBe(false);
  });

  test('refuses to overwrite a file it did not write, and then writes nothing at all', async () => {
    // GIVEN a folder synth wrote, then a user's file with a name the synth wants
    await writeOutput(out, [files[0]!]);
    writeFileSync(join(out, '0001-jaeger.k8s.yaml'), 'mine\n');
    const before = snapshotTree(root);
    // WHEN / THEN
    await expect(writeOutput(out, files)).rejects.toThrow(OutputWriteError);
    await expect(writeOutput(out, files)).rejects.toThrow(
      /0001-jaeger\.k8s\.yaml exists but was not written by meshtrace; move them away or choose another --outdir \(nothing was changed\)/,
    );
    expect(snapshotTree(root)).toEqual(before);
  });

  test('a non-empty folder without an ownership manifest is refused; --force-outdir (takeOver) writes beside its files but never over them', async () => {
    // GIVEN a folder of someone else's files
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    writeFileSync(join(out, 'photo.jpg'), 'jpeg\n');
    const before = snapshotTree(root);
    // WHEN / THEN refused, naming what is there and the flag
    await expect(writeOutput(out, files)).rejects.toThrow(
      /dist is not empty \(notes\.txt, photo\.jpg\) and has no \.meshtrace-owned: meshtrace did not write it\. Allowed: an empty or new folder, one an earlier synth wrote, or --force-outdir/,
    );
    expect(snapshotTree(root)).toEqual(before);
    // WHEN taken over
    const report = await writeOutput(out, files, { takeOver: true });
    expect(report.written).toHaveLength(3);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
    // THEN once owned, no flag is needed any more
    await expect(writeOutput(out, files)).resolves.toMatchObject({ changed: false });
    // AND a same-named file is never overwritten, flag or not
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, '0001-jaeger.k8s.yaml'), 'mine\n');
    await expect(writeOutput(other, files, { takeOver: true })).rejects.toThrow(
      /0001-jaeger\.k8s\.yaml exists but was not written by meshtrace/,
    );
    expect(readFileSync(join(other, '0001-jaeger.k8s.yaml'), 'utf8')).toBe('mine\n');
  });

  test.each([['/'], [homedir()]])('refuses --outdir %s outright, even with takeOver', async (dir) => {
    await expect(writeOutput(dir, files, { takeOver: true })).rejects.toThrow(
      /is (the root|your home) folder; allowed: a folder of its own/,
    );
  });

  test('adopts an unowned file whose bytes are already identical (e.g. after cdk8s synth wiped the manifest)', async () => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, '0000-namespaces.k8s.yaml'), 'kind: Namespace\n');
    const report = await writeOutput(out, files);
    expect(report.unchanged).toEqual(['0000-namespaces.k8s.yaml']);
    expect(readFileSync(join(out, OWNERSHIP_FILE), 'utf8')).toContain('0000-namespaces.k8s.yaml');
  });

  test.each([['../escape.yaml'], ['/etc/passwd'], [''], [`install/${OWNERSHIP_FILE}`], ['a\\b.yaml']])(
    'rejects the output path %j',
    async (path) => {
      await expect(writeOutput(out, [{ path, content: 'x' }])).rejects.toThrow(
        /is not allowed; allowed: a relative path inside the output folder/,
      );
      expect(existsSync(out)).toBe(false);
    },
  );

  test('rejects two files with the same name', async () => {
    await expect(writeOutput(out, [files[0]!, files[0]!])).rejects.toThrow(/both named 0000-namespaces/);
  });
});

describe('cleanOutput', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-clean-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('removes only the owned, unedited files; user files and edited files stay', async () => {
    // GIVEN
    const out = join(root, 'dist');
    await writeOutput(out, [
      { path: '0000-a.k8s.yaml', content: 'a\n' },
      { path: '0001-b.k8s.yaml', content: 'b\n' },
      { path: 'install/x.yaml', content: 'x\n' },
    ]);
    writeFileSync(join(out, 'mine.yaml'), 'mine\n');
    writeFileSync(join(out, '0001-b.k8s.yaml'), 'b edited\n');
    // WHEN
    const { cleanOutput } = await import('../../src/stack/output-writer');
    const report = await cleanOutput(out);
    // THEN
    expect([...report.removed].sort()).toEqual(['0000-a.k8s.yaml', 'install/x.yaml']);
    expect(report.keptEdited).toEqual(['0001-b.k8s.yaml']);
    expect(await listFiles(out)).toEqual(['0001-b.k8s.yaml', 'mine.yaml']);
  });

  test('an output folder with only owned files disappears entirely; a missing one is fine', async () => {
    const out = join(root, 'dist');
    await writeOutput(out, [{ path: 'install/x.yaml', content: 'x\n' }]);
    const { cleanOutput } = await import('../../src/stack/output-writer');
    await cleanOutput(out);
    expect(existsSync(out)).toBe(false);
    await expect(cleanOutput(join(root, 'never'))).resolves.toMatchObject({ removed: [], keptEdited: [] });
  });
});

describe('unusable output folders: a clear error, never a hang', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-badout-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const files = [{ path: 'a.yaml', content: 'a\n' }];

  test('--outdir is a file', async () => {
    writeFileSync(join(root, 'dist'), 'x');
    await expect(writeOutput(join(root, 'dist'), files)).rejects.toThrow(/is a file, not a folder/);
    expect(readdirSync(root)).toEqual(['dist']);
  });

  test('a file where synth needs a folder (dist/install is a file): refused, nothing changed', async () => {
    await writeOutput(join(root, 'dist'), files);
    writeFileSync(join(root, 'dist', 'install'), 'x');
    const before = snapshotTree(root);
    await expect(writeOutput(join(root, 'dist'), [...files, { path: 'install/x.yaml', content: 'x\n' }])).rejects.toThrow(
      /dist\/install is a file, but synth writes a folder there/,
    );
    expect(snapshotTree(root)).toEqual(before);
  });

  test('--outdir below a file', async () => {
    writeFileSync(join(root, 'f'), 'x');
    await expect(writeOutput(join(root, 'f', 'dist'), files)).rejects.toThrow(/f is not a folder/);
  });

  test("--outdir under /proc (Node's recursive mkdir loops forever there) fails fast", async () => {
    // THEN within the test timeout, with the folder named
    await expect(writeOutput('/proc/meshtrace-nope/dist', files)).rejects.toThrow(/cannot create \/proc\/meshtrace-nope/);
  }, 10_000);

  test('creates missing parent folders level by level', async () => {
    await writeOutput(join(root, 'a', 'b', 'dist'), files);
    expect(readFileSync(join(root, 'a', 'b', 'dist', 'a.yaml'), 'utf8')).toBe('a\n');
  });
});
