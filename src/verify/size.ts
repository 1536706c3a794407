/** Sizes in flags: `512KiB`, `20MiB`, `1GiB` (powers of 1024), `20MB` (powers of 1000), `4096` or `4096B` (bytes). */

const UNITS: Readonly<Record<string, number>> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 };

/** Parses to whole bytes; `undefined` when the text is not a size. */
export function parseSizeBytes(input: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(input);
  if (!m) return undefined;
  const unit = UNITS[(m[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** Human text for a byte count in the largest binary unit that keeps it ≥ 1 (`20 MiB`, `512 KiB`, `100 B`). */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} B`;
}
