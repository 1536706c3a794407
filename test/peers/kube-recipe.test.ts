/**
 * The kube recipe's scratch go.mod, from an upstream-shaped go.mod (offline): one module-version
 * replace per staging module kubernetes points at its own folders, the etcd pin checked against
 * what kubernetes requires, and the version stamp kubernetes' own build links in.
 */
import { requiredVersion, scratchGoMod, stagingModules, stagingVersion, versionLdflags } from '../../scripts/peers/recipes/kube';

const UPSTREAM = [
  'module k8s.io/kubernetes',
  '',
  'go 1.26.0',
  '',
  'require (',
  '\tgo.etcd.io/etcd/client/v3 v3.6.8',
  '\tk8s.io/api v0.0.0',
  ')',
  '',
  'require (',
  '\tgo.etcd.io/etcd/server/v3 v3.6.8 // indirect',
  ')',
  '',
  'replace (',
  '\tk8s.io/api => ./staging/src/k8s.io/api',
  '\tk8s.io/client-go => ./staging/src/k8s.io/client-go',
  '\tgithub.com/example/fork => github.com/example/fork v1.2.3',
  ')',
  'replace k8s.io/kubectl => ./staging/src/k8s.io/kubectl',
].join('\n');

describe('kube recipe', () => {
  test('staging modules are the local-folder replaces only, sorted', () => {
    expect(stagingModules(UPSTREAM)).toEqual(['k8s.io/api', 'k8s.io/client-go', 'k8s.io/kubectl']);
  });

  test('required versions are read from block and indirect require lines', () => {
    expect(requiredVersion(UPSTREAM, 'go.etcd.io/etcd/server/v3')).toBe('v3.6.8');
    expect(requiredVersion(UPSTREAM, 'go.etcd.io/etcd/client/v3')).toBe('v3.6.8');
    expect(requiredVersion(UPSTREAM, 'go.etcd.io/etcd/nothing/v3')).toBeUndefined();
  });

  test('the scratch go.mod pins each staging module to v0.<minor>.<patch>', () => {
    const mod = scratchGoMod(UPSTREAM, '1.36.1', '3.6.8', '1.26.0');
    expect(mod).toContain('require k8s.io/kubernetes v1.36.1');
    expect(mod).toContain('require go.etcd.io/etcd/server/v3 v3.6.8');
    expect(mod.split('\n').filter((l) => l.startsWith('replace '))).toEqual([
      'replace k8s.io/api => k8s.io/api v0.36.1',
      'replace k8s.io/client-go => k8s.io/client-go v0.36.1',
      'replace k8s.io/kubectl => k8s.io/kubectl v0.36.1',
    ]);
    expect(mod).toContain('tool k8s.io/kubernetes/cmd/kube-apiserver');
  });

  test('an etcd pin kubernetes does not require is refused, naming both', () => {
    expect(() => scratchGoMod(UPSTREAM, '1.36.1', '3.6.9', '1.26.0')).toThrow(
      'kubernetes 1.36.1 requires go.etcd.io/etcd/server/v3 v3.6.8, but versions.ts pins etcd 3.6.9',
    );
  });

  test('a go.mod without staging replaces is refused (its layout changed)', () => {
    expect(() => scratchGoMod('module k8s.io/kubernetes\ngo 1.26.0\n', '1.36.1', '3.6.8', '1.26.0')).toThrow(
      /no `=> \.\/staging\/…` replace lines/,
    );
  });

  test('versions: staging release and the linked version stamp', () => {
    expect(stagingVersion('1.36.1')).toBe('v0.36.1');
    expect(() => stagingVersion('v1.36')).toThrow(/not 1\.<minor>\.<patch>/);
    expect(versionLdflags('1.36.1')).toContain('-X k8s.io/component-base/version.gitVersion=v1.36.1');
    expect(versionLdflags('1.36.1')).toContain('-X k8s.io/component-base/version.gitMinor=36');
  });
});
