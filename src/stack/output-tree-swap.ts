/**
 * The whole-tree swap: how the output writer replaces `dist/` when it can (its fallback, the per-file
 * journal, is in output-journal.ts; output-writer.ts decides which runs). The complete new tree is
 * staged beside the output folder, in its (real) parent, so on the same filesystem, then swapped in by
 * exactly two renames:
 *
 *   `.dist.meshtrace-next-<id>`   built file by file (hard links to the files kept, new files written)
 *   → `.dist.meshtrace-ready-<id>` one rename once complete: "ready" means complete, nothing else does
 *   dist → `.dist.meshtrace-old-<id>`, then `.dist.meshtrace-ready-<id>` → dist   (the swap)
 *   then `.dist.meshtrace-old-<id>` is deleted.
 *
 * No journal: what a later run must do follows from which of these names exist (`<id>` is
 * `<pid>-<start time, base 36 ms>-<random>`, so the names also say whose write it was):
 * - `next-*`                      → incomplete stage: delete;
 * - `ready-*` and no dist         → killed between the two renames: rename it in (roll forward);
 * - `ready-*` and dist            → complete but never swapped in: delete (dist may have been edited since);
 * - `old-*` and dist              → swapped in: delete the old tree;
 * - `old-*` and no dist, no ready → a rollback that did not finish: rename it back.
 * Linux has renameat2(RENAME_EXCHANGE), but Node does not expose it; so between the two renames there
 * is an instant (microseconds) with no `dist/` at all — never a mix, and the next run completes it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { STAGE_PREFIX, type Recovery } from './output-journal';
import { errnoCode, type WriterFs } from './writer-fs';

export type SwapKind = 'next' | 'ready' | 'old';

export const swapName = (outdirName: string, kind: SwapKind, id: string) => `.${outdirName}.meshtrace-${kind}-${id}`;

/** Where a swapped-out tree goes when files in it changed during the write: never recovered, never deleted by the kit. */
export const keptName = (outdirName: string, id: string) => `.${outdirName}.meshtrace-kept-${id}`;

export const newSwapId = (now: Date) => `${process.pid}-${now.getTime().toString(36)}-${randomBytes(4).toString('hex')}`;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface SwapEntry {
  readonly name: string;
  readonly kind: SwapKind;
  readonly pid: number;
  readonly startedAt: Date;
}

/** The swap entries of `outdirName` among the names in its parent folder, newest first. */
export function parseSwapEntries(outdirName: string, names: readonly string[]): SwapEntry[] {
  const pattern = new RegExp(`^\\.${escapeRegExp(outdirName)}\\.meshtrace-(next|ready|old)-(\\d+)-([0-9a-z]+)-[0-9a-f]{8}$`);
  const out: SwapEntry[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) out.push({ name, kind: m[1] as SwapKind, pid: Number(m[2]), startedAt: new Date(parseInt(m[3]!, 36)) });
  }
  return out.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.name < b.name ? 1 : -1));
}

/** One folder of the new tree, parents first; `mode` is the old folder's, kept (undefined: a new folder). */
export interface StageDir {
  readonly rel: string;
  readonly mode?: number;
}

/** The complete new tree, as steps: folders to make, entries of the old tree to hard-link, files to write. */
export interface TreeStage {
  readonly dirs: readonly StageDir[];
  /** Entries (files, symlinks, …) kept from the old tree, by path relative to the output folder. */
  readonly links: readonly string[];
  readonly writes: readonly { readonly rel: string; readonly content: string }[];
}

/** An entry of the old tree, as read by the walk. */
export interface OldEntry {
  readonly rel: string;
  readonly isDir: boolean;
  readonly mode: number;
}

/**
 * The new tree, from the old one (pure): every old entry stays (hard-linked) except files `replaced`
 * (written anew) and `removed`; `writes` are added; folders in `prune` (relative, any order; '' is the
 * output folder) that end up empty are left out, deepest first, as the per-file protocol removes them.
 * No dirs at all: the new "tree" is no folder.
 */
export function planTreeStage(
  old: readonly OldEntry[],
  writes: readonly { rel: string; content: string }[],
  removed: ReadonlySet<string>,
  prune: readonly string[],
  rootMode?: number,
): TreeStage {
  const parentOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
  const written = new Set(writes.map((w) => w.rel));
  const dirMode = new Map<string, number | undefined>([['', rootMode]]);
  const links: string[] = [];
  for (const e of old) {
    if (e.isDir) dirMode.set(e.rel, e.mode);
    else if (!removed.has(e.rel) && !written.has(e.rel)) links.push(e.rel);
  }
  for (const w of writes) for (let d = parentOf(w.rel); d !== '' && !dirMode.has(d); d = parentOf(d)) dirMode.set(d, undefined);
  // Children per folder, to leave out the prune folders that end up empty (deepest first).
  const children = new Map<string, number>();
  const count = (rel: string) => children.set(parentOf(rel), (children.get(parentOf(rel)) ?? 0) + 1);
  for (const rel of [...links, ...written]) count(rel);
  for (const d of dirMode.keys()) if (d !== '') count(d);
  const depth = (rel: string) => (rel === '' ? 0 : rel.split('/').length);
  for (const d of [...prune].sort((a, b) => depth(b) - depth(a))) {
    if (!dirMode.has(d) || (children.get(d) ?? 0) > 0) continue;
    dirMode.delete(d); // '' too: the output folder itself goes (synth --clean of a folder holding only synth's files)
    if (d !== '') children.set(parentOf(d), (children.get(parentOf(d)) ?? 1) - 1);
  }
  const dirs = [...dirMode]
    .map(([rel, mode]) => ({ rel, mode }))
    .sort((a, b) => (a.rel === '' ? -1 : b.rel === '' ? 1 : a.rel.split('/').length - b.rel.split('/').length || (a.rel < b.rel ? -1 : 1)));
  return { dirs, links: links.sort(), writes: [...writes].sort((a, b) => (a.rel < b.rel ? -1 : 1)) };
}

