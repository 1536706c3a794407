/**
 * The output writer's journal: one file beside the output folder (`.<name>.meshtrace-journal`) that
 * is both the lock (created exclusively; it names the writing process) and the record of a write in
 * progress. Its `state` says what a later run must do if the writer died:
 * - `staging`: nothing in the output folder was touched yet → delete the listed stage folders;
 * - `committed`: the swap had begun → apply every op still pending (roll forward);
 * - `rolling-back`: an error after the commit point → undo every applied op.
 * Every op is idempotent in both directions, so a recovery that is itself interrupted just runs again.
 * The protocol as a whole is described at the top of output-writer.ts.
 */
import { basename, join } from 'node:path';
import { errnoCode, type WriterFs } from './writer-fs';

/** Puts a staged file (or a whole staged folder) in place; `backup` is a hard link to the file it replaces. */
export interface PutOp {
  readonly kind: 'put';
  readonly from: string;
  readonly to: string;
  readonly backup?: string;
}
/** Removes a stale file by moving it into the stage (`trash`), so a rollback can move it back. */
export interface RemoveOp {
  readonly kind: 'remove';
  readonly path: string;
  readonly trash: string;
}
export type JournalOp = PutOp | RemoveOp;

export type JournalState = 'staging' | 'committed' | 'rolling-back';

export interface Journal {
  readonly version: 1;
  readonly pid: number;
  readonly startedAt: string;
  readonly outdir: string;
  readonly state: JournalState;
  /** Stage folders (absolute, real paths), listed before any of them is created. */
  readonly stages: readonly string[];
  readonly ops: readonly JournalOp[];
  /** Folders to remove once the swap is done, if it left them empty (deepest first). */
  readonly prune: readonly string[];
}

/** What a run found and finished of an earlier, interrupted write. */
export interface Recovery {
  /** completed: rolled an interrupted commit forward; rolled back: finished an interrupted rollback;
   * discarded: removed the stage of a write that never committed; cleaned: only leftovers were removed. */
  readonly action: 'completed' | 'rolled back' | 'discarded' | 'cleaned';
  readonly startedAt: string;
  readonly pid: number;
  /** Ops whose staged file had vanished (someone changed the folders meanwhile). */
  readonly skipped: number;
}

export const journalPathFor = (realParent: string, outdirName: string) => join(realParent, `.${outdirName}.meshtrace-journal`);
export const STAGE_PREFIX = '.meshtrace-stage-';

/** Journals held by this process right now: a journal naming our own pid but not in here is stale. */
const heldHere = new Set<string>();

export class JournalBusyError extends Error {}

/** Finishing an earlier, interrupted write failed: its journal stays for the next run. */
export class RecoveryError extends Error {
  constructor(
    readonly journal: string,
    override readonly cause: unknown,
  ) {
    super(`recovering ${journal} failed`);
  }
}

const exists = async (fs: WriterFs, path: string) =>
  fs.lstat(path).then(
    () => true,
    (err) => {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
      throw err;
    },
  );

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

function parseJournal(text: string): Journal | undefined {
  try {
    const j = JSON.parse(text) as Journal;
    if (
      j.version !== 1 ||
      typeof j.pid !== 'number' ||
      !['staging', 'committed', 'rolling-back'].includes(j.state) ||
      !Array.isArray(j.stages) ||
      !Array.isArray(j.ops)
    )
      return undefined;
    return j;
  } catch {
    return undefined;
  }
}

/** Replaces the journal atomically (write a temp file beside it, rename over): it is never half-written. */
export async function rewriteJournal(fs: WriterFs, path: string, journal: Journal): Promise<void> {
  const tmp = `${path}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(journal, null, 1)}\n`);
  await fs.rename(tmp, path);
}

/** Applies one op forward; skips it when already applied. Returns false if its source had vanished. */
async function forward(fs: WriterFs, op: JournalOp): Promise<boolean> {
  if (op.kind === 'put') {
    if (await exists(fs, op.from)) {
      await fs.rename(op.from, op.to);
      return true;
    }
    return exists(fs, op.to); // already applied, unless both are gone
  }
  if ((await exists(fs, op.path)) && !(await exists(fs, op.trash))) await fs.rename(op.path, op.trash);
  return true;
}

/** Undoes one op; skips it when it was never applied. */
async function backward(fs: WriterFs, op: JournalOp): Promise<void> {
  if (op.kind === 'put') {
    if (await exists(fs, op.from)) return; // never applied
    if (op.backup !== undefined) {
      if (await exists(fs, op.backup)) await fs.rename(op.backup, op.to);
    } else if (await exists(fs, op.to)) {
      await fs.rename(op.to, op.from); // a created file or folder goes back into the stage
    }
    return;
  }
  if (await exists(fs, op.trash)) await fs.rename(op.trash, op.path);
}

/** The swap of a write that just committed: nothing applied yet, so one rename per op, no checks (the window stays short). */
export async function applyFresh(fs: WriterFs, ops: readonly JournalOp[]): Promise<void> {
  for (const op of ops) {
    if (op.kind === 'put') await fs.rename(op.from, op.to);
    else await fs.rename(op.path, op.trash);
  }
}

