/**
 * The synth seam: `up`/`smoke` call the stack's library function; `--dry-run` synthesizes into a
 * temporary folder so it can list exactly what would be applied without touching `dist/`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DistLayout } from './plan';
import { readDistLayout } from './dist-layout';
import { synthesize } from '../stack/index';

export interface SynthRequest {
  readonly profile?: string;
  readonly configFile?: string;
  /** Absolute output folder. */
  readonly outdir: string;
}

/** Writes `outdir/` and `outdir/install/`; rejects with a message naming what is wrong. */
export type Synthesizer = (request: SynthRequest) => Promise<void>;

/** The stack's `synthesize` (src/stack): load config, build, check, write atomically. */
export const stackSynthesizer: Synthesizer = async (request) => {
  await synthesize({ profile: request.profile, config: request.configFile, outdir: request.outdir });
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
