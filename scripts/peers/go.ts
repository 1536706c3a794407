/**
 * Go programs the way the registry advises: `go get -tool PKG@VERSION` in a scratch module of our
 * own (a module's `replace` lines keep `go install PKG@VERSION` from working: Jaeger and Traefik
 * both have some), then `go build` of each tool. The scratch module lives in the recipe's folder
 * (`<dir>/src`), the module and build caches where Go keeps them (GOMODCACHE, GOCACHE: ~/go,
 * ~/.cache/go-build), so all of it stays outside the work tree and a warm rebuild is quick.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InstallContext } from './recipe';

export interface GoBuild {
  /** Package path of a `main` package, e.g. github.com/jaegertracing/jaeger/cmd/jaeger. */
  readonly pkg: string;
  /** File name under bin/ (or `outDir`). */
  readonly program: string;
  /** Where the program goes when it is a build tool rather than one of the recipe's programs. @default ctx.binDir */
  readonly outDir?: string;
}

export interface GoToolsOptions {
  /** Scratch module name (never published). */
  readonly module: string;
  /** `pkg@version` for `go get -tool`. */
  readonly tools: readonly string[];
  readonly builds: readonly GoBuild[];
  /** Extra environment, e.g. GOFLAGS for a module that needs a build tag. */
  readonly env?: Readonly<Record<string, string>>;
}

const GO_HINT = 'install Go ≥ 1.24 (https://go.dev/doc/install, or Debian `golang-go` if new enough) and put it on PATH';

/**
 * Static binaries (CGO_ENABLED=0, as upstream's release builds are): no C toolchain needed, and one
 * build cache key on every machine.
 */
export const GO_BUILD_ENV = { CGO_ENABLED: '0' } as const;

export async function goTools(ctx: InstallContext, options: GoToolsOptions): Promise<void> {
  const go = ctx.tool('go', GO_HINT);
  const src = join(ctx.dir, 'src');
  mkdirSync(src, { recursive: true });
  const env = { ...GO_BUILD_ENV, ...options.env };
  if (!existsSync(join(src, 'go.mod'))) await ctx.run('go mod init', go, ['mod', 'init', options.module], { cwd: src, env });
  for (const tool of options.tools) {
    await ctx.run(`go get -tool ${tool}`, go, ['get', '-tool', tool], {
      cwd: src,
      env,
      failure: `the Go module proxy (GOPROXY=${process.env.GOPROXY ?? 'go env default'}) did not give ${tool} with its dependencies`,
    });
  }
  for (const b of options.builds) {
    await ctx.run(`go build ${b.program}`, go, ['build', '-trimpath', '-ldflags=-s -w', '-o', join(b.outDir ?? ctx.binDir, b.program), b.pkg], {
      cwd: src,
      env,
      failure: `go build of ${b.pkg} failed`,
    });
  }
}
