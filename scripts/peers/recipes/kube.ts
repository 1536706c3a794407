/**
 * A Kubernetes control plane without nodes: etcd, kube-apiserver and kube-controller-manager,
 * and the kubectl of the same release (the cluster lane applies with kubectl).
 *
 * `k8s.io/kubernetes` is not meant to be a dependency: its go.mod points its staging modules
 * (`k8s.io/api`, `k8s.io/client-go`, …) at folders of its own repository (`=> ./staging/src/…`).
 * A scratch module of ours therefore requires `k8s.io/kubernetes` and pins every one of those
 * staging modules to its published `v0.<minor>.<patch>` release with a module-version `replace`
 * line. The list of staging modules is read from the downloaded upstream go.mod (never typed by
 * hand), so a bump of the pin brings the right list along. etcd is built from a two-line `main`
 * of ours calling `etcdmain.Main`, at the etcd release kubernetes' own go.mod requires (checked).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GO_BUILD_ENV } from '../go';
import { PeerError, type Recipe } from '../recipe';
import { PEER_VERSIONS } from '../versions';

const version = PEER_VERSIONS.kube;
const etcdVersion = PEER_VERSIONS.etcd;
const MODULE = 'meshtrace-peers/kube';
const ETCD_SERVER = 'go.etcd.io/etcd/server/v3';
const KUBE_PACKAGES = [
  { pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', program: 'kube-apiserver' },
  { pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager', program: 'kube-controller-manager' },
  // the cluster lane applies with kubectl: the suite runs it at the server's own release
  { pkg: 'k8s.io/kubernetes/cmd/kubectl', program: 'kubectl' },
] as const;
/** etcd's main lives in our module (etcd's own `server/v3/main.go` is package etcdmain's caller upstream). */
const ETCD_MAIN_DIR = 'cmd/etcd';

/** The modules kubernetes' go.mod replaces with local staging folders (`k8s.io/x => ./staging/src/k8s.io/x`). */
export function stagingModules(upstreamGoMod: string): string[] {
  const found = new Set<string>();
  for (const m of upstreamGoMod.matchAll(/^\s*(?:replace\s+)?(\S+)(?:\s+v\S+)?\s+=>\s+\.\/staging\/\S+\s*$/gm)) found.add(m[1]!);
  return [...found].sort();
}

/** The version kubernetes' go.mod requires of `module` (direct or indirect), or undefined. */
export function requiredVersion(upstreamGoMod: string, module: string): string | undefined {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(upstreamGoMod);
  return m?.[1];
}

/** The staging modules' release for a kubernetes version: 1.36.1 → v0.36.1. */
export function stagingVersion(kubeVersion: string): string {
  const m = /^1\.(\d+)\.(\d+)$/.exec(kubeVersion);
  if (!m) throw new PeerError(`kube: pinned version "${kubeVersion}" is not 1.<minor>.<patch>`);
  return `v0.${m[1]}.${m[2]}`;
}

/** The scratch module's go.mod, before `go mod tidy` fills in the indirect requirements. */
export function scratchGoMod(upstreamGoMod: string, kubeVersion: string, etcd: string, goVersion: string): string {
  const staging = stagingModules(upstreamGoMod);
  if (staging.length === 0)
    throw new PeerError(
      'kube: the downloaded kubernetes go.mod has no `=> ./staging/…` replace lines; its layout changed, so this recipe needs a look',
    );
  const wanted = requiredVersion(upstreamGoMod, ETCD_SERVER);
  if (wanted !== `v${etcd}`)
    throw new PeerError(
      `kube: kubernetes ${kubeVersion} requires ${ETCD_SERVER} ${wanted ?? '(nothing)'}, but versions.ts pins etcd ${etcd}; pin the one kubernetes requires`,
    );
  const sv = stagingVersion(kubeVersion);
  return [
    `module ${MODULE}`,
    '',
    `go ${goVersion}`,
    '',
    ...KUBE_PACKAGES.map((p) => `tool ${p.pkg}`),
    '',
    `require k8s.io/kubernetes v${kubeVersion}`,
    '',
    `require ${ETCD_SERVER} v${etcd}`,
    '',
    ...staging.map((m) => `replace ${m} => ${m} ${sv}`),
    '',
  ].join('\n');
}

/**
 * The version stamp kubernetes' own build links in (hack/lib/version.sh): without it the programs
 * report v0.0.0-master, and kubectl's version-skew logic and `/version` would say so.
 */
export function versionLdflags(kubeVersion: string): string {
  const [major, minor] = kubeVersion.split('.');
  const pkg = 'k8s.io/component-base/version';
  return [
    `-X ${pkg}.gitVersion=v${kubeVersion}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ].join(' ');
}

const ETCD_MAIN = `// etcd built from its published module; the same two lines as etcd's own server/main.go.
package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`;

export const kube: Recipe = {
  name: 'kube',
  version,
  programs: ['etcd', ...KUBE_PACKAGES.map((p) => p.program)],
  fingerprint: `etcd ${etcdVersion}`,
  async install(ctx) {
    const go = ctx.tool('go', 'install Go ≥ 1.26 (kubernetes 1.36 needs it) and put it on PATH');
    const src = join(ctx.dir, 'src');
    mkdirSync(join(src, ETCD_MAIN_DIR), { recursive: true });
    const env = { ...GO_BUILD_ENV };
    const info = JSON.parse(
      await ctx.run(`go mod download k8s.io/kubernetes@v${version}`, go, ['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], {
        cwd: src,
        env,
        failure: `the Go module proxy did not give k8s.io/kubernetes v${version}`,
      }),
    ) as { GoMod?: string; GoVersion?: string };
    if (!info.GoMod) throw new PeerError(`kube: \`go mod download -json k8s.io/kubernetes@v${version}\` named no go.mod file`);
    const upstream = readFileSync(info.GoMod, 'utf8');
    const goLine = /^go\s+(\S+)/m.exec(upstream)?.[1] ?? info.GoVersion;
    if (!goLine) throw new PeerError(`kube: ${info.GoMod} has no go directive`);
    writeFileSync(join(src, 'go.mod'), scratchGoMod(upstream, version, etcdVersion, goLine));
    writeFileSync(join(src, ETCD_MAIN_DIR, 'main.go'), ETCD_MAIN);
    await ctx.run('go mod tidy', go, ['mod', 'tidy'], {
      cwd: src,
      env,
      failure:
        'go mod tidy of the kube scratch module failed (the Go module proxy must serve every k8s.io staging module at the pinned release)',
    });
    const builds = [{ pkg: `./${ETCD_MAIN_DIR}`, program: 'etcd' }, ...KUBE_PACKAGES];
    for (const b of builds) {
      await ctx.run(
        `go build ${b.program}`,
        go,
        ['build', '-trimpath', `-ldflags=-s -w ${versionLdflags(version)}`, '-o', join(ctx.binDir, b.program), b.pkg],
        { cwd: src, env, failure: `go build of ${b.pkg} failed` },
      );
    }
  },
  async check(ctx) {
    const etcd = await ctx.run('etcd --version', join(ctx.binDir, 'etcd'), ['--version']);
    ctx.log(etcd.trim().split('\n')[0] ?? '');
    const api = await ctx.run('kube-apiserver --version', join(ctx.binDir, 'kube-apiserver'), ['--version']);
    ctx.log(api.trim());
    if (!api.includes(`v${version}`))
      throw new PeerError(`kube: kube-apiserver --version says "${api.trim()}", not v${version}: the version stamp did not link in`);
  },
};
