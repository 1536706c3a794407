/**
 * Request bodies read under two bounds: the per-request limit (compressed and, for gzip, again after
 * decompression — the OTLP/HTTP spec asks for both) and the receiver-wide budget of bytes in flight.
 * Past the limit: 413; budget exhausted: 503 with Retry-After (OTLP/HTTP throttling). Chunks stop
 * being kept the moment either bound is passed, so a hostile body costs at most one chunk beyond it.
 */
import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { ByteBudget } from './byte-budget';
import { HttpError } from './http-error';

/** What one request holds of the budget; the caller gives it back when the request is done. */
export interface BodyLease {
  bytes: number;
}

/** Seconds a sender is asked to wait when the budget is exhausted: bodies in flight finish in about that. */
export const OVERLOAD_RETRY_AFTER_S = 1;

function overloaded(budget: ByteBudget): HttpError {
  return new HttpError(503, `receiver overloaded: ${budget.inUse} of ${budget.limit} bytes of request bodies already in flight; retry later`, OVERLOAD_RETRY_AFTER_S);
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

export function readBody(req: IncomingMessage, limit: number, budget: ByteBudget, lease: BodyLease): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: Error): void => {
      req.off('data', onData);
      chunks = [];
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge('body is larger than', limit));
      if (!cover(lease, size, budget)) return fail(overloaded(budget));
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new HttpError(400, 'the sender closed the connection before the body ended'));
    });
  });
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
