/** Exit codes and `CliError` live in `src/errors.ts` (library code throws them too); re-exported for the commands. */
export { CliError, EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK } from '../errors';

/**
 * Records the exit code of a command's action. Actions never set `process.exitCode`
 * themselves, so the CLI can run in-process (tests) without touching the host process.
 */
export function setExitCode(command: { setOptionValue(key: string, value: unknown): unknown }, code: number): void {
  command.setOptionValue('__exitCode', code);
}
