import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spellOutSpecifiers } from '../../scripts/build-declarations';

describe('declaration specifiers for nodenext consumers', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshtrace-dts-'));
    writeFileSync(join(dir, 'config.d.ts'), '');
    mkdirSync(join(dir, 'verify'));
    writeFileSync(join(dir, 'verify', 'index.d.ts'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a file gets .js, a folder /index.js; packages, .js and unknown paths stay', () => {
    const text = [
      "export * from './config';",
      "export { a } from './verify';",
      "import type { B } from '../outside';",
      "export { c } from './already.js';",
      "import { App } from 'cdk8s';",
      "type T = import('./config').X;",
    ].join('\n');
    expect(spellOutSpecifiers(text, dir).split('\n')).toEqual([
      "export * from './config.js';",
      "export { a } from './verify/index.js';",
      "import type { B } from '../outside';",
      "export { c } from './already.js';",
      "import { App } from 'cdk8s';",
      "type T = import('./config.js').X;",
    ]);
  });
});
