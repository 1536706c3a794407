/**
 * GET JSON with a hard timeout and a cap on the body, for the query-API sources (Jaeger, Zipkin).
 * Connection failures, timeouts and oversized answers become BackendUnreachableError (exit 2, "could
 * not check"), naming the URL.
 */
import { request } from 'undici';
import { formatSize } from '../size';

/**
 * The most one answer may hold. A trace of 100 000 spans is ~60 MiB of JSON; past the cap reading stops,
 * so a runaway search or a hostile server costs at most the cap plus one chunk.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class BackendUnreachableError extends Error {
  /**
   * `retryable` false: asking again cannot help (the answer came, in the wrong shape), so the poller
   * stops at once instead of retrying until its timeout.
   */
  constructor(
    readonly url: string,
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'BackendUnreachableError';
  }
}

export interface JsonResponse {
  readonly status: number;
  /** Parsed body; undefined when it was not JSON. */
  readonly body: unknown;
  readonly text: string;
}

function tooLarge(url: string, what: string, maxBytes: number): BackendUnreachableError {
  return new BackendUnreachableError(
    url,
    `${url}: the answer ${what} the limit of ${formatSize(maxBytes)}; ask for fewer traces (a narrower --lookback) or a smaller trace`,
  );
}

/** Reads the body as text, stopping (and discarding what was read) once it passes `maxBytes`. */
async function boundedText(
  url: string,
  body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown },
  maxBytes: number,
): Promise<string> {
  let chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      chunks = [];
      body.destroy();
      throw tooLarge(url, 'is larger than', maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

export async function getJson(
  url: string,
  timeoutMs: number,
  headers: Readonly<Record<string, string>> = {},
  maxBytes: number = DEFAULT_MAX_RESPONSE_BYTES,
): Promise<JsonResponse> {
  let res;
  try {
    res = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code ?? e.name;
    const timedOut = e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT';
    throw new BackendUnreachableError(url, `cannot reach ${url}: ${timedOut ? `no answer within ${timeoutMs} ms` : code}`);
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw tooLarge(url, `declares ${declared} bytes (Content-Length), more than`, maxBytes);
  }
  let text: string;
  try {
    text = await boundedText(url, res.body, maxBytes);
  } catch (err) {
    if (err instanceof BackendUnreachableError) throw err;
    const e = err as Error & { code?: string };
    // A body that trickles never trips the idle timeout; the request's own deadline ends it.
    if (e.name === 'TimeoutError' || e.code === 'UND_ERR_BODY_TIMEOUT')
      throw new BackendUnreachableError(url, `${url}: the response body did not arrive within ${timeoutMs} ms`);
    throw new BackendUnreachableError(url, `${url}: the response body did not arrive (${e.message})`);
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body, text };
}

/** A backend that answered, but not with what the API promises: "could not check", with the start of its body. */
export function unexpectedStatus(url: string, status: number, text: string): BackendUnreachableError {
  return new BackendUnreachableError(url, `${url} answered HTTP ${status}: ${text.slice(0, 200).trim() || '(empty body)'}`);
}

/** Joins a base URL (which may carry a base path such as `/jaeger`) and an API path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
