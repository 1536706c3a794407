/**
 * The one YAML writer for files the kit renders itself (configs embedded in ConfigMaps, Helm values,
 * the kind cluster config); the manifests around them come from cdk8s's `Yaml.stringify`, which uses
 * the same library with the same YAML 1.1 rules. A leaf module, like ./load.
 */
import { stringify } from 'yaml';

/**
 * Deterministic YAML: keys in insertion order, no line folding, no anchors for repeated objects.
 * YAML 1.1 quoting, because the readers are Go programs on YAML 1.1 rules (go-yaml in the collector,
 * Helm, kind): a string such as `2006-01-02`, `yes` or `0755` stays quoted and so stays a string.
 * Single quotes where quotes are needed keep the bytes the kit has always written.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', singleQuote: true, lineWidth: 0, aliasDuplicateObjects: false });
}
