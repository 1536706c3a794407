/**
 * The peers driver with small local recipes (no registry): idempotent installs, stale stamps,
 * failures that name the command, the manifest other suites read, and peerPath's errors.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReplaces } from '../../scripts/peers/go';
import { installPeers, isInstalled, readManifest, selectRecipes } from '../../scripts/peers/install';
import { programPath } from '../../scripts/peers/layout';
import type { Recipe } from '../../scripts/peers/recipe';
import { PEER_VERSIONS } from '../../scripts/peers/versions';
import { peerPath } from '../support/peers';

function scriptRecipe(name: string, version: string, extra: Partial<Recipe> = {}): Recipe & { installs: number } {
  const r = {
    name,
    version,
    programs: [`${name}-tool`],
    installs: 0,
    async install(ctx: Parameters<Recipe['install']>[0]) {
      r.installs++;
      await ctx.run('write script', 'sh', [
        '-c',
        `printf '#!/bin/sh\\necho ${name} ${version}\\n' > ${join(ctx.binDir, `${name}-tool`)} && chmod +x ${join(ctx.binDir, `${name}-tool`)}`,
      ]);
    },
    ...extra,
  };
  return r;
}

const quiet = { print: () => undefined };

describe('npm run peers driver', () => {
  test('installs once, then answers from the cache; the manifest maps each program to its version and path', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peers-test-'));
    const a = scriptRecipe('alpha', '1.2.3');
    const first = await installPeers([a], { root, ...quiet });
    expect(first.map((r) => r.outcome)).toEqual(['installed']);
    const second = await installPeers([a], { root, ...quiet });
    expect(second.map((r) => r.outcome)).toEqual(['cached']);
    expect(a.installs).toBe(1);
    expect(readManifest(root)).toEqual({ 'alpha-tool': { version: '1.2.3', path: programPath(root, 'alpha', '1.2.3', 'alpha-tool') } });
  });

  test('a changed fingerprint or a deleted program makes the cache stale', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peers-test-'));
    const a = scriptRecipe('alpha', '1.0.0', { fingerprint: 'one' });
    await installPeers([a], { root, ...quiet });
    expect(isInstalled(root, { ...a, fingerprint: 'two' })).toBe(false);
    writeFileSync(programPath(root, 'alpha', '1.0.0', 'alpha-tool'), 'not executable');
    chmodSync(programPath(root, 'alpha', '1.0.0', 'alpha-tool'), 0o644);
    expect(isInstalled(root, a)).toBe(false);
    expect((await installPeers([a], { root, ...quiet }))[0]!.outcome).toBe('installed');
    expect(a.installs).toBe(2);
  });

  test("a failing command's error names the step, the command and its last output; the manifest has no entry for it", async () => {
    const root = mkdtempSync(join(tmpdir(), 'peers-test-'));
    const bad = scriptRecipe('broken', '0.1.0', {
      async install(ctx) {
        await ctx.run('fetch thing', 'sh', ['-c', 'echo "410 Gone: no such version" >&2; exit 3'], {
          failure: 'the registry did not give broken@0.1.0',
        });
      },
    });
    const good = scriptRecipe('alpha', '1.0.0');
    const results = await installPeers([bad, good], { root, ...quiet });
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'installed']);
    expect(results[0]!.error).toMatch(
      /^the registry did not give broken@0\.1\.0\n {2}command: sh -c .*\n {2}exit code 3 after .*\n.*\| 410 Gone: no such version/s,
    );
    expect(Object.keys(readManifest(root))).toEqual(['alpha-tool']);
    expect(readFileSync(join(root, 'broken-0.1.0', 'install.log'), 'utf8')).toContain('410 Gone');
  });

  test('an install that ends without its program fails, naming the missing file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peers-test-'));
    const r = scriptRecipe('empty', '1.0.0', { install: async () => undefined });
    const [result] = await installPeers([r], { root, ...quiet });
    expect(result!.outcome).toBe('failed');
    expect(result!.error).toContain('ended without bin/empty-tool');
  });

  test('a missing toolchain is named with what to install', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peers-test-'));
    const r = scriptRecipe('needs', '1.0.0', {
      async install(ctx) {
        ctx.tool('no-such-compiler-xyz', 'install the XYZ compiler');
      },
    });
    const [result] = await installPeers([r], { root, ...quiet });
    expect(result!.error).toBe('missing toolchain: `no-such-compiler-xyz` is not on PATH (install the XYZ compiler)');
  });

  test('a subset by name; an unknown name lists the known ones', () => {
    const all = [scriptRecipe('a', '1'), scriptRecipe('b', '1'), scriptRecipe('c', '1')];
    expect(selectRecipes(all, ['c', 'a']).map((r) => r.name)).toEqual(['a', 'c']);
    expect(selectRecipes(all, []).map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(() => selectRecipes(all, ['b', 'zz'])).toThrow('unknown peer "zz"; known: a, b, c');
  });
});

describe('parseReplaces (the forks a Go program builds with)', () => {
  test('block and single-line replace lines with a version; local-path replaces and comments are left out', () => {
    const goMod = [
      'module github.com/traefik/traefik/v3',
      'require github.com/abbot/go-http-auth v0.0.0-00010101000000-000000000000',
      'replace (',
      '\tgithub.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e',
      '\tgithub.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59 // fork',
      '\texample.com/local => ../local',
      ')',
      'replace github.com/mailgun/minheap v0.1.0 => github.com/containous/minheap v0.0.0-20190809180810-6e71eb837595',
    ].join('\n');
    expect(parseReplaces(goMod)).toEqual([
      { from: 'github.com/abbot/go-http-auth', to: 'github.com/containous/go-http-auth@v0.4.1-0.20200324110947-a37a7636d23e' },
      { from: 'github.com/gorilla/mux', to: 'github.com/containous/mux@v0.0.0-20250523120546-41b6ec3aed59' },
      { from: 'github.com/mailgun/minheap', to: 'github.com/containous/minheap@v0.0.0-20190809180810-6e71eb837595' },
    ]);
  });
});

describe('peerPath', () => {
  test('names npm run peers when nothing is installed, or another version is', () => {
    const root = mkdtempSync(join(tmpdir(), 'peers-test-'));
    expect(() => peerPath('jaeger', root)).toThrow(
      `run \`npm run peers -- jaeger\` (installs jaeger ${PEER_VERSIONS.jaeger} into ${root})`,
    );
    writeFileSync(join(root, 'installed.json'), JSON.stringify({ jaeger: { version: '0.0.1', path: '/bin/sh' } }));
    expect(() => peerPath('jaeger', root)).toThrow(`jaeger 0.0.1 is installed but ${PEER_VERSIONS.jaeger} is pinned`);
    writeFileSync(join(root, 'installed.json'), JSON.stringify({ jaeger: { version: PEER_VERSIONS.jaeger, path: '/bin/sh' } }));
    expect(peerPath('jaeger', root)).toBe('/bin/sh');
    expect(() => peerPath('hotrod', root)).toThrow(/hotrod is not installed .*npm run peers -- jaeger/);
    expect(() => peerPath('nginx', root)).toThrow(/no peer recipe installs "nginx"; known programs: envoy, jaeger, remote-storage, hotrod/);
  });
});
