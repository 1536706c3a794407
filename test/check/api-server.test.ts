/**
 * The API server's own rules (issue 15): names, namespaces, labels, annotations, ConfigMap keys and
 * sizes, object size, and symlinked manifests. Fixtures are real YAML files read by the real loader;
 * the huge ones are written to a temporary folder at test time (a 50 MiB file has no place in git).
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkManifests, formatFinding, loadManifestFolder, type Finding } from '../../src/check';
import {
  configMapKeyProblems,
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  labelValueProblems,
  nameRuleOf,
  pathSegmentProblems,
  qualifiedNameProblems,
  suggestName,
} from '../../src/check/api-server-rules';
import { runCliInProcess } from '../support/run-cli';
import { REPO_ROOT } from '../../src/paths';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'check', 'api-server');

async function checkFolder(dir: string): Promise<Finding[]> {
  const loaded = loadManifestFolder(dir);
  return [...loaded.findings, ...(await checkManifests(loaded.docs, { installDocs: loaded.installDocs }))];
}

const apiFindings = (fs: Finding[]) => fs.filter((f) => f.rule.startsWith('api/') || f.rule.startsWith('load/'));

describe('the rules, as pure functions (the same inputs a real kube-apiserver gets as the oracle)', () => {
  test.each([
    ['my-name', true],
    ['a', true],
    ['0abc', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['My-Name', false],
    ['-a', false],
    ['a-', false],
    ['a.b', false],
    ['a_b', false],
    ['', false],
  ])('DNS-1123 label %j → valid %s', (value, ok) => expect(dns1123LabelProblems(value).length === 0).toBe(ok));

  test.each([
    ['example.com', true],
    ['a.b-c.d', true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}`, true],
    [`${'a.'.repeat(126)}a`, true],
    [`${'a.'.repeat(126)}ab`, false],
    ['Bad_Name..', false],
    ['a..b', false],
    ['.a', false],
    ['a.', false],
    ['a.-b', false],
  ])('DNS-1123 subdomain %j → valid %s', (value, ok) => expect(dns1123SubdomainProblems(value).length === 0).toBe(ok));

  test.each([
    ['web', true],
    ['w-1', true],
    ['1web', false],
    ['web-', false],
    ['Web', false],
  ])('DNS-1035 label %j → valid %s', (value, ok) => expect(dns1035LabelProblems(value).length === 0).toBe(ok));

  test.each([
    ['reader', true],
    ['system:reader', true],
    ['.', false],
    ['..', false],
    ['a/b', false],
    ['50%', false],
  ])('path segment (RBAC) %j → valid %s', (value, ok) => expect(pathSegmentProblems(value).length === 0).toBe(ok));

  test.each([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['A_b.c-D', true],
    ['example.com/' + 'a'.repeat(63), true],
    ['a/b/c', false],
    ['/a', false],
    ['a/', false],
    ['Example.com/a', false],
    ['-a', false],
    ['a'.repeat(64), false],
    ['a b', false],
  ])('qualified name (label key) %j → valid %s', (value, ok) => expect(qualifiedNameProblems(value).length === 0).toBe(ok));

  test.each([
    ['', true],
    ['v1.2-rc_3', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['v 2', false],
    ['-x', false],
    ['x.', false],
  ])('label value %j → valid %s', (value, ok) => expect(labelValueProblems(value).length === 0).toBe(ok));

  test.each([
    ['config.yaml', true],
    ['.hidden', true],
    ['a-b_c', true],
    ['a/b', false],
    ['..data', false],
    ['.', false],
    ['a b', false],
  ])('ConfigMap key %j → valid %s', (value, ok) => expect(configMapKeyProblems(value).length === 0).toBe(ok));

  test('the name rule follows the kind; suggestions are valid names', () => {
    expect([
      nameRuleOf('Namespace'),
      nameRuleOf('Service'),
      nameRuleOf('ClusterRole'),
      nameRuleOf('ConfigMap'),
      nameRuleOf('IngressRoute'),
    ]).toEqual(['dns1123-label', 'dns1123-label', 'path-segment', 'dns1123-subdomain', 'dns1123-subdomain']);
    expect(suggestName('dns1123-subdomain', 'Bad_Name..')).toBe('bad-name');
    expect(suggestName('dns1123-label', 'NS!')).toBe('ns');
    expect(suggestName('dns1035-label', '1web')).toBe('web');
  });
});

describe('meshtrace check on the API server fixtures', () => {
  let findings: Finding[];
  beforeAll(async () => {
    findings = apiFindings(await checkFolder(FIXTURE));
  });
  const one = (rule: string, object: string, field?: string) => {
    const hits = findings.filter((f) => f.rule === rule && f.object === object && (field === undefined || f.field === field));
    expect(hits.map(formatFinding)).toHaveLength(1);
    return hits[0]!;
  };

  test('a ConfigMap named "Bad_Name.." is refused: object, field, value and what is allowed', () => {
    const f = one('api/name', 'ConfigMap shop/Bad_Name..', 'metadata.name');
    expect(f.severity).toBe('error');
    expect(f.message).toBe(
      'ConfigMap name "Bad_Name.." is not a DNS-1123 subdomain: at most 253 characters, dot-separated labels of a-z, 0-9 and "-", each starting and ending with a letter or digit (e.g. "example.com" or "my-name")',
    );
    expect(f.fix).toContain('e.g. to "bad-name"');
  });

  test('namespace "NS!" is refused', () => {
    expect(one('api/namespace', 'ConfigMap NS!/good', 'metadata.namespace').message).toMatch(/^namespace "NS!" is not a DNS-1123 label/);
  });

  test('a Namespace and a Service need a DNS-1123 label (no dots; a leading digit is fine on 1.36)', () => {
    expect(one('api/name', 'Namespace shop.example').message).toMatch(/^Namespace name "shop.example" is not a DNS-1123 label/);
    expect(one('api/name', 'Service shop/web.v1').message).toMatch(/^Service name "web.v1" is not a DNS-1123 label/);
  });

  test('label keys and values: the key with two "/" and the 80-character value, the latter cut in the message', () => {
    expect(one('api/label', 'ConfigMap shop/labels', 'metadata.labels["a/b/c"]').message).toMatch(
      /^label key "a\/b\/c" has 2 "\/"; allowed: \[prefix\/\]name/,
    );
    const value = one('api/label', 'ConfigMap shop/labels', 'metadata.labels["team"]');
    expect(value.message).toMatch(
      /^label value "this-value-is-much-longer-than-the-sixty-three-characters-a-… \(80 characters\)" is 80 characters long, more than 63$/,
    );
  });

  test('annotation keys, ConfigMap keys and pod template labels', () => {
    expect(one('api/annotation', 'ConfigMap shop/annotations').message).toContain('prefix "example_org" is not a DNS-1123 subdomain');
    expect(one('api/data-key', 'ConfigMap shop/keys', 'data["conf/app.yaml"]').message).toMatch(
      /^ConfigMap key "conf\/app.yaml" is not a valid key/,
    );
    expect(one('api/label', 'Deployment shop/web', 'spec.template.metadata.labels["version"]').message).toMatch(
      /^pod template label value "v 2" is not empty or a string/,
    );
  });

  test('every object of the fixture breaks exactly one rule, and nothing valid is flagged', () => {
    expect(findings.map((f) => `${f.object} ${f.field}`)).toEqual([
      'ConfigMap shop/Bad_Name.. metadata.name',
      'ConfigMap NS!/good metadata.namespace',
      'Namespace shop.example metadata.name',
      'Service shop/web.v1 metadata.name',
      'ConfigMap shop/labels metadata.labels["a/b/c"]',
      'ConfigMap shop/labels metadata.labels["team"]',
      'ConfigMap shop/annotations metadata.annotations["Example_Org/owner"]',
      'ConfigMap shop/keys data["conf/app.yaml"]',
      'Deployment shop/web spec.template.metadata.labels["version"]',
    ]);
  });
});

describe('sizes and symlinks (written at test time)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshtrace-api-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const configMap = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) =>
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', ...extra }, data }, { lineWidth: 0 });

  test("a ConfigMap with a 2 MiB value: over the 1 MiB data limit and etcd's 1.5 MiB, value never printed whole", async () => {
    // Written by hand: plain text, as a user's file would be.
    writeFileSync(
      join(dir, 'big.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: shop\ndata:\n  blob.txt: ${'x'.repeat(2 * 1024 * 1024)}\n`,
    );
    const r = await runCliInProcess(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'big.yaml: ConfigMap shop/big: data["blob.txt"]: error [api/data-size] ConfigMap data totals 2097152 bytes (2 MiB), more than the 1048576 bytes (1 MiB) the API server allows',
    );
    expect(r.stdout).toContain('error [api/object-size] the object is 2097258 bytes (2 MiB) as JSON');
    expect(r.stdout).toContain("over etcd's 1.5 MiB value limit");
    expect(r.stdout.length).toBeLessThan(20_000); // no 2 MiB echo
  });

  test('a ConfigMap with a 50 MiB value is refused by the loader before parsing, naming the file and the limit', async () => {
    writeFileSync(
      join(dir, 'huge.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n  namespace: shop\ndata:\n  blob.txt: ${'x'.repeat(50 * 1024 * 1024)}\n`,
    );
    const r = await runCliInProcess(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^huge\.yaml: .*error \[load\/yaml\]/m);
    expect(r.stdout.length).toBeLessThan(20_000);
  });

  test('just under 1 MiB of data passes the data rule; an object over 256 KiB warns about client-side apply', async () => {
    writeFileSync(join(dir, 'ok.yaml'), configMap('ok', { a: 'x'.repeat(1024 * 1024 - 10) }));
    const found = apiFindings(await checkFolder(dir));
    expect(found.map((f) => [f.rule, f.severity])).toEqual([['api/object-size', 'warning']]);
    expect(found[0]!.fix).toContain('--server-side');
  });

  test('a Secret counts decoded bytes of data', async () => {
    const b64 = Buffer.alloc(1024 * 1024 + 1).toString('base64');
    writeFileSync(
      join(dir, 's.yaml'),
      stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, data: { k: b64 } }, { lineWidth: 0 }),
    );
    const found = apiFindings(await checkFolder(dir)).filter((f) => f.rule === 'api/data-size');
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(/^Secret data totals 1048577 bytes/)]);
  });

  test('annotations over 256 KiB in total are refused, naming the largest', async () => {
    writeFileSync(
      join(dir, 'a.yaml'),
      configMap('a', { k: 'v' }, { annotations: { small: 'x', 'example.com/big': 'y'.repeat(256 * 1024) } }),
    );
    const found = apiFindings(await checkFolder(dir)).filter((f) => f.rule === 'api/annotation');
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^annotations total 262165 bytes .* more than the 262144 bytes \(256 KiB\) .* the largest is "example.com\/big" with 262144 bytes$/,
      ),
    ]);
  });

  test('a symlinked manifest is checked through the link; dangling links, loops and links to folders are reported', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'cm.yaml'), configMap('Bad_Name', { a: 'b' }));
    symlinkSync(join(dir, 'real', 'cm.yaml'), join(dir, 'linked.yaml'));
    symlinkSync('nowhere.yaml', join(dir, 'dangling.yaml'));
    symlinkSync('loop.yaml', join(dir, 'loop.yaml'));
    symlinkSync('real', join(dir, 'folder.yaml'));
    symlinkSync('.', join(dir, 'self')); // a link back to the folder: no endless walk
    const loaded = loadManifestFolder(dir);
    expect(loaded.files).toEqual(['dangling.yaml', 'folder.yaml', 'linked.yaml', 'loop.yaml']);
    const found = apiFindings(await checkFolder(dir));
    expect(found.map((f) => `${f.file} ${f.rule} ${f.message}`)).toEqual([
      'dangling.yaml load/symlink symlink to "nowhere.yaml" leads to nothing (dangling link): not checked',
      'folder.yaml load/symlink symlink to "real" leads to a folder, not a manifest file: not checked',
      'loop.yaml load/symlink symlink to "loop.yaml" is a symlink loop: not checked',
      expect.stringMatching(/^real\/ load\/subfolder 1 manifest file\(s\) in sub-folder real\//),
      expect.stringMatching(/^linked.yaml api\/name ConfigMap name "Bad_Name" is not a DNS-1123 subdomain/),
    ]);
  });
});
