/**
 * The declarations tsc writes keep the sources' extensionless relative specifiers (`'./config'`),
 * which a consumer compiling with `moduleResolution: node16/nodenext` cannot follow. This spells
 * each one out as the file that exists (`./config.js` or `./config/index.js`), so the package's
 * types resolve under every TypeScript resolution mode.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const RELATIVE_SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*)\2/g;

/** Rewrites one declaration file's text; `dir` is its folder, for existence checks. */
export function spellOutSpecifiers(text: string, dir: string): string {
  return text.replace(RELATIVE_SPECIFIER, (whole, lead: string, quote: string, spec: string) => {
    if (/\.(?:js|mjs|cjs|json)$/.test(spec)) return whole;
    if (existsSync(join(dir, `${spec}.d.ts`))) return `${lead}${quote}${spec}.js${quote}`;
    if (existsSync(join(dir, spec, 'index.d.ts'))) return `${lead}${quote}${spec}/index.js${quote}`;
    return whole;
  });
}

/** Applies spellOutSpecifiers to every `.d.ts` under `root`. */
export function fixDeclarationSpecifiers(root: string): void {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) fixDeclarationSpecifiers(path);
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = spellOutSpecifiers(text, dirname(path));
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
}
