/**
 * Go programs the way the registry advises: `go get -tool PKG@VERSION` in a scratch module of our
 * own (a module's `replace` lines keep `go install PKG@VERSION` from working: Jaeger and Traefik
 * both have some), then `go build` of each tool. The scratch module lives in the recipe's folder
 * (`<dir>/src`), the module and build caches where Go keeps them (GOMODCACHE, GOCACHE: ~/go,
 * ~/.cache/go-build), so all of it stays outside the work tree and a warm rebuild is quick.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
  /**
   * `module@version` whose own go.mod `replace` lines (forks it builds with) are copied into the
   * scratch module: Go ignores a dependency's replaces, so without them it asks the proxy for
   * placeholder versions (v0.0.0-00010101000000-000000000000) that do not exist.
   */
  readonly mirrorReplacesOf?: string;
}

/** `replace` lines of a go.mod (block and single-line forms) with a module version on the right (pure). */
export function parseReplaces(goMod: string): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  const body = goMod.replace(/\/\/[^\n]*/g, '');
  const lines = [
    ...[...body.matchAll(/^replace\s*\(([^)]*)\)/gm)].flatMap((m) => m[1]!.split('\n')),
    ...[...body.matchAll(/^replace\s+([^(\n][^\n]*)$/gm)].map((m) => m[1]!),
  ];
  for (const line of lines) {
    const m = /^\s*(\S+)(?:\s+\S+)?\s*=>\s*(\S+)\s+(v\S+)\s*$/.exec(line);
    if (m) out.push({ from: m[1]!, to: `${m[2]}@${m[3]}` });
  }
  return out;
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
  if (options.mirrorReplacesOf) {
    const info = JSON.parse(
      await ctx.run(`go mod download ${options.mirrorReplacesOf}`, go, ['mod', 'download', '-json', options.mirrorReplacesOf], {
        cwd: src,
        env,
        failure: `the Go module proxy did not give ${options.mirrorReplacesOf}`,
      }),
    ) as { GoMod?: string };
    const replaces = parseReplaces(info.GoMod ? readFileSync(info.GoMod, 'utf8') : '');
    for (const r of replaces)
      await ctx.run(`go mod edit -replace ${r.from}`, go, ['mod', 'edit', `-replace=${r.from}=${r.to}`], { cwd: src, env });
    ctx.log(
      `mirrored ${replaces.length} replace line(s) of ${options.mirrorReplacesOf}: ${replaces.map((r) => `${r.from} => ${r.to}`).join(', ')}`,
    );
  }
  for (const tool of options.tools) {
    await ctx.run(`go get -tool ${tool}`, go, ['get', '-tool', tool], {
      cwd: src,
      env,
      failure: `the Go module proxy (GOPROXY=${process.env.GOPROXY ?? 'go env default'}) did not give ${tool} with its dependencies`,
    });
  }
  for (const b of options.builds) {
    await ctx.run(
      `go build ${b.program}`,
      go,
      ['build', '-trimpath', '-ldflags=-s -w', '-o', join(b.outDir ?? ctx.binDir, b.program), b.pkg],
      {
        cwd: src,
        env,
        failure: `go build of ${b.pkg} failed`,
      },
    );
  }
}
