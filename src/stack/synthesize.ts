/**
 * `synthesize()`: load config → build in memory → check → write atomically. A failing config or
 * an error finding throws before anything is written.
 */
import { checkManifests, type Finding } from '../check/index';
import { loadConfig } from '../config/load';
import type { MeshtraceConfig } from '../config/schema';
import { buildStack, type BuiltStack } from './build-stack';
import { writeOutput, type WriteReport } from './output-writer';

export interface SynthesizeOptions {
  /** Path of a YAML config file. */
  readonly config?: string;
  /** Profile name (`lab`, `ci`, `production`) when no file is given. @default 'lab' */
  readonly profile?: string;
  /** Output folder. @default 'dist' */
  readonly outdir?: string;
  /** Raw config merged over the file/profile (command-line flags). @default - none */
  readonly overrides?: Record<string, unknown>;
  /** Write into a non-empty folder that has no ownership manifest (`--force-outdir`). @default false */
  readonly forceOutdir?: boolean;
}

export interface SynthResult {
  readonly config: MeshtraceConfig;
  readonly stack: BuiltStack;
  /** Every finding of check (warnings and infos included; errors never get here). */
  readonly findings: readonly Finding[];
  readonly write: WriteReport;
  /** Milliseconds per phase. */
  readonly timings: { readonly loadMs: number; readonly buildMs: number; readonly checkMs: number; readonly writeMs: number };
}

/** Error findings stopped the synth; nothing was written. */
export class SynthCheckError extends Error {
  constructor(readonly findings: readonly Finding[]) {
    const errors = findings.filter((f) => f.severity === 'error');
    super(`check found ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was written`);
    this.name = 'SynthCheckError';
  }
}

/** Builds and checks without writing (what `synth --stdout` and the benchmark use). */
export async function buildAndCheck(
  config: MeshtraceConfig,
): Promise<{ stack: BuiltStack; findings: Finding[]; buildMs: number; checkMs: number }> {
  const t0 = performance.now();
  const stack = buildStack(config);
  const t1 = performance.now();
  const findings = await checkManifests(stack.docs, { installDocs: stack.installDocs });
  const t2 = performance.now();
  return { stack, findings, buildMs: t1 - t0, checkMs: t2 - t1 };
}

export async function synthesize(options: SynthesizeOptions = {}): Promise<SynthResult> {
  const t0 = performance.now();
  const config = await loadConfig({ config: options.config, profile: options.profile, overrides: options.overrides });
  const loadMs = performance.now() - t0;
  const { stack, findings, buildMs, checkMs } = await buildAndCheck(config);
  if (findings.some((f) => f.severity === 'error')) throw new SynthCheckError(findings);
  const t3 = performance.now();
  const write = await writeOutput(options.outdir ?? 'dist', stack.files, { takeOver: options.forceOutdir });
  const writeMs = performance.now() - t3;
  return { config, stack, findings, write, timings: { loadMs, buildMs, checkMs, writeMs } };
}