/** Rolls a committed write forward from any point (recovery): idempotent. */
export async function applyForward(fs: WriterFs, ops: readonly JournalOp[]): Promise<number> {
  let skipped = 0;
  for (const op of ops) if (!(await forward(fs, op))) skipped++;
  return skipped;
}

export async function applyBackward(fs: WriterFs, ops: readonly JournalOp[]): Promise<void> {
  for (let i = ops.length - 1; i >= 0; i--) await backward(fs, ops[i]!);
}

/** Deletes the stage folders, then the folders the swap emptied (best effort: a folder still in use stays). */
export async function removeStages(fs: WriterFs, journal: Pick<Journal, 'stages'>): Promise<void> {
  for (const stage of journal.stages) await fs.rmTree(stage);
}

export async function pruneEmpty(fs: WriterFs, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await fs.rmdir(dir).catch(() => undefined);
}

/** Finishes whatever the journal says is unfinished, then removes it. */
async function recover(fs: WriterFs, path: string, journal: Journal | undefined): Promise<Recovery> {
  const base = { startedAt: journal?.startedAt ?? 'an unknown time', pid: journal?.pid ?? 0, skipped: 0 };
  if (journal === undefined) {
    await fs.unlink(path); // a lock killed while being written: nothing was staged yet
    return { ...base, action: 'cleaned' };
  }
  let action: Recovery['action'];
  let skipped = 0;
  if (journal.state === 'committed') {
    const pendingBefore = await countPending(fs, journal.ops);
    skipped = await applyForward(fs, journal.ops);
    action = pendingBefore > 0 ? 'completed' : 'cleaned';
  } else if (journal.state === 'rolling-back') {
    await applyBackward(fs, journal.ops);
    action = 'rolled back';
  } else {
    action = journal.stages.length > 0 ? 'discarded' : 'cleaned';
  }
  await removeStages(fs, journal);
  if (journal.state === 'committed') await pruneEmpty(fs, journal.prune);
  await fs.unlink(path);
  return { ...base, action, skipped };
}

async function countPending(fs: WriterFs, ops: readonly JournalOp[]): Promise<number> {
  let pending = 0;
  for (const op of ops) if (await exists(fs, op.kind === 'put' ? op.from : op.path)) pending++;
  return pending;
}

export interface HeldJournal {
  readonly path: string;
  journal: Journal;
  /** What the lock's taker found and finished of an earlier write (the writer adds a swap's recovery). */
  recovered?: Recovery;
}

/**
 * Takes the lock: creates the journal exclusively. A journal left by a process that is gone is
 * recovered first (see the states above); one held by a live process is a JournalBusyError.
 */
export async function acquireJournal(fs: WriterFs, realParent: string, outdir: string, now: () => Date): Promise<HeldJournal> {
  const path = journalPathFor(realParent, basename(outdir));
  const journal: Journal = {
    version: 1,
    pid: process.pid,
    startedAt: now().toISOString(),
    outdir,
    state: 'staging',
    stages: [],
    ops: [],
    prune: [],
  };
  let recovered: Recovery | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(path, `${JSON.stringify(journal, null, 1)}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST' || attempt > 0) {
        if (errnoCode(err) === 'EEXIST') throw new JournalBusyError(`another meshtrace synth took ${path} meanwhile`);
        throw err;
      }
    }
    const text = await fs.readFile(path).then(
      (b) => b.toString('utf8'),
      (err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)),
    );
    if (text === undefined) continue; // removed meanwhile: try again
    const found = parseJournal(text);
    if (found && processAlive(found.pid) && (found.pid !== process.pid || heldHere.has(path))) {
      throw new JournalBusyError(
        `another meshtrace synth (pid ${found.pid}, started ${found.startedAt}) is writing ${found.outdir}; wait for it to end (if no such process runs, remove ${path})`,
      );
    }
    try {
      recovered = await recover(fs, path, found);
    } catch (err) {
      throw new RecoveryError(path, err);
    }
  }
  const held = { path, journal, recovered };
  heldHere.add(path);
  try {
    // Leftovers no journal lists: a temp journal, and the staging folders of the earlier writer (`.<name>.tmp-XXXXXX`).
    await fs.rmTree(`${path}.tmp`);
    const legacy = new RegExp(`^\\.${escapeRegExp(basename(outdir))}\\.tmp-[A-Za-z0-9]{6}$`);
    for (const entry of await fs.readdir(realParent)) {
      if (entry.isDirectory() && legacy.test(entry.name)) await fs.rmTree(join(realParent, entry.name));
    }
  } catch (err) {
    await releaseJournal(fs, held).catch(() => abandonJournal(held));
    throw err;
  }
  return held;
}

/** Ends the write: removes the journal (the lock). */
export async function releaseJournal(fs: WriterFs, held: HeldJournal): Promise<void> {
  await fs.rmTree(`${held.path}.tmp`);
  await fs.unlink(held.path);
  heldHere.delete(held.path);
}

/** Forgets the lock without touching the file (it stays for the next run to recover). */
export function abandonJournal(held: HeldJournal): void {
  heldHere.delete(held.path);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const stageDirIn = (realDir: string, id: string) => join(realDir, `${STAGE_PREFIX}${id}`);
