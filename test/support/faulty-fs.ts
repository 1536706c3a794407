/**
 * Wraps a WriterFs so every call goes through `before(n, name, args)` first (n counts from 1): a test
 * throws there to fail step k of a write, or counts the steps, or logs them for a parent process.
 */
import type { WriterFs } from '../../src/stack/writer-fs';

export type BeforeCall = (n: number, name: keyof WriterFs, args: readonly unknown[]) => void;

export function instrumentedFs(base: WriterFs, before: BeforeCall): WriterFs {
  let n = 0;
  const wrapped = {} as Record<keyof WriterFs, unknown>;
  for (const name of Object.keys(base) as (keyof WriterFs)[]) {
    const fn = base[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      before(++n, name, args);
      return fn(...args);
    };
  }
  return wrapped as WriterFs;
}

/** An error like the one the kernel would give (code set), for step k or, if `persistent`, from step k on. */
export function failAt(k: number, persistent = false): BeforeCall {
  return (n, name) => {
    if (n === k || (persistent && n > k)) throw Object.assign(new Error(`EIO: injected failure at step ${n} (${name})`), { code: 'EIO' });
  };
}
