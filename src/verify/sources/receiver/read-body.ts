/**
 * Request bodies read under two bounds: the per-request limit (compressed and, for gzip, again after
 * decompression — the OTLP/HTTP spec asks for both) and the receiver-wide budget of bytes in flight.
 * Past the limit: 413; budget exhausted: 503 with Retry-After (OTLP/HTTP throttling). Chunks stop
 * being kept the moment either bound is passed, so a hostile body costs at most one chunk beyond it.
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
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

/** Decompresses a gzip body as a stream, stopping as soon as the output passes either bound. */
export function gunzipBounded(body: Buffer, limit: number, budget: ByteBudget, lease: BodyLease): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gz = createGunzip({ chunkSize: 64 * 1024 });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      gz.destroy();
      reject(err);
    };
    gz.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      // The compressed bytes are still leased: the decompressed ones come on top of them.
      if (size > limit) return fail(tooLarge('gzip body decompresses to more than', limit));
      if (!cover(lease, body.length + size, budget)) return fail(overloaded(budget));
      chunks.push(chunk);
    });
    gz.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    gz.on('error', (err) => fail(new HttpError(400, `gzip body could not be decompressed: ${err.message}`)));
    gz.end(body);
  });
}
