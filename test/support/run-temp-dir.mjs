// One temp folder per jest run, removed when the run ends: what the tests and the programs they
// start put in the OS temp folder and nothing else removes (cdk8s's `Testing.app()` makes an empty
// `cdk8s.outdir.*` folder per app, ~1000 a run; the real programs' logs and the API server's etcd
// data, ~75 MB a run; small temp projects) stays inside it. globalSetup sets TMPDIR before jest
// starts its workers, which inherit it, as does every program they start; os.tmpdir() reads it on
// each call. A run that is killed leaves its one folder behind, never a run's worth of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** globalThis key of the run's folder: globalSetup and globalTeardown share a process. */
const RUN_TEMP_DIR = Symbol.for('meshtrace.jest.runTempDir');

export function useRunTempDir() {
  // Screenshots for people to look at go beside it, in one folder the next run overwrites (test/support/kept-file.ts).
  process.env.MESHTRACE_TEST_KEPT_DIR ??= join(tmpdir(), 'meshtrace-test-kept');
  const dir = mkdtempSync(join(tmpdir(), 'meshtrace-test-run-'));
  globalThis[RUN_TEMP_DIR] = dir;
  process.env.TMPDIR = dir;
}

export function removeRunTempDir() {
  const dir = globalThis[RUN_TEMP_DIR];
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  if (process.env.MESHTRACE_TEARDOWN_VERBOSE) process.stderr.write(`globalTeardown: removed ${dir}\n`);
}
