/**
 * Traefik v3 (`cmd/traefik`) from its Go module. v3.6 is the newest line that can build here:
 * v3.7 requires github.com/traefik/traefik/dynamic/ext, which the Go module proxy does not serve.
 * Its web UI is `//go:embed` of a folder the module ships empty: it builds, with no dashboard.
 * Required: test/real/hotrod-traefik.test.ts runs it in front of HotROD.
 */
import { goTools } from '../go';
import type { Recipe } from '../recipe';
import { PEER_VERSIONS } from '../versions';

const version = PEER_VERSIONS.traefik;
const PKG = 'github.com/traefik/traefik/v3/cmd/traefik';

export const traefik: Recipe = {
  name: 'traefik',
  version,
  programs: ['traefik'],
  async install(ctx) {
    // Traefik builds with three forks named by `replace` in its go.mod (go-http-auth, mux, minheap);
    // our scratch module states the same replaces, or Go asks the proxy for versions that never existed.
    await goTools(ctx, {
      module: 'meshtrace-peers/traefik',
      mirrorReplacesOf: `github.com/traefik/traefik/v3@v${version}`,
      tools: [`${PKG}@v${version}`],
      builds: [{ pkg: PKG, program: 'traefik' }],
    });
  },
  async check(ctx) {
    const out = await ctx.run('traefik version', `${ctx.binDir}/traefik`, ['version']);
    ctx.log(out.trim().split('\n')[0] ?? '');
  },
};
