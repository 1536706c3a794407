/**
 * What `meshtrace check` reports. Every checker (schema, strict keys, cross-references, pod
 * security, the tracing doctor's rules) returns findings of this one shape. A leaf module
 * (imports nothing) so that constructs can report on their own rules without the checker.
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
