/** Human and JSON rendering of findings (the CLI's output contract). */
import type { Finding, Severity } from './finding';

export interface CheckSummary {
  readonly errors: number;
  readonly warnings: number;
  readonly info: number;
  readonly files: number;
  readonly objects: number;
  /** Findings dropped by --ignore or the check-ignore annotation. */
  readonly ignored: number;
}

/** `file: Kind ns/name: field: message (fix)` — one line per finding, grep-able. */
export function formatFinding(f: Finding): string {
  const where = [f.file, f.object, f.field].filter((x) => x !== undefined && x !== '').join(': ');
  const sev: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'info' };
  return `${where ? `${where}: ` : ''}${sev[f.severity]} [${f.rule}] ${f.message}${f.fix ? ` (${f.fix})` : ''}`;
}

export function summarize(findings: readonly Finding[], files: number, objects: number, ignored = 0): CheckSummary {
  return {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    info: findings.filter((f) => f.severity === 'info').length,
    files,
    objects,
    ignored,
  };
}

/** GitHub Actions workflow command (`::error file=…::…`): findings show up as annotations on the PR diff. */
export function formatGithubAnnotation(f: Finding, pathOf: (file: string) => string): string {
  const level = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
  const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escapeProp = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props = [
    f.file ? `file=${escapeProp(pathOf(f.file))}` : undefined,
    f.file && f.line !== undefined ? `line=${f.line}` : undefined,
    `title=${escapeProp(`meshtrace ${f.rule}`)}`,
  ]
    .filter(Boolean)
    .join(',');
  const where = [f.object, f.field].filter(Boolean).join(': ');
  return `::${level} ${props}::${escapeData(`${where ? `${where}: ` : ''}${f.message}${f.fix ? ` (${f.fix})` : ''}${f.link ? ` ${f.link}` : ''}`)}`;
}
