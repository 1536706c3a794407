/**
 * OTLP/HTTP response bodies in the request's encoding: ExportTraceServiceResponse on success (with a
 * partial-success block when spans were rejected) and google.rpc.Status for every 4xx/5xx, as the
 * OTLP specification requires. A request in neither encoding (415, 404 …) is answered in JSON.
 */
import { EMPTY_EXPORT_RESPONSE, encodePartialSuccess, encodeRpcStatus } from '../otlp-proto';

export type OtlpEncoding = 'protobuf' | 'json';

export interface ResponseBody {
  readonly contentType: string;
  readonly body: Uint8Array | string;
}

/** gRPC codes for `Status.code` (the OTLP/HTTP spec lets clients ignore it; it helps a person reading logs). */
const GRPC_CODE: Readonly<Record<number, number>> = { 400: 3, 404: 5, 405: 12, 413: 3, 415: 3, 429: 8, 503: 14 };
const INTERNAL = 13;

export function errorBody(encoding: OtlpEncoding, status: number, message: string): ResponseBody {
  const code = GRPC_CODE[status] ?? INTERNAL;
  if (encoding === 'protobuf') return { contentType: 'application/x-protobuf', body: encodeRpcStatus(code, message) };
  return { contentType: 'application/json', body: JSON.stringify({ code, message }) };
}

export function successBody(encoding: OtlpEncoding, rejectedSpans: number, errorMessage: string): ResponseBody {
  if (encoding === 'protobuf') {
    return {
      contentType: 'application/x-protobuf',
      body: rejectedSpans > 0 ? encodePartialSuccess(rejectedSpans, errorMessage) : EMPTY_EXPORT_RESPONSE,
    };
  }
  // int64 fields are decimal strings in proto3 JSON.
  return {
    contentType: 'application/json',
    body: rejectedSpans > 0 ? JSON.stringify({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }) : '{}',
  };
}
