/**
 * Random span and trace ids from the system's random source: the I/O edge that propagation's
 * `childContext` takes as its `IdSource` (propagation itself does no I/O). A leaf module.
 */
import { randomBytes } from 'node:crypto';

// One randomBytes call per POOL_SIZE bytes instead of one per id: the syscall and the Buffer
// allocation dominate the cost of minting a 16-hex span id otherwise (see scripts/bench-propagation.ts).
const POOL_SIZE = 8192;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function takeHex(bytes: number): string {
  if (poolOffset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** 16 random lowercase hex characters (may be all zeros; `childContext` draws again then). */
export function randomSpanId(): string {
  return takeHex(8);
}

/**
 * 32 random lowercase hex characters. All 16 bytes are random, so the W3C Level 2 `random` flag
 * (right-most 7 bytes random) may be set on it.
 */
export function randomTraceId(): string {
  return takeHex(16);
}

/** The production `IdSource` (structurally: propagation's interface, without importing it). */
export const RANDOM_IDS = Object.freeze({ spanId: randomSpanId, traceId: randomTraceId });
