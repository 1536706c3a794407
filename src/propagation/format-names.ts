/**
 * The names users type for propagation formats (flags, specs, docs): one list for every command.
 * `b3` is B3's single `b3` header, as OpenTelemetry's propagator registry names it
 * (`OTEL_PROPAGATORS=b3` vs `b3multi`). Inside the core that format is still the `b3single`
 * identifier (`PropagationFormat`), which span evidence records; this file is the one place the two
 * meet. Pure.
 */
import type { HeaderFormat } from './trace-context';

/**
 * Every format name a command may take, canonical spelling. `envoy` is the driver's Envoy
 * `x-client-trace-id` (the relay always passes Envoy's ids on and has no such switch); `baggage` is the
 * W3C `baggage` header on its own (the relay's `--propagate`/`--accept`).
 */
export const FORMAT_NAMES = ['w3c', 'b3', 'b3multi', 'jaeger', 'envoy', 'baggage'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** Old spellings still accepted, each with the canonical name it means. */
export const DEPRECATED_FORMAT_NAMES: Readonly<Record<string, FormatName>> = Object.freeze({ b3single: 'b3' });

/** What a typed name means: the canonical name, and the old spelling when one was used. */
export interface ResolvedFormatName {
  readonly name: FormatName;
  readonly deprecated?: string;
}

/** Resolves a typed name (case-insensitive); `undefined` when it is no format name at all. */
export function resolveFormatName(typed: string): ResolvedFormatName | undefined {
  const lower = typed.trim().toLowerCase();
  if ((FORMAT_NAMES as readonly string[]).includes(lower)) return { name: lower as FormatName };
  const canonical = DEPRECATED_FORMAT_NAMES[lower];
  return canonical ? { name: canonical, deprecated: lower } : undefined;
}

/** The core's identifier for a header format name (`b3` → `b3single`); `envoy` has none. */
export function headerFormatOf(name: FormatName): HeaderFormat | undefined {
  if (name === 'envoy') return undefined;
  return name === 'b3' ? 'b3single' : name;
}

/** The user-facing name of a core identifier (`b3single` → `b3`), for messages and generated flags. */
export function formatNameOf(format: HeaderFormat): FormatName {
  return format === 'b3single' ? 'b3' : format;
}
