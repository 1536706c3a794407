/**
 * sha256 of every file under a folder (symlinked folders followed, so a `dist/install` symlink is
 * compared by what it holds), for tests that must prove a folder is exactly one tree or another.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type TreeSnapshot = Record<string, string>;

export function snapshotTree(dir: string, skip: (name: string) => boolean = () => false): TreeSnapshot {
  const out: TreeSnapshot = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (skip(entry.name)) continue;
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(dir, p)).isDirectory());
      if (isDir) walk(p);
      else
        out[p] = createHash('sha256')
          .update(readFileSync(join(dir, p)))
          .digest('hex');
    }
  };
  walk('');
  return out;
}
