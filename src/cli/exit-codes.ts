/**
 * Exit codes shared by every command (DESIGN.md contract):
 * 0 ok, 1 the thing checked is wrong (assertion, invalid manifest, bad config),
 * 2 could not check (backend unreachable, cluster missing, bad flags).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_CANNOT_CHECK = 2;

/** Thrown by commands to end with a given exit code and a message for stderr. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_CANNOT_CHECK) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Records the exit code of a command's action. Actions never set `process.exitCode`
 * themselves, so the CLI can run in-process (tests) without touching the host process.
 */
export function setExitCode(command: { setOptionValue(key: string, value: unknown): unknown }, code: number): void {
  command.setOptionValue('__exitCode', code);
}
