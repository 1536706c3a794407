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
