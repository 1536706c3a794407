/**
 * The committed unknown-field tree (`known-fields.generated.json`), written by
 * scripts/generate-known-fields.ts from the installed kubernetes-models packages' type declarations.
 * Its shape lives here, beside the check that reads it, so the run-time code needs no TypeScript compiler.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../paths';

/** Packages whose kinds are covered; `check` imports their model classes at run time (see `modules`). */
export const MODEL_PACKAGES = [
  'kubernetes-models',
  '@kubernetes-models/istio',
  '@kubernetes-models/traefik',
  '@kubernetes-models/prometheus-operator',
] as const;

/** One node of the tree: `p` properties, `i` array items, `m` map values (indexes into `types`); -1 = any value. */
export interface KnownFieldsNode {
  p?: Record<string, number>;
  i?: number;
  m?: number;
}

export interface KnownFieldsFile {
  /** Package versions the tree was generated from (drift detection). */
  readonly packages: Record<string, string>;
  /** `apiVersion/Kind` → index of the root node. */
  readonly roots: Record<string, number>;
  /** `apiVersion/Kind` → module that exports the model class (for schema validation). */
  readonly modules: Record<string, string>;
  readonly types: KnownFieldsNode[];
}

export const KNOWN_FIELDS_FILE = join(REPO_ROOT, 'src', 'check', 'schema', 'known-fields.generated.json');
