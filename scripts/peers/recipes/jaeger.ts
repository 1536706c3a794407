/**
 * Jaeger v2 (`cmd/jaeger`), its remote storage (`cmd/remote-storage`) and the HotROD demo
 * (`examples/hotrod`): three packages of the Go module github.com/jaegertracing/jaeger, built from
 * the approved v1.x tag of a v2 release. Jaeger's UI is `//go:embed` of a folder that holds only a
 * .gitignore in the module: the build serves a placeholder page; the query APIs are the real ones.
 */
import { goTools } from '../go';
import type { Recipe } from '../recipe';
import { PEER_VERSIONS } from '../versions';

const version = PEER_VERSIONS.jaeger;
const MODULE = 'github.com/jaegertracing/jaeger';
const PACKAGES = [
  { pkg: `${MODULE}/cmd/jaeger`, program: 'jaeger' },
  { pkg: `${MODULE}/cmd/remote-storage`, program: 'remote-storage' },
  { pkg: `${MODULE}/examples/hotrod`, program: 'hotrod' },
];

export const jaeger: Recipe = {
  name: 'jaeger',
  version,
  programs: PACKAGES.map((p) => p.program),
  async install(ctx) {
    await goTools(ctx, { module: 'meshtrace-peers/jaeger', tools: PACKAGES.map((p) => `${p.pkg}@v${version}`), builds: PACKAGES });
  },
  async check(ctx) {
    const out = await ctx.run('jaeger version', `${ctx.binDir}/jaeger`, ['version']);
    ctx.log(out.trim().split('\n').pop() ?? '');
  },
};
