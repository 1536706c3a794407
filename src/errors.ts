/**
 * Exit codes and the error that carries one, shared by every command (DESIGN.md contract):
 * 0 ok, 1 the thing checked is wrong (assertion, invalid manifest, bad config),
 * 2 could not check (backend unreachable, cluster missing, bad flags).
 *
 * Neutral ground on purpose: library code (cluster, demo, relay bundle) throws `CliError` and
 * picks exit codes without importing from `src/cli/` (data flows one way: cli → library).
 * `src/cli/exit-codes.ts` re-exports everything here, so existing imports keep working.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_CANNOT_CHECK = 2;

/** Thrown to end a command with a given exit code and a message for stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_CANNOT_CHECK,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
