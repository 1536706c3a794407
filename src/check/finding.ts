/** The finding shape lives in the leaf `src/finding.ts` (constructs use it too); check re-exports it. */
export type { Finding, Severity } from '../finding';

/** One YAML document of a manifest folder (or of a synth still in memory). */
export interface ManifestDoc {
  /** File name relative to the folder, e.g. `0001-jaeger.k8s.yaml` or `install/traefik-values.yaml`. */
  readonly file: string;
  /** Position of the document inside the file (0-based). */
  readonly index: number;
  readonly object: Record<string, unknown>;
  /** Line where the object starts in its file (1-based), when it was read from one. */
  readonly line?: number;
}