/** Hard links are not supported here (some FUSE/vfat/network filesystems): a regular file is copied instead. */
export const NO_HARD_LINKS = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS', 'EXDEV'];

/** Thrown when the stage cannot be built the way a swap needs (e.g. a symlink on a filesystem without hard links): fall back, nothing changed. */
export class SwapNotPossible extends Error {}

/** What a copied file was when it was copied (no hard links here), to tell later whether it changed. */
export type CopiedFrom = ReadonlyMap<string, { readonly ino: number; readonly mtimeMs: number; readonly size: number }>;

/** Builds the stage folder `stage` from `realOut` (the old tree; undefined when there is none). Returns the entries copied instead of linked. */
export async function buildStage(fs: WriterFs, realOut: string | undefined, stage: string, plan: TreeStage): Promise<CopiedFrom> {
  const copied = new Map<string, { ino: number; mtimeMs: number; size: number }>();
  for (const dir of plan.dirs) {
    const path = join(stage, dir.rel);
    await fs.mkdir(path);
    if (dir.mode !== undefined) await fs.chmod(path, dir.mode & 0o7777);
  }
  for (const rel of plan.links) {
    const from = join(realOut!, rel);
    await fs.link(from, join(stage, rel)).catch(async (err) => {
      if (!NO_HARD_LINKS.includes(errnoCode(err) ?? '')) throw err;
      const info = await fs.lstat(from);
      if (!info.isFile())
        throw new SwapNotPossible(`${from} cannot be hard-linked here (${errnoCode(err)}) and is not a regular file to copy`);
      copied.set(rel, { ino: info.ino, mtimeMs: info.mtimeMs, size: info.size });
      await fs.copyFile(from, join(stage, rel));
    });
  }
  for (const w of plan.writes) await fs.writeFile(join(stage, w.rel), w.content);
  return copied;
}

/**
 * Entries of the swapped-out tree `oldRoot` that changed after the plan read it — created, or replaced
 * by a rename (an editor's save), while the stage was built — so the new tree `newRoot` lacks them and
 * the old one must not be deleted. In-place writes need nothing: kept files are hard links, one inode
 * (where they had to be copied, `copied` says what each was, and any change since counts).
 */
export async function changedSincePlan(
  fs: WriterFs,
  oldRoot: string,
  newRoot: string,
  planned: readonly OldEntry[],
  links: readonly string[],
  copied: CopiedFrom,
): Promise<string[]> {
  const known = new Set(planned.map((e) => e.rel));
  const linked = new Set(links);
  const changed: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(join(oldRoot, rel))) {
      if (entry.name.startsWith(STAGE_PREFIX)) continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (!known.has(childRel)) changed.push(childRel);
      else if (entry.isDirectory()) await walk(childRel);
      else if (copied.has(childRel)) {
        const was = copied.get(childRel)!;
        const now = await fs.lstat(join(oldRoot, childRel));
        if (now.ino !== was.ino || now.mtimeMs !== was.mtimeMs || now.size !== was.size) changed.push(childRel);
      } else if (linked.has(childRel)) {
        const was = await fs.lstat(join(oldRoot, childRel));
        const now = await fs.lstat(join(newRoot, childRel)).catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)));
        if (now?.ino !== was.ino) changed.push(childRel);
      }
    }
  };
  await walk('');
  return changed.sort();
}

const exists = (fs: WriterFs, path: string) =>
  fs.lstat(path).then(
    () => true,
    (err) => (errnoCode(err) === 'ENOENT' ? false : Promise.reject(err)),
  );

/**
 * Finishes or discards an interrupted swap of `outdirName` in `realParent` (the rules at the top),
 * from the names alone (`names`: the parent's entries). Run under the writer's lock. Undefined when there was nothing to do.
 */
export async function recoverSwap(
  fs: WriterFs,
  realParent: string,
  outdirName: string,
  names: readonly string[],
): Promise<Recovery | undefined> {
  const entries = parseSwapEntries(outdirName, names);
  if (entries.length === 0) return undefined;
  const outdir = join(realParent, outdirName);
  let action: Recovery['action'] = 'cleaned';
  const rank = { cleaned: 0, discarded: 1, 'rolled back': 2, completed: 3 } as const;
  const note = (a: Recovery['action']) => {
    if (rank[a] > rank[action]) action = a;
  };
  for (const e of entries.filter((x) => x.kind === 'next')) {
    await fs.rmTree(join(realParent, e.name));
    note('discarded');
  }
  for (const e of entries.filter((x) => x.kind === 'ready')) {
    if (await exists(fs, outdir)) {
      await fs.rmTree(join(realParent, e.name));
      note('discarded');
    } else {
      await fs.rename(join(realParent, e.name), outdir);
      note('completed');
    }
  }
  for (const e of entries.filter((x) => x.kind === 'old')) {
    if (await exists(fs, outdir)) {
      await fs.rmTree(join(realParent, e.name));
    } else {
      await fs.rename(join(realParent, e.name), outdir);
      note('rolled back');
    }
  }
  const first = entries[0]!;
  return { action, startedAt: first.startedAt.toISOString(), pid: first.pid, skipped: 0 };
}
