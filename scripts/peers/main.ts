/**
 * `npm run peers [-- NAME…]`: installs the pinned real upstream programs (all, or the named ones)
 * into the peers cache, outside the work tree (see layout.ts). Idempotent: a cached program costs a
 * stat. Exits 1 when a non-optional program could not be installed, 2 on a bad command line.
 */
import { installPeers, selectRecipes } from './install';
import { peersRoot, manifestPath } from './layout';
import { formatDuration, PeerError } from './recipe';
import { RECIPES } from './recipes/index';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      `usage: npm run peers [-- NAME…]\n  installs ${RECIPES.map((r) => `${r.name} ${r.version}`).join(', ')}\n  into $MESHTRACE_PEERS_DIR (default ~/.cache/meshtrace/peers)`,
    );
    return 0;
  }
  let recipes;
  try {
    recipes = selectRecipes(RECIPES, argv);
  } catch (err) {
    console.error(`peers: ${(err as Error).message}`);
    return 2;
  }
  const root = peersRoot();
  const started = Date.now();
  const results = await installPeers(recipes, { root });
  const count = (o: string) => results.filter((r) => r.outcome === o).length;
  const failed = results.filter((r) => r.outcome === 'failed');
  const required = failed.filter((r) => !r.recipe.optional);
  console.log(
    `peers: ${count('installed')} installed, ${count('cached')} cached, ${failed.length} failed${failed.length ? ` (${failed.map((r) => r.recipe.name + (r.recipe.optional ? ', optional' : '')).join('; ')})` : ''} in ${formatDuration(Date.now() - started)}; manifest ${manifestPath(root)}`,
  );
  return required.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`peers: ${err instanceof PeerError ? err.message : (err as Error).stack}`);
    process.exit(1);
  },
);
