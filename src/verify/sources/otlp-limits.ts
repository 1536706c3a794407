/**
 * Bounds on one OTLP attribute value (AnyValue), shared by both decoders (otlp.ts for OTLP/JSON and
 * protobufjs objects, otlp-proto-fast.ts for the wire format). An AnyValue can nest arrays and
 * key/value lists without end, and ~370 bytes of protobuf already nest 25 levels; without a bound a
 * decoder recurses and allocates as deep as the sender likes. 32 levels is far beyond what any SDK or
 * semantic convention writes (they nest 1–3) and matches the nesting limits of common decoders.
 */
import type { AttributeValue } from '../model';

/** Deepest AnyValue accepted: a scalar attribute is depth 1, a kvlist holding it depth 2. */
export const MAX_ANY_VALUE_DEPTH = 32;
/** Most values one attribute may hold, nested ones included (each array element and kvlist entry counts). */
export const MAX_VALUES_PER_ATTRIBUTE = 10_000;

/** A value outside the bounds above: the whole request is refused (the receiver answers 400). */
export class OtlpLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpLimitError';
  }

  /** The same error naming the attribute it was found in. */
  forKey(key: string | undefined): OtlpLimitError {
    return key === undefined || this.message.startsWith('attribute ')
      ? this
      : new OtlpLimitError(`attribute ${JSON.stringify(key.slice(0, 100))}: ${this.message}`);
  }
}

/** Values met so far inside one top-level attribute (reset by the decoder for each attribute). */
export interface ValueCount {
  values: number;
}

/** Called by a decoder on entering a nested value at `depth` (1 = the attribute's own value). */
export function enterValue(depth: number, count: ValueCount): void {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new OtlpLimitError(
      `value nests deeper than ${MAX_ANY_VALUE_DEPTH} levels of arrays and kvlists; at most ${MAX_ANY_VALUE_DEPTH} are allowed`,
    );
  }
  if (++count.values > MAX_VALUES_PER_ATTRIBUTE) {
    throw new OtlpLimitError(
      `value holds more than ${MAX_VALUES_PER_ATTRIBUTE} values (array elements and kvlist entries, nested ones included); at most ${MAX_VALUES_PER_ATTRIBUTE} are allowed`,
    );
  }
}

/**
 * Sets `record[key]` as an own, enumerable property even for `__proto__` (a plain assignment would
 * replace the record's prototype instead).
 */
export function setAttribute(record: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
