/**
 * The embedded OTLP receiver's caps as flags, shared by `verify --otlp-listen` and `demo` (both run
 * the receiver in their own process): sizes as `20MiB`/`512KiB`, counts as whole numbers, the body
 * idle bound as a duration (`10s`).
 */
import type { Command } from 'commander';
import { CliError, EXIT_CANNOT_CHECK } from './exit-codes';
import { durationFlagMs } from './flags';
import type { OtlpReceiverOptions } from '../verify/sources/otlp-receiver';
import { RECEIVER_DEFAULTS } from '../verify/sources/receiver/defaults';
import { formatSize, parseSizeBytes } from '../verify/size';

export interface ReceiverLimitFlags {
  otlpMaxBody?: string;
  otlpMaxInflight?: string;
  otlpMaxSpans?: string;
  otlpMaxStored?: string;
  otlpBodyTimeout?: string;
}

export type ReceiverLimits = Pick<
  OtlpReceiverOptions,
  'maxBodyBytes' | 'maxInflightBytes' | 'maxSpans' | 'maxStoredBytes' | 'bodyIdleTimeoutMs'
>;

export function addReceiverLimitOptions(command: Command): Command {
  return command
    .option(
      '--otlp-max-body <size>',
      `largest OTLP request body, before and after gzip; larger: 413 (default ${formatSize(RECEIVER_DEFAULTS.maxBodyBytes)})`,
    )
    .option(
      '--otlp-max-inflight <size>',
      `request bodies the receiver holds at once; beyond: 503 + Retry-After (default ${formatSize(RECEIVER_DEFAULTS.maxInflightBytes)})`,
    )
    .option(
      '--otlp-max-spans <n>',
      `spans the receiver keeps; beyond: dropped, counted, one warning (default ${RECEIVER_DEFAULTS.maxSpans})`,
    )
    .option(
      '--otlp-max-stored <size>',
      `body bytes the kept spans came from; beyond: as --otlp-max-spans (default ${formatSize(RECEIVER_DEFAULTS.maxStoredBytes)})`,
    )
    .option(
      '--otlp-body-timeout <duration>',
      `longest wait for the next bytes of a request body; then 408 and close, its in-flight bytes freed (default ${RECEIVER_DEFAULTS.bodyIdleTimeoutMs / 1000}s)`,
    );
}

function size(flag: string, value: string): number {
  const bytes = parseSizeBytes(value);
  if (bytes === undefined || bytes < 1)
    throw new CliError(
      `${flag}: invalid size ${JSON.stringify(value)}; use a number with a unit: 512KiB, 20MiB, 1GiB (or plain bytes)`,
      EXIT_CANNOT_CHECK,
    );
  return bytes;
}

function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new CliError(`${flag}: invalid value ${JSON.stringify(value)}; expected a whole number ≥ 1`, EXIT_CANNOT_CHECK);
  return Number(value);
}

/** The flags given, as receiver options (absent flags keep the receiver's defaults). */
export function receiverLimits(flags: ReceiverLimitFlags): ReceiverLimits {
  const limits = parse(flags);
  const body = limits.maxBodyBytes ?? RECEIVER_DEFAULTS.maxBodyBytes;
  if (limits.maxInflightBytes !== undefined && limits.maxInflightBytes < 2 * body) {
    throw new CliError(
      `--otlp-max-inflight ${flags.otlpMaxInflight}: must be at least twice the body limit (${formatSize(2 * body)}): a largest gzip body is held compressed and decompressed`,
      EXIT_CANNOT_CHECK,
    );
  }
  return limits;
}

function parse(flags: ReceiverLimitFlags): ReceiverLimits {
  return {
    ...(flags.otlpMaxBody !== undefined ? { maxBodyBytes: size('--otlp-max-body', flags.otlpMaxBody) } : {}),
    ...(flags.otlpMaxInflight !== undefined ? { maxInflightBytes: size('--otlp-max-inflight', flags.otlpMaxInflight) } : {}),
    ...(flags.otlpMaxSpans !== undefined ? { maxSpans: count('--otlp-max-spans', flags.otlpMaxSpans) } : {}),
    ...(flags.otlpMaxStored !== undefined ? { maxStoredBytes: size('--otlp-max-stored', flags.otlpMaxStored) } : {}),
    ...(flags.otlpBodyTimeout !== undefined ? { bodyIdleTimeoutMs: durationFlagMs('--otlp-body-timeout', flags.otlpBodyTimeout) } : {}),
  };
}
