/**
 * Upstream connection pools (undici `Pool`: the fastest Node client measured for this job, see the
 * propagation notes §D) and the mapping of upstream failures to the status a client gets.
 */
import { Pool } from 'undici';

export interface UpstreamOptions {
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly maxHeaderBytes: number;
}

/** One upstream base URL with its keep-alive pool. */
export class Upstream {
  readonly pool: Pool;
  readonly origin: string;
  /** The base path to prefix ('' for '/'). */
  readonly basePath: string;

  constructor(
    readonly url: URL,
    options: UpstreamOptions,
  ) {
    this.origin = url.origin;
    this.basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
      // Below common server idle timeouts (Node 5 s) so the pool never reuses a socket the upstream is closing.
      keepAliveTimeout: 4000,
      maxHeaderSize: options.maxHeaderBytes,
    });
  }

  /** The upstream request target for an incoming one. */
  path(target: string): string {
    return this.basePath ? this.basePath + (target.startsWith('/') ? target : `/${target}`) : target;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** What an upstream failure means for the client. */
export interface UpstreamFailure {
  /** 502 (bad gateway) or 504 (timeout) */
  readonly status: 502 | 504;
  /** low-cardinality `error.type` */
  readonly type: string;
  /** one line for the span status and the response body */
  readonly message: string;
}

const TIMEOUTS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'response timeout',
  UND_ERR_BODY_TIMEOUT: 'response body timeout',
};

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string') return e.code;
  if (Array.isArray(e?.errors) && e.errors.length) return errorCode(e.errors[0]);
  return typeof e?.name === 'string' ? e.name : 'Error';
}

/** Classifies an upstream error: timeouts → 504, everything else (refused, reset, bad response) → 502. */
export function classifyUpstreamError(err: unknown, upstream: string): UpstreamFailure {
  const code = errorCode(err);
  const timeout = TIMEOUTS[code];
  if (timeout) return { status: 504, type: code, message: `upstream ${upstream} ${timeout}` };
  const what =
    code === 'ECONNREFUSED'
      ? 'refused the connection'
      : code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE'
        ? 'closed the connection before a complete response'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host name does not resolve'
          : code === 'UND_ERR_HEADERS_OVERFLOW'
            ? 'sent response headers over the size limit'
            : 'failed';
  return { status: 502, type: code, message: `upstream ${upstream} ${what} (${code})` };
}
