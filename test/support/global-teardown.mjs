// jest globalTeardown: removes the empty `cdk8s.outdir.*` folders this run left in the OS temp
// folder. cdk8s's `Testing.app()` / `Testing.chart()` make one with mkdtemp for every app, ~1000 a
// run, and nothing removes them; `Testing.synth` never writes into them. Only empty folders made
// since the run started are removed (rmdir refuses a non-empty one), so a concurrent run elsewhere
// loses at most an empty folder, which `App.synth()` would make again.
import { readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_STARTED_AT } from './build-lib.mjs';

export default function removeCdk8sOutdirs() {
  const started = globalThis[RUN_STARTED_AT] ?? 0;
  const dir = tmpdir();
  let removed = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('cdk8s.outdir.')) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs < started) continue;
      rmdirSync(path);
      removed += 1;
    } catch {
      // not empty, or already gone: not ours to clear
    }
  }
  if (process.env.MESHTRACE_TEARDOWN_VERBOSE) process.stderr.write(`globalTeardown: removed ${removed} empty cdk8s.outdir.* folders\n`);
}
