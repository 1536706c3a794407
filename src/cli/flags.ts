/**
 * The CLI's one flag vocabulary: the value parsers every command shares (durations, propagation
 * formats), the deprecation notice of old spellings, and the global `--no-color`. Commands use these
 * instead of parsing by themselves, so the same flag name takes the same values everywhere.
 */
import { Option, type Command } from 'commander';
import { CliError, EXIT_CANNOT_CHECK } from './exit-codes';
import { parseDurationUs } from '../duration';
import { FORMAT_NAMES, resolveFormatName, type FormatName } from '../propagation/format-names';

/** The one-line notice an old spelling prints on stderr (it still does what it did). */
export function deprecationNotice(old: string, use: string): void {
  process.stderr.write(`meshtrace: ${old} is deprecated; use ${use}\n`);
}

/**
 * A hidden old flag spelling: when given, prints the notice and stores its value under the new
 * flag's key (the new spelling wins when both are given, whatever their order).
 */
export function addDeprecatedAlias(command: Command, flags: string, use: string, newKey: string): Command {
  const option = new Option(flags).hideHelp();
  command.addOption(option);
  command.on(`option:${option.name()}`, (value: unknown) => {
    deprecationNotice(option.long!, use);
    if (command.getOptionValueSource(newKey) !== 'cli') command.setOptionValueWithSource(newKey, value, 'cli');
  });
  return command;
}

/** What every duration flag accepts, said once. */
export const DURATION_FORMS = 'a number with a unit: 500ms, 30s, 2m, 1h (a bare number means milliseconds)';

/** A duration flag's value in ms, with the verifier's one parser; rejects zero and negatives. */
export function durationFlagMs(flag: string, value: string): number {
  const us = parseDurationUs(value);
  if (us === undefined || us <= 0)
    throw new CliError(`${flag}: invalid duration ${JSON.stringify(value)}; use ${DURATION_FORMS}`, EXIT_CANNOT_CHECK);
  return us / 1000;
}

/**
 * A duration flag that once took bare seconds (`up --wait-timeout 600`): a bare whole number still
 * means seconds, with the deprecation notice; anything else is a duration. Resolves to whole seconds.
 */
export function secondsFlag(flag: string, value: string): number {
  if (/^\s*\d+\s*$/.test(value) && Number(value) > 0) {
    deprecationNotice(`${flag} with bare seconds (${value.trim()})`, `${flag} ${value.trim()}s`);
    return Number(value);
  }
  return Math.max(1, Math.ceil(durationFlagMs(flag, value) / 1000));
}

/**
 * A comma-separated list of propagation format names (`w3c,b3`), checked against `allowed`;
 * old spellings print the notice and mean their canonical name.
 */
export function formatNamesFlag<T extends FormatName>(flag: string, value: string, allowed: readonly T[]): T[] {
  const out: T[] = [];
  for (const part of value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)) {
    const resolved = resolveFormatName(part);
    if (!resolved || !(allowed as readonly string[]).includes(resolved.name)) {
      const known = resolved ? ` (${resolved.name} is a format, but not one ${flag} takes)` : '';
      throw new CliError(`${flag}: unknown format ${JSON.stringify(part)}${known}; allowed: ${allowed.join(', ')}`, EXIT_CANNOT_CHECK);
    }
    if (resolved.deprecated) deprecationNotice(`format name ${resolved.deprecated}`, resolved.name);
    if (!out.includes(resolved.name as T)) out.push(resolved.name as T);
  }
  if (out.length === 0) throw new CliError(`${flag}: no format given; allowed: ${allowed.join(', ')}`, EXIT_CANNOT_CHECK);
  return out;
}

export { FORMAT_NAMES };

/**
 * Whether a command's terminal output may use ANSI colours: the program's global `--no-color`, the
 * `NO_COLOR` convention (https://no-color.org: any non-empty value), and a terminal on the stream.
 */
export function useColor(command: Command, stream: { isTTY?: boolean } = process.stdout): boolean {
  let root: Command = command;
  while (root.parent) root = root.parent;
  if (root.opts<{ color?: boolean }>().color === false) return false;
  if (process.env.NO_COLOR) return false;
  return stream.isTTY === true;
}
