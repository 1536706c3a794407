/**
 * What `meshtrace check` reports. Every checker (schema, strict keys, cross-references, pod
 * security, the tracing doctor's rules) returns findings of this one shape.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable rule id, e.g. `schema`, `unknown-field`, `xref/selector`, `pod-security/privileged`, `MT001`. */
  readonly rule: string;
  readonly severity: Severity;
  /** File the object came from (relative to the checked folder), when known. */
  readonly file?: string;
  /** `Kind namespace/name` of the object, when the finding is about one. */
  readonly object?: string;
  /** Dotted / indexed path of the field, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly field?: string;
  /** Line in the file (1-based): where the object's document starts, or the YAML error is. */
  readonly line?: number;
  /** What is wrong, with the bad value. */
  readonly message: string;
  /** What to do about it. */
  readonly fix?: string;
  /** Upstream documentation or issue that explains it. */
  readonly link?: string;
}

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
