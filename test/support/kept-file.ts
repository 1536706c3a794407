import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a test writes a file meant for people to look at after the run (a screenshot): a folder that
 * outlives the run's temp folder (test/support/run-temp-dir.mjs sets it, one per machine, each run
 * overwriting the last run's files), or the OS temp folder when jest runs without the globalSetup.
 */
export function keptFilePath(name: string): string {
  const dir = process.env.MESHTRACE_TEST_KEPT_DIR ?? tmpdir();
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
