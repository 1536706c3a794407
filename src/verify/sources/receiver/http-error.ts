/** A request the receiver refuses: the HTTP status, a message for the sender, and OTLP's retry hint. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds for `Retry-After` (overload answers only). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
