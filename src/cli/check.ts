import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK, setExitCode } from './exit-codes';
// Types only: the module itself is loaded per command (see runCheck).
import type * as checkModule from '../check';
import type { CheckSummary, Finding, LoadedFolder } from '../check';

type CheckApi = typeof checkModule;

interface CheckFlags {
  install?: string;
  json?: boolean;
  traefikSchema?: string;
  traefikChartValues?: string;
  quiet?: boolean;
  github?: boolean;
  listRules?: boolean;
  ignore: string[];
}

function ignoreEpipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
}

function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/**
 * A synth killed part-way leaves hidden folders (or a journal) beside the folder — for the instant
 * between a swap's two renames even no folder, the complete new tree beside it: complete (or
 * discard) that write first, so check reads one tree, never a mix. A synth still running is a
 * "could not check" (exit 2).
 */
async function finishInterruptedSynth(dir: string): Promise<void> {
  const { describeRecovery, interruptedWrite, OutputWriteError, recoverOutput } = await import('../stack/output-writer');
  if ((await interruptedWrite(dir)) === undefined) return;
  try {
    const recovery = await recoverOutput(dir);
    if (recovery) process.stderr.write(`meshtrace check: ${describeRecovery(recovery, resolve(dir))}\n`);
  } catch (err) {
    if (err instanceof OutputWriteError) throw new CliError(err.message, EXIT_CANNOT_CHECK);
    throw err;
  }
}

/** `--list-rules`: the tracing doctor catalogue, as JSON or text. */
function printRules(api: CheckApi, json: boolean | undefined): void {
  const rules = Object.values(api.CATALOGUE);
  process.stdout.write(
    json
      ? `${JSON.stringify({ rules }, null, 2)}\n`
      : rules.map((r) => `${r.id} ${r.name}\n  what: ${r.what}\n  why:  ${r.why}\n  fix:  ${r.fix}\n  see:  ${r.link}\n`).join('\n'),
  );
}

/** Reads the folder; a folder that cannot be read is a "could not check" (exit 2). */
function loadFolder(api: CheckApi, dir: string, flags: CheckFlags): LoadedFolder {
  try {
    return api.loadManifestFolder(dir, flags.install);
  } catch (err) {
    if (!(err instanceof api.CheckLoadError)) throw err;
    // --json users parse stdout: they get a document even when nothing could be checked.
    if (flags.json) process.stdout.write(`${JSON.stringify({ error: err.message, findings: [], summary: null }, null, 2)}\n`);
    throw new CliError(err.message, EXIT_CANNOT_CHECK);
  }
}

function printJson(findings: readonly Finding[], summary: CheckSummary): void {
  const rows = findings.map((f) => ({
    rule: f.rule,
    severity: f.severity,
    file: f.file ?? null,
    line: f.line ?? null,
    object: f.object ?? null,
    field: f.field ?? null,
    message: f.message,
    fix: f.fix ?? null,
    link: f.link ?? null,
  }));
  process.stdout.write(`${JSON.stringify({ findings: rows, summary }, null, 2)}\n`);
}

function printHuman(
  api: CheckApi,
  dir: string,
  flags: CheckFlags,
  findings: readonly Finding[],
  summary: CheckSummary,
  ignored: number,
): void {
  const shown = findings.filter((f) => !flags.quiet || f.severity === 'error');
  // Annotations need paths from the working directory: --install files already are.
  const pathOf = (file: string): string =>
    flags.install && file.startsWith(`${flags.install.replace(/\/+$/, '')}/`) ? file : join(dir, file);
  const lines = shown.map((f) => `${flags.github ? api.formatGithubAnnotation(f, pathOf) : api.formatFinding(f)}\n`);
  process.stdout.write(
    lines.join('') +
      `${summary.errors} error(s), ${summary.warnings} warning(s), ${summary.info} info in ${summary.files} file(s), ${summary.objects} object(s)${ignored ? `, ${ignored} ignored` : ''}\n`,
  );
}

async function runCheck(dir: string, flags: CheckFlags, cmd: Command): Promise<void> {
  // Loaded per command, so `meshtrace --help` does not load the schema validators.
  const api = await import('../check');
  // `meshtrace check | head` closes the pipe early: that is not a crash.
  if (!process.stdout.listeners('error').includes(ignoreEpipe)) process.stdout.on('error', ignoreEpipe);
  if (flags.listRules) {
    printRules(api, flags.json);
    setExitCode(cmd, EXIT_OK);
    return;
  }
  await finishInterruptedSynth(dir);
  const loaded = loadFolder(api, dir, flags);
  const result = await api.checkManifestsDetailed(loaded.docs, {
    installDocs: loaded.installDocs,
    traefikValuesSchema: flags.traefikSchema,
    traefikChartValues: flags.traefikChartValues,
    ignore: flags.ignore,
  });
  const loadFindings = loaded.findings.filter((f) => !flags.ignore.some((p) => api.ruleMatches(f.rule, p)));
  const findings = [...loadFindings, ...result.findings];
  const ignored = result.ignored.length + loaded.findings.length - loadFindings.length;
  const summary = api.summarize(findings, loaded.files.length, loaded.docs.length + loaded.installDocs.length, ignored);
  if (flags.json) printJson(findings, summary);
  else printHuman(api, dir, flags, findings, summary, ignored);
  setExitCode(cmd, summary.errors > 0 ? EXIT_FAILED : EXIT_OK);
}

/**
 * `meshtrace check [dir]`: validates a manifest folder and its installer inputs offline.
 * Exit 0 clean (warnings allowed), 1 on any error finding, 2 when the folder cannot be read.
 */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'check manifests + installer inputs offline: schemas, unknown fields, cross-references, pod security, tracing doctor (MT001-MT012)',
    )
    .argument('[dir]', 'folder of manifests, read like kubectl apply -f DIR (non-recursive)', 'dist')
    .option('--install <dir>', 'installer inputs (Helm values, IstioOperator, kind config) (default: DIR/install)')
    .option('--json', 'print one JSON document {findings, summary}')
    .option('--ignore <rules>', 'rule ids or prefixes to drop, comma-separated (repeatable), e.g. MT001,pod-security', collect, [])
    .option('--traefik-schema <file>', 'Traefik chart values.schema.json to validate the Traefik values against')
    .option('--traefik-chart-values <file>', 'Traefik chart values.yaml merged under the values before schema validation')
    .option('--list-rules', 'print the tracing doctor catalogue (id, what, why, fix, upstream link) and exit')
    .option('--github', 'print findings as GitHub Actions annotations (::error file=…::…)')
    .option('-q, --quiet', 'print errors only (human output)')
    .action(runCheck);
}
