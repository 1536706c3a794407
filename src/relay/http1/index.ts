/**
 * The relay's own HTTP/1.1 (RFC 9112) over `node:net`: the client side of a hop (`ClientConnection`,
 * one per accepted socket, handing each request to the hop as a `ClientExchange`), the upstream
 * side (`Upstream`, a keep-alive pool per upstream URL) and the rewriting of a request head for
 * the upstream. Its invariants (framing, what is refused with which status, timeouts, keep-alive)
 * are in README.md next to this file. The hop uses only what is exported here.
 */
export { ClientConnection, type ClientExchange } from './client-connection';
export { classifyUpstreamError, Upstream, type UpstreamCall, type UpstreamError } from './upstream';
export type { ResponseHead } from './response-head';
export { buildUpstreamHead, headerClassifier, HeaderKind, originForm, type HeaderClassifier } from './forward-headers';
