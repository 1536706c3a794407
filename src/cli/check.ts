import { Command } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK, setExitCode } from './exit-codes';
import { CheckLoadError, checkManifests, formatFinding, loadManifestFolder, summarize } from '../check';

interface CheckFlags {
  install?: string;
  json?: boolean;
  traefikSchema?: string;
  traefikChartValues?: string;
  quiet?: boolean;
}

/**
 * `meshtrace check [dir]`: validates a manifest folder and its installer inputs offline.
 * Exit 0 clean (warnings allowed), 1 on any error finding, 2 when the folder cannot be read.
 */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check manifests + installer inputs offline: schemas, unknown fields, cross-references, pod security, tracing doctor (MT001-MT012)')
    .argument('[dir]', 'folder of manifests, read like kubectl apply -f DIR (non-recursive)', 'dist')
    .option('--install <dir>', 'installer inputs (Helm values, IstioOperator, kind config) (default: DIR/install)')
    .option('--json', 'print one JSON document {findings, summary}')
    .option('--traefik-schema <file>', 'Traefik chart values.schema.json to validate the Traefik values against')
    .option('--traefik-chart-values <file>', 'Traefik chart values.yaml merged under the values before schema validation')
    .option('-q, --quiet', 'print errors only (human output)')
    .action(async (dir: string, flags: CheckFlags, cmd: Command) => {
      let loaded;
      try {
        loaded = loadManifestFolder(dir, flags.install);
      } catch (err) {
        if (err instanceof CheckLoadError) throw new CliError(err.message, EXIT_CANNOT_CHECK);
        throw err;
      }
      const findings = [
        ...loaded.findings,
        ...(await checkManifests(loaded.docs, {
          installDocs: loaded.installDocs,
          traefikValuesSchema: flags.traefikSchema,
          traefikChartValues: flags.traefikChartValues,
        })),
      ];
      const summary = summarize(findings, loaded.files.length, loaded.docs.length + loaded.installDocs.length);
      if (flags.json) {
        const rows = findings.map((f) => ({
          rule: f.rule, severity: f.severity, file: f.file ?? null, object: f.object ?? null, field: f.field ?? null,
          message: f.message, fix: f.fix ?? null, link: f.link ?? null,
        }));
        process.stdout.write(`${JSON.stringify({ findings: rows, summary }, null, 2)}\n`);
      } else {
        for (const f of findings) {
          if (flags.quiet && f.severity !== 'error') continue;
          process.stdout.write(`${formatFinding(f)}\n`);
        }
        process.stdout.write(`${summary.errors} error(s), ${summary.warnings} warning(s), ${summary.info} info in ${summary.files} file(s), ${summary.objects} object(s)\n`);
      }
      setExitCode(cmd, summary.errors > 0 ? EXIT_FAILED : EXIT_OK);
    });
}
