/**
 * The synth seam: `up`/`smoke` call the stack's library function; `--dry-run` synthesizes into a
 * temporary folder so it can list exactly what would be applied without touching `dist/`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DistLayout } from './plan';
import { readDistLayout } from './dist-layout';

export interface SynthRequest {
  readonly profile?: string;
  readonly configFile?: string;
  /** Absolute output folder. */
  readonly outdir: string;
}

/** Writes `outdir/` and `outdir/install/`; rejects with a message naming what is wrong. */
export type Synthesizer = (request: SynthRequest) => Promise<void>;

interface StackModule {
  synthesize(options: { config?: unknown; configFile?: string; profile?: string; outdir: string }): Promise<unknown>;
}

/**
 * The stack's `synthesize` (src/stack). Loaded lazily so `down` and `--help` do not pay for
 * cdk8s, and so this lane does not fail to load while the stack is being built.
 */
export const stackSynthesizer: Synthesizer = async (request) => {
  const modulePath = '../stack/index';
  let stack: StackModule;
  try {
    stack = (await import(modulePath)) as StackModule;
  } catch (err) {
    throw new Error(`the stack library (src/stack) could not be loaded: ${(err as Error).message}`);
  }
  if (typeof stack.synthesize !== 'function') throw new Error('src/stack does not export synthesize()');
  await stack.synthesize({ profile: request.profile, configFile: request.configFile, outdir: request.outdir });
};

/**
 * Synthesizes into a fresh temporary folder and reads its layout, printed as if it were `shownDir`
 * (what the real run writes to). The temporary folder is removed afterwards.
 */
export async function previewLayout(synth: Synthesizer, request: Omit<SynthRequest, 'outdir'>, shownDir: string): Promise<DistLayout> {
  const tmp = mkdtempSync(join(tmpdir(), 'meshtrace-plan-'));
  try {
    const out = join(tmp, 'out');
    await synth({ ...request, outdir: out });
    const layout = readDistLayout(tmp, 'out');
    const rename = (p: string | undefined): string | undefined => (p === undefined ? undefined : shownDir + p.slice('out'.length));
    return {
      ...layout,
      dir: shownDir,
      manifests: layout.manifests.map((m) => rename(m) as string),
      kindConfig: rename(layout.kindConfig),
      istioOperator: rename(layout.istioOperator),
      istiodValues: rename(layout.istiodValues),
      istioGatewayValues: rename(layout.istioGatewayValues),
      traefikValues: rename(layout.traefikValues),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
