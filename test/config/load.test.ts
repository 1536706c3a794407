import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, mergeConfig, parseConfig, parseConfigText } from '../../src/config/load';
import { PROFILE_NAMES } from '../../src/config/profile-names';
import { didYouMean, problemLine } from '../../src/config/problems';
import { parseImageRef } from '../../src/config/common';

/** The one-line problems a bad config produces (without the source prefix). */
function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, 'bad.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(problemLine);
    throw err;
  }
  throw new Error('config was accepted');
}

describe('profiles', () => {
  test.each(PROFILE_NAMES.map((p) => [p]))('profile %s validates', async (profile) => {
    const config = await loadConfig({ profile });
    expect(config.profile).toBe(profile);
  });

  test('lab (the default) is the split topology over remote storage with 100 % sampling', async () => {
    // WHEN
    const config = await loadConfig();
    // THEN
    expect(config.profile).toBe('lab');
    expect(config.jaeger.topology).toBe('split');
    expect(config.jaeger.storage).toMatchObject({ type: 'remoteStorage', maxTraces: 100000 });
    expect(config.jaeger.image).toBe('jaegertracing/jaeger:2.20.0');
    expect(config.istio.randomSamplingPercentage).toBe(100);
    expect(config.istio.provider).toMatchObject({ name: 'jaeger', type: 'opentelemetry' });
    expect(config.bookinfo).toMatchObject({ enabled: true, tag: '1.20.3', reviewsVersions: ['v1', 'v2', 'v3'] });
  });

  test('ci keeps the lab shape with 100 % sampling and a smaller store', async () => {
    const config = await loadConfig({ profile: 'ci' });
    expect(config.jaeger.topology).toBe('split');
    expect(config.jaeger.storage).toMatchObject({ type: 'remoteStorage', maxTraces: 20000 });
    expect(config.istio.randomSamplingPercentage).toBe(100);
  });

  test('production: external Elasticsearch, scaled collector with HPA and PDB, explicit 1 % sampling, no demo app', async () => {
    const config = await loadConfig({ profile: 'production' });
    expect(config.jaeger.storage.type).toBe('elasticsearch');
    expect(config.jaeger.collector.replicas).toBeGreaterThan(1);
    expect(config.jaeger.collector.autoscaling).toEqual({ minReplicas: 2, maxReplicas: 6, targetCpuUtilizationPercentage: 75 });
    expect(config.jaeger.collector.podDisruptionBudget).toEqual({ minAvailable: 1 });
    expect(config.istio.randomSamplingPercentage).toBe(1);
    expect(config.bookinfo.enabled).toBe(false);
  });

  test('a file overrides its profile field by field; lists replace', () => {
    const config = parseConfig({ profile: 'production', istio: { randomSamplingPercentage: 5 }, jaeger: { collector: { replicas: 3 } } });
    expect(config.istio.randomSamplingPercentage).toBe(5);
    expect(config.jaeger.collector.replicas).toBe(3);
    expect(config.jaeger.collector.autoscaling?.maxReplicas).toBe(6);
    expect(mergeConfig({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { d: 4 } })).toEqual({ a: [3], b: { c: 1, d: 4 } });
  });

  test('relay: the chain edge -> a -> b in namespace relay, meshed; off in production', async () => {
    const lab = await loadConfig();
    expect(lab.namespaces.relay).toBe('relay');
    expect(lab.relay).toMatchObject({ enabled: true, meshed: true, image: 'node:24.11.1-alpine', sampleRate: 1 });
    expect(lab.relay.hops.map((h) => `${h.name}->${h.upstreams.join('+') || '.'}`)).toEqual(['edge->a', 'a->b', 'b->.']);
    expect((await loadConfig({ profile: 'production' })).relay.enabled).toBe(false);
  });

  test('an empty YAML key keeps the defaults (jaeger: with nothing under it)', () => {
    expect(parseConfigText('jaeger:\nbookinfo:\n  reviewsVersions:\n', 'x.yaml')).toEqual(parseConfig({}));
  });

  test('switching the storage type drops the profile fields of the other type', () => {
    const config = parseConfig({ profile: 'production', jaeger: { storage: { type: 'opensearch', serverUrls: ['http://os:9200'] } } });
    expect(config.jaeger.storage).toEqual({
      type: 'opensearch',
      serverUrls: ['http://os:9200'],
      indexPrefix: 'jaeger',
      shards: 1,
      indexReplicas: 0,
    });
  });

  test('allInOne without storage gets the in-process memory store', () => {
    const config = parseConfig({ jaeger: { topology: 'allInOne' } });
    expect(config.jaeger.storage).toEqual({ type: 'memory', maxTraces: 100000 });
  });

  test('an empty file is the lab profile', () => {
    expect(parseConfigText('', 'empty.yaml').profile).toBe('lab');
  });
});

