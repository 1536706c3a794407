// Its own module so the CLI's flag help can show the caps without loading the receiver (protobufjs).
const MiB = 1024 * 1024;

/** The receiver's caps (documented in docs/verify.md, "Receiver limits"). */
export const RECEIVER_DEFAULTS = {
  /** The OTLP/HTTP spec's recommended request limit, compressed and decompressed. */
  maxBodyBytes: 20 * MiB,
  /** Bytes of bodies (compressed plus decompressed) held at once across all requests; at least 2 × maxBodyBytes. */
  maxInflightBytes: 64 * MiB,
  maxSpans: 200_000,
  /**
   * Decoded body bytes the stored spans came from: the bound for spans that are few but large. The model
   * takes up to ~14× the protobuf bytes (an empty kvlist is 2 bytes on the wire, an object in memory).
   */
  maxStoredBytes: 32 * MiB,
  /**
   * Longest wait for the next bytes of a request body once it is wanted; then 408 and close, and its
   * share of the in-flight budget is free at once. OTel SDK and Collector exporters hand the whole
   * serialized body to their HTTP client in one write, so a real export never pauses mid-body on
   * loopback or a cluster network; and their own export timeout defaults to 10 s
   * (OTEL_EXPORTER_OTLP_TIMEOUT), so a body still quiet after 10 s has been given up by its sender.
   */
  bodyIdleTimeoutMs: 10_000,
} as const;
