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
} as const;
