import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckLoadError, loadManifestFolder } from '../../src/check';
import { REPO_ROOT } from '../../src/paths';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'check');

describe('loading a manifest folder', () => {
  test('reads *.yaml like kubectl: installer inputs from install/, file names relative', () => {
    const loaded = loadManifestFolder(join(FIXTURES, 'clean'));
    expect(loaded.files).toEqual([
      '00-namespaces.yaml',
      '10-jaeger.yaml',
      '20-shop.yaml',
      '30-telemetry.yaml',
      'install/istiod-values.yaml',
    ]);
    expect(loaded.docs).toHaveLength(8);
    expect(loaded.installDocs.map((d) => d.file)).toEqual(['install/istiod-values.yaml']);
    expect(loaded.findings).toEqual([]);
  });

  test('YAML syntax errors are findings with file and line; List items are unpacked; other files ignored', () => {
    const loaded = loadManifestFolder(join(FIXTURES, 'broken-yaml'));
    expect(loaded.files).toEqual(['bad.yaml', 'list.yml']);
    expect(loaded.findings.map((f) => [f.rule, f.file, f.field])).toEqual([
      ['load/yaml', 'bad.yaml', expect.stringMatching(/^line \d+, column \d+$/)],
      ['load/yaml', 'list.yml', 'document 1'],
    ]);
    expect(loaded.docs.map((d) => (d.object.metadata as { name: string }).name)).toEqual(['from-list']);
  });

  test('a missing folder throws CheckLoadError naming it', () => {
    expect(() => loadManifestFolder(join(FIXTURES, 'nope'))).toThrow(CheckLoadError);
    expect(() => loadManifestFolder(join(FIXTURES, 'nope'))).toThrow(/nope does not exist/);
  });

  test('--install elsewhere: file names carry that folder', () => {
    const other = join(FIXTURES, 'clean', 'install');
    const loaded = loadManifestFolder(join(FIXTURES, 'unknown-field'), other);
    expect(loaded.installDocs.map((d) => d.file)).toEqual([`${other}/istiod-values.yaml`]);
  });
});

describe('sub-folders', () => {
  test('manifests in a sub-folder are reported as not applied; install/ and --install are not', () => {
    // GIVEN dist/ with install/ and a charts/ sub-folder holding a manifest
    const root = mkdtempSync(join(tmpdir(), 'meshtrace-load-'));
    try {
      mkdirSync(join(root, 'install'));
      mkdirSync(join(root, 'charts'));
      mkdirSync(join(root, 'inputs'));
      writeFileSync(join(root, 'charts', 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
      writeFileSync(join(root, 'install', 'kind.yaml'), 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
      writeFileSync(join(root, 'inputs', 'kind.yaml'), 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
      // WHEN loaded with the default install/ THEN charts/ and inputs/ are reported, install/ is not
      expect(
        loadManifestFolder(root)
          .findings.map((f) => [f.rule, f.file])
          .sort(),
      ).toEqual([
        ['load/subfolder', 'charts/'],
        ['load/subfolder', 'inputs/'],
      ]);
      // WHEN loaded with --install inputs/ THEN install/ is an unread sub-folder too, inputs/ is not
      expect(
        loadManifestFolder(root, join(root, 'inputs'))
          .findings.map((f) => f.file)
          .sort(),
      ).toEqual(['charts/', 'install/']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