describe('bad configs: one line per problem with path, value and what is allowed', () => {
  test.each([
    ['wrong type', 'jaeger:\n  collector:\n    replicas: "two"\n', ['jaeger.collector.replicas: "two" is a string; allowed: a number']],
    [
      'sampling 150',
      'istio:\n  randomSamplingPercentage: 150\n',
      ['istio.randomSamplingPercentage: 150 is too large; allowed: at most 100'],
    ],
    ['unknown topology', 'jaeger:\n  topology: cluster\n', ['jaeger.topology: "cluster" is not allowed; allowed: "allInOne", "split"']],
    [
      'empty namespace',
      'namespaces:\n  observability: ""\n',
      [expect.stringMatching(/^namespaces\.observability: "" must not be empty; allowed: an RFC 1123 label/)],
    ],
    [
      'bad image ref',
      'jaeger:\n  image: "Jaeger Tracing:2.20"\n',
      [expect.stringMatching(/^jaeger\.image: "Jaeger Tracing:2\.20" is not an image reference; allowed: \[registry\/\]name:tag/)],
    ],
    [
      'untagged image',
      'jaeger:\n  image: jaegertracing/jaeger\n',
      [expect.stringMatching(/^jaeger\.image: "jaegertracing\/jaeger" has no tag or digest/)],
    ],
    ['latest tag', 'bookinfo:\n  tag: latest\n', [expect.stringMatching(/^bookinfo\.tag: "latest" is the moving tag "latest"/)]],
    [
      'typo in a field',
      'jaeger:\n  topolgy: split\n',
      [
        expect.stringMatching(
          /^jaeger\.topolgy: "split" is not a known field \(did you mean "topology"\?\); allowed fields: image, topology, storage/,
        ),
      ],
    ],
    [
      'unknown storage',
      'jaeger:\n  storage:\n    type: mongodb\n',
      [
        expect.stringMatching(
          /^jaeger\.storage\.type: "mongodb" is not allowed; allowed: "memory", "remoteStorage", "elasticsearch", "opensearch", "cassandra"/,
        ),
      ],
    ],
    [
      'memory store behind split',
      'jaeger:\n  topology: split\n  storage: {type: memory}\n',
      [expect.stringMatching(/^jaeger\.storage\.type: "memory" cannot be shared by separate collector and query Deployments/)],
    ],
    [
      'credential header tag',
      'istio:\n  customTags:\n    token: {header: {name: Authorization}}\n',
      [expect.stringMatching(/^istio\.customTags\.token\.header\.name: "Authorization" would copy credentials into every span/)],
    ],
    [
      'unknown reviews version',
      'bookinfo:\n  reviewsVersions: [v1, v4]\n',
      ['bookinfo.reviewsVersions[1]: "v4" is not allowed; allowed: "v1", "v2", "v3"'],
    ],
    [
      'PDB as large as the replicas',
      'jaeger:\n  storage: {type: remoteStorage}\n  collector: {replicas: 2, podDisruptionBudget: {minAvailable: 2}}\n',
      [expect.stringMatching(/^jaeger\.collector\.podDisruptionBudget\.minAvailable: 2 would block every voluntary eviction/)],
    ],
    [
      'relay upstream that is not a hop',
      'relay:\n  hops:\n    - {name: edge, upstreams: [backend]}\n',
      ['relay.hops[0].upstreams[0]: "backend" is not a hop; allowed: edge'],
    ],
    [
      'relay fault the relay cannot parse',
      'relay:\n  hops:\n    - {name: a, faults: ["status=700"]}\n',
      [
        expect.stringMatching(
          /^relay\.hops\[0\]\.faults\[0\]: "status=700" is not a fault \(status needs a 3-digit HTTP status 200\.\.599\); allowed: drop-context, delay=<duration>/,
        ),
      ],
    ],
    [
      'relay hop calling itself',
      'relay:\n  hops:\n    - {name: a, upstreams: [a]}\n',
      ['relay.hops[0].upstreams[0]: "a" is the hop itself (a loop); allowed: another hop'],
    ],
    ['a list where a mapping belongs', 'jaeger:\n  collector: []\n', ['jaeger.collector: [] is a list; allowed: a mapping']],
    ['unknown profile', 'profile: staging\n', ['profile: "staging" is not a profile; allowed: "lab", "ci", "production"']],
    ['not a mapping', '- jaeger\n', [expect.stringMatching(/^\(root\): \["jaeger"\] is not a mapping/)]],
    ['broken YAML', 'jaeger:\n  topology: [split\n', [expect.stringMatching(/^line 3, column 1: .* is not valid YAML/)]],
  ])('%s', (_name, yaml, expected) => {
    expect(problems(yaml)).toEqual(expected);
  });

  test('several problems come back together, sorted by path', () => {
    const lines = problems('istio:\n  randomSamplingPercentage: -1\njaeger:\n  topology: x\nnamespaces:\n  bookinfo: Book\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['istio.randomSamplingPercentage', 'jaeger.topology', 'namespaces.bookinfo']);
  });

  test('ConfigError.lines() prefixes each line with the source and the line the path is on', () => {
    try {
      parseConfigText('istio:\n  randomSamplingPercentage: 150\n', 'configs/x.yaml');
      throw new Error('accepted');
    } catch (err) {
      expect((err as ConfigError).lines()).toEqual([
        'configs/x.yaml:2: istio.randomSamplingPercentage: 150 is too large; allowed: at most 100',
      ]);
      expect((err as ConfigError).kind).toBe('invalid');
    }
  });

  test('each problem carries the line of its key; a path the file does not write has none', () => {
    const text =
      '# lab, with two mistakes\nprofile: lab\njaeger:\n  collector:\n    replicas: "3"\nistio:\n\n  randomSamplingPercentag: 5\n';
    let caught: ConfigError | undefined;
    try {
      parseConfigText(text, 'x.yaml');
    } catch (err) {
      caught = err as ConfigError;
    }
    expect(caught?.problems.map((p) => [p.path, p.line])).toEqual([
      ['istio.randomSamplingPercentag', 8],
      ['jaeger.collector.replicas', 5],
    ]);
  });

  test('a __proto__ key is refused with its line, not silently dropped', () => {
    expect(problems('jaeger:\n  __proto__:\n    topology: allInOne\n')).toEqual([
      expect.stringMatching(
        /^line 2, column 3: "  __proto__:" has the key "__proto__", which JavaScript takes as the object's prototype, not as data; allowed: any other key$/,
      ),
    ]);
  });

  test('a second document is refused, naming its line', () => {
    expect(problems('profile: ci\n---\nprofile: lab\n')).toEqual([
      expect.stringMatching(/^line 2, column 1: "---" holds more than 1 YAML document; allowed: one document/),
    ]);
  });

  test('merge keys merge (as kubectl and Helm read them); explicit keys win', () => {
    const merged = parseConfigText(
      'profile: ci\nbookinfo:\n  <<: {reviewsVersions: [v1], tag: 1.20.3}\n  reviewsVersions: [v2]\n',
      'x.yaml',
    );
    expect(merged.bookinfo.reviewsVersions).toEqual(['v2']);
  });

  test('2,000 unknown keys print 50 problem lines and one line counting the rest', () => {
    const text = Array.from({ length: 2_000 }, (_, i) => `k${i}: 1`).join('\n');
    let caught: ConfigError | undefined;
    try {
      parseConfigText(text, 'many.yaml');
    } catch (err) {
      caught = err as ConfigError;
    }
    expect(caught?.problems).toHaveLength(2_000);
    const lines = caught!.lines();
    expect(lines).toHaveLength(51);
    expect(lines[0]).toMatch(/^many\.yaml:1: k0: 1 is not a known field/);
    expect(lines[50]).toBe('many.yaml: … 1950 more problems (fix these and run again, or use --json for all)');
    expect(caught!.message.split('\n')).toHaveLength(52);
  });
});

describe('loadConfig from files and flags', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshtrace-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a YAML file whose profile field picks the base', async () => {
    const file = join(dir, 'ci-plus.yaml');
    writeFileSync(file, 'profile: ci\nbookinfo:\n  reviewsVersions: [v3]\n');
    const config = await loadConfig({ config: file });
    expect(config.profile).toBe('ci');
    expect(config.bookinfo.reviewsVersions).toEqual(['v3']);
    expect(config.jaeger.storage).toMatchObject({ maxTraces: 20000 });
  });

  test('a missing file cannot be checked (kind unreadable, exit 2 in the CLI)', async () => {
    await expect(loadConfig({ config: join(dir, 'nope.yaml') })).rejects.toMatchObject({
      kind: 'unreadable',
      problems: [expect.objectContaining({ path: '--config', message: expect.stringContaining('ENOENT') })],
    });
  });

  test('--config and --profile together are refused', async () => {
    await expect(loadConfig({ config: 'x.yaml', profile: 'ci' })).rejects.toThrow(/cannot be combined with --config/);
  });
});

describe('helpers', () => {
  test.each([
    ['jaegertracing/jaeger:2.20.0', { path: 'jaegertracing/jaeger', tag: '2.20.0' }],
    [
      'registry.istio.io/release/examples-bookinfo-details-v1:1.20.3',
      { registry: 'registry.istio.io', path: 'release/examples-bookinfo-details-v1', tag: '1.20.3' },
    ],
    ['localhost:5000/relay:dev', { registry: 'localhost:5000', path: 'relay', tag: 'dev' }],
    [`busybox@sha256:${'a'.repeat(64)}`, { path: 'busybox', digest: `sha256:${'a'.repeat(64)}` }],
  ])('parseImageRef(%s)', (ref, expected) => {
    expect(parseImageRef(ref)).toMatchObject(expected);
  });

  test.each([['UPPER/case:1'], ['a b:1'], ['repo:tag with space'], ['repo:']])('parseImageRef rejects %j', (ref) => {
    expect(parseImageRef(ref)).toBeUndefined();
  });

  test('didYouMean suggests only close names', () => {
    expect(didYouMean('topolgy', ['image', 'topology', 'storage'])).toBe('topology');
    expect(didYouMean('zzzzzz', ['image', 'topology'])).toBeUndefined();
  });
});
