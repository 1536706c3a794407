// jest globalTeardown: removes what this run left in the OS temp folder that nothing else removes.
// - The empty `cdk8s.outdir.*` folders: cdk8s's `Testing.app()` / `Testing.chart()` make one with
//   mkdtemp for every app, ~1000 a run; `Testing.synth` never writes into them. Only empty ones
//   (rmdir refuses a non-empty one), so a concurrent run elsewhere loses at most an empty folder,
//   which `App.synth()` would make again.
// - The real programs' `meshtrace-peers-*` folders (test/support/peers.ts: their logs, which a
//   failing test quotes while it runs, and the API server's etcd data, ~75 MB each): 2.3 GB after
//   eight runs on one machine.
// Only folders made since the run started are touched.
import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_STARTED_AT } from './build-lib.mjs';

export default function removeRunLeftovers() {
  const started = globalThis[RUN_STARTED_AT] ?? 0;
  const dir = tmpdir();
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const emptyOnly = name.startsWith('cdk8s.outdir.');
    if (!emptyOnly && !name.startsWith('meshtrace-peers-')) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs < started) continue;
      if (emptyOnly) rmdirSync(path);
      else rmSync(path, { recursive: true, force: true });
      removed += 1;
    } catch {
      // not empty, or already gone: not ours to clear
    }
  }
  if (process.env.MESHTRACE_TEARDOWN_VERBOSE) process.stderr.write(`globalTeardown: removed ${removed} folders this run left\n`);
}
