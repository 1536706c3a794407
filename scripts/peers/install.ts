/**
 * The driver: for each listed recipe, skip it when its stamp and programs are there (fast when
 * cached), else install it under a lock (two helpers on one machine must not build into the same
 * folder at once), check it, stamp it and record its programs in installed.json.
 */
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestPath, recipeDir, type Manifest } from './layout';
import { createContext, formatDuration, PeerError, type Recipe } from './recipe';

export type Outcome = 'cached' | 'installed' | 'failed';

export interface RecipeResult {
  readonly recipe: Recipe;
  readonly outcome: Outcome;
  readonly ms: number;
  readonly error?: string;
}

interface Stamp {
  readonly name: string;
  readonly version: string;
  readonly programs: readonly string[];
  readonly fingerprint?: string;
}

function stampPath(dir: string): string {
  return join(dir, '.installed.json');
}

function stampOf(recipe: Recipe): Stamp {
  return {
    name: recipe.name,
    version: recipe.version,
    programs: [...recipe.programs],
    ...(recipe.fingerprint ? { fingerprint: recipe.fingerprint } : {}),
  };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when a previous run installed exactly this recipe and its programs are still there. */
export function isInstalled(root: string, recipe: Recipe): boolean {
  const dir = recipeDir(root, recipe.name, recipe.version);
  try {
    const stamp = JSON.parse(readFileSync(stampPath(dir), 'utf8')) as Stamp;
    if (JSON.stringify(stamp) !== JSON.stringify(stampOf(recipe))) return false;
  } catch {
    return false;
  }
  return recipe.programs.every((p) => isExecutable(join(dir, 'bin', p)));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOCK_WAIT_MS = 90 * 60_000;

/**
 * An exclusive lock: a folder holding the owner's pid. A lock whose owner died is taken over;
 * waiting for a live owner is bounded.
 */
async function withLock<T>(lockDir: string, what: string, print: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let said = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // the owner is between mkdir and writing its pid
      }
      if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS)
        throw new PeerError(
          `${what}: ${lockDir} has been held by pid ${owner} for ${formatDuration(Date.now() - started)}; if no install runs, remove that folder`,
        );
      if (!said) print(`    waiting: pid ${owner} is installing ${what} (lock ${lockDir})`);
      said = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export function readManifest(root: string): Manifest {
  try {
    const doc = JSON.parse(readFileSync(manifestPath(root), 'utf8')) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Manifest) : {};
  } catch {
    return {};
  }
}

/** Read-modify-write of installed.json under its lock; written to a temp file and renamed (never half a file). */
async function updateManifest(root: string, print: (line: string) => void, change: (m: Manifest) => Manifest): Promise<void> {
  await withLock(join(root, '.installed.lock'), 'installed.json', print, async () => {
    const next = change(readManifest(root));
    const tmp = `${manifestPath(root)}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
    renameSync(tmp, manifestPath(root));
  });
}

function entriesOf(root: string, recipe: Recipe): Manifest {
  const dir = recipeDir(root, recipe.name, recipe.version);
  return Object.fromEntries(recipe.programs.map((p) => [p, { version: recipe.version, path: join(dir, 'bin', p) }]));
}

async function installOne(root: string, recipe: Recipe, print: (line: string) => void): Promise<Outcome> {
  const dir = recipeDir(root, recipe.name, recipe.version);
  if (isInstalled(root, recipe)) return 'cached';
  mkdirSync(root, { recursive: true });
  return withLock(`${dir}.lock`, `${recipe.name} ${recipe.version}`, print, async () => {
    // Someone else may have finished it while this run waited for the lock.
    if (isInstalled(root, recipe)) return 'cached';
    // Never leave a stale install half-replaced: forget it first, then build.
    rmSync(stampPath(dir), { force: true });
    await updateManifest(root, print, (m) => Object.fromEntries(Object.entries(m).filter(([p]) => !recipe.programs.includes(p))));
    rmSync(join(dir, 'bin'), { recursive: true, force: true });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const ctx = createContext(root, dir, print);
    await recipe.install(ctx);
    const missing = recipe.programs.filter((p) => !isExecutable(join(dir, 'bin', p)));
    if (missing.length > 0)
      throw new PeerError(`${recipe.name}: the install ended without ${missing.map((p) => `bin/${p}`).join(', ')} in ${dir}`);
    await recipe.check?.(ctx);
    writeFileSync(stampPath(dir), `${JSON.stringify(stampOf(recipe), null, 2)}\n`);
    return 'installed';
  });
}

export interface InstallOptions {
  readonly root: string;
  readonly print?: (line: string) => void;
}

export async function installPeers(recipes: readonly Recipe[], options: InstallOptions): Promise<RecipeResult[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const results: RecipeResult[] = [];
  for (const recipe of recipes) {
    const started = Date.now();
    const label = `${recipe.name} ${recipe.version}${recipe.optional ? ' (optional)' : ''}`;
    if (!isInstalled(options.root, recipe)) print(`peers: installing ${label} → ${recipeDir(options.root, recipe.name, recipe.version)}`);
    try {
      const outcome = await installOne(options.root, recipe, print);
      await updateManifest(options.root, print, (m) => ({ ...m, ...entriesOf(options.root, recipe) }));
      const ms = Date.now() - started;
      print(`peers: ${label}: ${outcome === 'cached' ? 'cached' : `installed in ${formatDuration(ms)}`} (${recipe.programs.join(', ')})`);
      results.push({ recipe, outcome, ms });
    } catch (err) {
      const ms = Date.now() - started;
      const message = err instanceof PeerError ? err.message : ((err as Error).stack ?? String(err));
      print(
        `peers: ${label}: FAILED after ${formatDuration(ms)}${recipe.optional ? ' (optional: the run goes on without it)' : ''}\n${message}`,
      );
      results.push({ recipe, outcome: 'failed', ms, error: message });
    }
  }
  return results;
}

/** The recipes named on the command line, in the list's order; unknown names are an error naming the known ones. */
export function selectRecipes(all: readonly Recipe[], names: readonly string[]): Recipe[] {
  if (names.length === 0) return [...all];
  const known = new Set(all.map((r) => r.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new PeerError(`unknown peer ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${[...known].join(', ')}`);
  return all.filter((r) => names.includes(r.name));
}
