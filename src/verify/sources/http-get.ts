/**
 * GET JSON with a hard timeout, for the Jaeger sources. Connection failures and timeouts become
 * BackendUnreachableError (exit 2, "could not check"), naming the URL.
 */
import { request } from 'undici';

export class BackendUnreachableError extends Error {
  constructor(readonly url: string, message: string) {
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

export async function getJson(url: string, timeoutMs: number, headers: Readonly<Record<string, string>> = {}): Promise<JsonResponse> {
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
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw new BackendUnreachableError(url, `${url}: the response body did not arrive (${(err as Error).message})`);
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
