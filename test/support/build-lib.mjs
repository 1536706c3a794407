// Part of jest's globalSetup: the CLI-in-a-child-process tests run the compiled CLI (bin → lib/), as
// users do, so lib/ is rebuilt from the current sources first (esbuild only, ~1 s; declarations are
// not needed).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function buildLib() {
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'build.ts'), '--js-only'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
}
