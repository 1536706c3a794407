/**
 * Ownership of kind clusters. `up` marks a cluster it created twice: a file
 * `.meshtrace/clusters/<name>.json` on this machine and a ConfigMap `kube-system/meshtrace-owner`
 * in the cluster, both holding the same random token. `down` deletes a cluster only when both
 * exist and match, so a same-named cluster someone else made later is never deleted.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ProcessRunner } from './runner';

export const OWNER_CONFIGMAP = 'meshtrace-owner';
export const OWNER_NAMESPACE = 'kube-system';

export interface OwnerMarker {
  readonly cluster: string;
  readonly context: string;
  readonly token: string;
  readonly createdAt: string;
}

/** Reads the marker; undefined when absent or unreadable (an unreadable marker proves nothing). */
export function readMarker(root: string, file: string): OwnerMarker | undefined {
  const path = join(root, file);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<OwnerMarker>;
    if (typeof parsed.token !== 'string' || typeof parsed.cluster !== 'string') return undefined;
    return parsed as OwnerMarker;
  } catch {
    return undefined;
  }
}

export function writeMarker(root: string, file: string, marker: OwnerMarker): void {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(marker, null, 2)}\n`);
}

export function removeMarker(root: string, file: string): void {
  rmSync(join(root, file), { force: true });
}

/** Names from `kind get clusters` (kind prints "No kind clusters found." on stderr when empty). */
export function parseKindClusters(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^No kind clusters found/i.test(l));
}

export async function listKindClusters(runner: ProcessRunner): Promise<string[]> {
  const result = await runner.run('kind', ['get', 'clusters'], { timeoutMs: 30_000 });
  if (result.exitCode !== 0)
    throw new Error(`\`kind get clusters\` failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n')[0] ?? ''}`);
  return parseKindClusters(result.stdout);
}

/** The kubectl command that writes the in-cluster half of the mark. */
export function createOwnerConfigMapArgs(context: string, marker: OwnerMarker): string[] {
  return [
    '--context',
    context,
    '--namespace',
    OWNER_NAMESPACE,
    'create',
    'configmap',
    OWNER_CONFIGMAP,
    `--from-literal=token=${marker.token}`,
    `--from-literal=createdAt=${marker.createdAt}`,
  ];
}

/** The kubectl command that reads the in-cluster token. */
export function readOwnerTokenArgs(context: string): string[] {
  return ['--context', context, '--namespace', OWNER_NAMESPACE, 'get', 'configmap', OWNER_CONFIGMAP, '--output=jsonpath={.data.token}'];
}
