/**
 * The filesystem calls the output writer makes, as one object: the writer never imports `node:fs`
 * itself, so a test can pass a wrapper that counts the calls and fails (or kills the process) at
 * call k, for every k — the only way to prove that every step of a write can fail safely.
 */
import * as fsp from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';

export interface WriterFs {
  lstat(path: string): Promise<Stats>;
  stat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  readFile(path: string): Promise<Buffer>;
  /** `flag: 'wx'` creates exclusively (the journal doubles as the lock). */
  writeFile(path: string, data: string | Uint8Array, options?: { flag?: string }): Promise<void>;
  mkdir(path: string): Promise<unknown>;
  chmod(path: string, mode: number): Promise<void>;
  readdir(path: string): Promise<Dirent[]>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, newPath: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** `rm -rf`. */
  rmTree(path: string): Promise<void>;
}

export const nodeWriterFs: WriterFs = {
  lstat: (p) => fsp.lstat(p),
  stat: (p) => fsp.stat(p),
  realpath: (p) => fsp.realpath(p),
  readFile: (p) => fsp.readFile(p),
  writeFile: (p, data, options) => fsp.writeFile(p, data, options),
  mkdir: (p) => fsp.mkdir(p),
  chmod: (p, mode) => fsp.chmod(p, mode),
  readdir: (p) => fsp.readdir(p, { withFileTypes: true }),
  rename: (a, b) => fsp.rename(a, b),
  link: (a, b) => fsp.link(a, b),
  copyFile: (a, b) => fsp.copyFile(a, b, fsp.constants.COPYFILE_EXCL),
  unlink: (p) => fsp.unlink(p),
  rmdir: (p) => fsp.rmdir(p),
  rmTree: (p) => fsp.rm(p, { recursive: true, force: true }),
};

export const errnoCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;
