/**
 * Test helper: validates Traefik Helm values the way `helm install` does — the user's values merged
 * over the chart's own values.yaml (maps merge, lists and scalars replace, null deletes), then
 * checked against the chart's values.schema.json (JSON Schema 2020-12).
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { parse as load } from 'yaml';
import { referencePath } from '../../../src/paths';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's coalesce: user values win; nested maps merge; `null` removes the chart default. */
export function helmMerge(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = helmMerge(base[k], v);
  }
  return out;
}

let cached: { validate: ReturnType<Ajv2020['compile']>; defaults: unknown } | undefined;

function chart(): NonNullable<typeof cached> {
  if (!cached) {
    const schema = JSON.parse(readFileSync(referencePath('traefik', 'helm-chart-41.3.0.values.schema.json'), 'utf8'));
    const defaults = load(readFileSync(referencePath('traefik', 'helm-chart-41.3.0.values.yaml'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    cached = { validate: ajv.compile(schema), defaults };
  }
  return cached;
}

/** Schema errors of values merged over the chart defaults, as `path message` strings (empty = valid). */
export function chartSchemaErrors(values: unknown): string[] {
  const { validate, defaults } = chart();
  const merged = helmMerge(defaults, JSON.parse(JSON.stringify(values)));
  if (validate(merged)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}
