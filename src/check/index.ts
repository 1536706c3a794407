/**
 * Public API of `meshtrace check` (CONTRACT for synth, which checks in memory before writing).
 * Placeholder body: replaced by the check implementation (issue 2 / issue 10).
 */
import type { Finding, ManifestDoc } from './finding';

export * from './finding';

export interface CheckOptions {
  /** Installer inputs (`dist/install/*`: Istio overlay/values, Traefik values, kind config). */
  readonly installDocs?: readonly ManifestDoc[];
}

/** Runs every checker over the documents; resolves to all findings (errors make synth fail). */
export async function checkManifests(_docs: readonly ManifestDoc[], _options: CheckOptions = {}): Promise<Finding[]> {
  return [];
}
