/**
 * A linear pre-scan of an OTLP/JSON body before `JSON.parse`, which builds the whole tree at once: 20 MiB
 * of `{},{},…` is 7 million objects, ~600 MiB of heap and seconds of CPU on the event loop, before any
 * OTLP-level bound can look at it. Counting objects and arrays (and their nesting) outside strings costs
 * one pass over the bytes and stops at the first bound passed.
 */
import { MAX_ANY_VALUE_DEPTH } from './otlp-limits';
import type { Steps } from './stepwise';

/** Objects and arrays one OTLP/JSON request may hold: ~50 000 spans of SDK-typical shape (~20 each). */
export const MAX_JSON_CONTAINERS = 1_000_000;
/**
 * Deepest JSON nesting: the envelope down to an event attribute's value (12 levels) plus 4 per kvlist
 * level (`kvlistValue` → `values` → entry → `value`), with a few levels to spare so that a value just
 * past MAX_ANY_VALUE_DEPTH still reaches the converter, whose refusal names the attribute.
 */
export const MAX_JSON_DEPTH = 16 + 4 * MAX_ANY_VALUE_DEPTH;

export type JsonShapeProblem = { readonly kind: 'containers' | 'depth'; readonly message: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Bytes scanned between two steps (stepwise.ts): about a millisecond. */
const BYTES_PER_STEP = 256 * 1024;

/** The first bound the body passes, or undefined. Malformed JSON is left for `JSON.parse` to report. */
export function* jsonShapeSteps(body: Uint8Array): Steps<JsonShapeProblem | undefined> {
  let containers = 0;
  let depth = 0;
  let inString = false;
  let stepEnd = BYTES_PER_STEP;
  for (let i = 0; i < body.length; i++) {
    if (i >= stepEnd) {
      stepEnd += BYTES_PER_STEP;
      yield;
    }
    const c = body[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++containers > MAX_JSON_CONTAINERS) {
        return {
          kind: 'containers',
          message: `OTLP/JSON body holds more than ${MAX_JSON_CONTAINERS} objects and arrays; split the batch or send protobuf`,
        };
      }
      if (++depth > MAX_JSON_DEPTH)
        return {
          kind: 'depth',
          message: `JSON nests deeper than ${MAX_JSON_DEPTH} levels (an attribute value may nest ${MAX_ANY_VALUE_DEPTH})`,
        };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return undefined;
}
