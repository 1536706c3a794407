/**
 * Request bodies read under two bounds: the per-request limit (compressed and, for gzip, again after
 * decompression — the OTLP/HTTP spec asks for both) and the receiver-wide budget of bytes in flight.
 * Past the limit: 413; budget exhausted: 503 with Retry-After (OTLP/HTTP throttling). Chunks stop
 * being kept the moment either bound is passed, so a hostile body costs at most one chunk beyond it.
 * A body that stops arriving is cut off after an idle bound (408): its budget share would otherwise be
 * held until Node's request timeout, and a few such stalled senders would turn every other export away.
 */
import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { ByteBudget } from './byte-budget';
import { HttpError } from './http-error';
import { runInSlices, type Steps } from '../stepwise';

/** What one request holds of the budget; the caller gives it back when the request is done. */
export interface BodyLease {
  bytes: number;
}

/** Seconds a sender is asked to wait when the budget is exhausted: bodies in flight finish in about that. */
export const OVERLOAD_RETRY_AFTER_S = 1;

function overloaded(budget: ByteBudget): HttpError {
  return new HttpError(
    503,
    `receiver overloaded: ${budget.inUse} of ${budget.limit} bytes of request bodies already in flight; retry later`,
    OVERLOAD_RETRY_AFTER_S,
  );
}

function stalled(idleMs: number, received: number): HttpError {
  return new HttpError(
    408,
    `no body bytes arrived for ${idleMs} ms (${received} received); the body must keep arriving (raise the bound with --otlp-body-timeout)`,
  );
}

function tooLarge(what: string, limit: number): HttpError {
  return new HttpError(413, `${what} the limit of ${limit} bytes (raise it with --otlp-max-body)`);
}

/** Takes what the lease does not yet cover of `total` bytes; false when the budget has no room. */
function cover(lease: BodyLease, total: number, budget: ByteBudget): boolean {
  const need = total - lease.bytes;
  if (need <= 0) return true;
  if (!budget.tryTake(need)) return false;
  lease.bytes += need;
  return true;
}

/** Takes a declared Content-Length from the budget before any byte is read (refusals come at once). */
export function reserveDeclared(req: IncomingMessage, limit: number, budget: ByteBudget, lease: BodyLease): void {
  const declared = req.headers['content-length'];
  if (declared === undefined) return;
  const bytes = Number(declared);
  if (bytes > limit) throw tooLarge(`body of ${bytes} bytes (Content-Length) is larger than`, limit);
  if (!cover(lease, bytes, budget)) throw overloaded(budget);
}

/**
 * The body in one buffer. With a Content-Length it is allocated once and each chunk copied in as it
 * arrives; gathering the chunks and concatenating them at the end would copy (and page in) up to 20
 * MiB in one go, which under load held the event loop for 100–250 ms. A chunked body has no size to
 * allocate up front: its chunks are joined at the end in steps (joinSteps).
 */
export async function readBody(req: IncomingMessage, limit: number, budget: ByteBudget, lease: BodyLease, idleMs: number): Promise<Buffer> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  const whole = declared !== undefined && Number.isSafeInteger(declared) && declared <= limit ? Buffer.allocUnsafe(declared) : undefined;
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    let kept: Buffer[] = [];
    let size = 0;
    let chunksSeen = 0;
    let settled = false;
    // Refreshed by every chunk, so it fires only once the sender has been quiet for idleMs. Decided one
    // poll phase later: after an event-loop stall the timer runs before the socket's waiting bytes are
    // read, and a sender that did keep sending must not be cut off for the receiver's own lag.
    const idle = setTimeout(() => {
      const seen = chunksSeen;
      setImmediate(() => {
        if (!settled && chunksSeen === seen) fail(stalled(idleMs, size));
      });
    }, idleMs);
    const fail = (err: Error): void => {
      settled = true;
      clearTimeout(idle);
      req.off('data', onData);
      kept = [];
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      chunksSeen++;
      idle.refresh();
      const at = size;
      size += chunk.length;
      if (size > limit) return fail(tooLarge('body is larger than', limit));
      if (!cover(lease, size, budget)) return fail(overloaded(budget));
      if (!whole) kept.push(chunk);
      // Node's parser never passes more than Content-Length; the check keeps every copy inside `whole` regardless.
      else if (size > whole.length) fail(new HttpError(400, `body is longer than its Content-Length of ${whole.length} bytes`));
      else chunk.copy(whole, at);
    };
    req.on('data', onData);
    req.on('end', () => {
      settled = true;
      clearTimeout(idle);
      resolve(kept);
    });
    req.on('error', (err) => fail(err));
    req.on('close', () => {
      settled = true;
      clearTimeout(idle);
      if (!req.complete) reject(new HttpError(400, 'the sender closed the connection before the body ended'));
    });
  });
  if (whole) return whole;
  return runInSlices(joinSteps(chunks));
}

/** Bytes copied between two steps of joining a chunked body. */
const JOIN_BYTES_PER_STEP = 1024 * 1024;

function* joinSteps(chunks: readonly Buffer[]): Steps<Buffer> {
  if (chunks.length === 1) return chunks[0]!;
  const out = Buffer.allocUnsafe(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  let stepEnd = JOIN_BYTES_PER_STEP;
  for (const c of chunks) {
    c.copy(out, at);
    at += c.length;
    if (at >= stepEnd) {
      stepEnd += JOIN_BYTES_PER_STEP;
      yield;
    }
  }
  return out;
}

/**
 * Decompresses a gzip body, stopping once the output passes the limit (zlib's maxOutputLength). In one
 * synchronous call: the cost is bounded by the limit (tens of ms for 20 MiB), and the stream form would
 * take one event-loop turn per output chunk, which under load stretches a bomb's refusal to seconds.
 * Being synchronous, at most one decompressed body exists beyond what the budget already covers.
 */
export function gunzipBounded(body: Buffer, limit: number, budget: ByteBudget, lease: BodyLease): Buffer {
  let out: Buffer;
  try {
    out = gunzipSync(body, { maxOutputLength: limit, chunkSize: 256 * 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip body decompresses to more than', limit);
    throw new HttpError(400, `gzip body could not be decompressed: ${(err as Error).message}`);
  }
  // The compressed bytes are still leased: the decompressed ones come on top of them.
  if (!cover(lease, body.length + out.length, budget)) throw overloaded(budget);
  return out;
}
