/**
 * Test helper: validates objects against the IngressRoute CRD's own openAPIV3Schema, closed the way
 * the API server's strict field validation closes it (an unknown field is an error, not a no-op).
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse as load } from 'yaml';
import { referencePath } from '../../../src/paths';

type Obj = Record<string, any>;

function closeSchema(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeSchema);
  if (typeof node !== 'object' || node === null) return;
  const s = node as Obj;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
  Object.values(s).forEach(closeSchema);
}

let validate: ReturnType<Ajv['compile']> | undefined;

export function ingressRouteCrdErrors(object: unknown): string[] {
  if (!validate) {
    const crd = load(readFileSync(referencePath('traefik', 'crd-traefik.io_ingressroutes.yaml'), 'utf8')) as Obj;
    const version = crd.spec.versions.find((v: Obj) => v.name === 'v1alpha1');
    const schema = JSON.parse(JSON.stringify(version.schema.openAPIV3Schema));
    closeSchema(schema);
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (validate(object)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}
