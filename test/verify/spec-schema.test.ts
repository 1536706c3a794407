import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as load } from 'yaml';
import Ajv2020 from 'ajv/dist/2020';
import { REPO_ROOT } from '../../src/paths';
import { specJsonSchema } from '../../src/verify/spec';

const DIR = join(REPO_ROOT, 'samples', 'expectations');
const SCHEMA_FILE = join(DIR, 'spec.schema.json');

describe('spec JSON Schema (editor support)', () => {
  test('samples/expectations/spec.schema.json is what the zod spec shape generates', () => {
    // WHEN the file on disk is compared with a fresh generation THEN they agree
    // (regenerate: npx tsx -e "import('./src/verify/spec.ts').then(m => console.log(JSON.stringify(m.specJsonSchema(), null, 2)))" > samples/expectations/spec.schema.json)
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(specJsonSchema());
  });

  test('every shipped spec validates against it, and a typo does not', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(specJsonSchema());
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.yaml'))) {
      const ok = validate(load(readFileSync(join(DIR, f), 'utf8')));
      expect([f, ok ? [] : validate.errors]).toEqual([f, []]);
    }
    expect(validate({ name: 'x', spans: { a: { servce: 'typo' } } })).toBe(false);
    expect(validate.errors![0]!.keyword).toBe('additionalProperties');
  });
});
