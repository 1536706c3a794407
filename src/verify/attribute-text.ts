/**
 * The text form of an attribute value, used wherever a value is compared with spec text or shown:
 * scalars as `String()` gives them, arrays joined with commas (as `String(array)` always did), key/value
 * lists as JSON. Values are depth- and size-bounded when decoded (sources/otlp-limits.ts), so this is too.
 */
import type { AttributeValue } from './model';

export function attributeText(value: AttributeValue): string {
  if (Array.isArray(value)) return value.map(attributeText).join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/**
 * The elements of a list-valued attribute: an array's, or those of the JSON text Jaeger keeps an
 * array as (its storage model has no array type: real Jaeger 2.12 returns `["w3c","b3multi"]` and
 * `[]` as strings on /api/v3 and the legacy API alike). `undefined` for any other value. For values
 * the kit knows are lists (format lists, captured header values), never for matching spec text.
 */
export function listElements(value: AttributeValue): readonly AttributeValue[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string' || !value.startsWith('[') || !value.endsWith(']')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      ? (parsed as AttributeValue[])
      : undefined;
  } catch {
    return undefined;
  }
}
