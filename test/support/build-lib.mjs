// jest globalSetup: the CLI-in-a-child-process tests run the compiled CLI (bin → lib/), as users do,
// so lib/ is rebuilt from the current sources first (esbuild only, ~1 s; declarations are not needed).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** globalThis key of the run's start (ms), for the teardown: globalSetup and globalTeardown share a process. */
export const RUN_STARTED_AT = Symbol.for('meshtrace.jest.runStartedAt');

export default function buildLib() {
  globalThis[RUN_STARTED_AT] = Date.now() - 1000;
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'build.ts'), '--js-only'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
}
