/**
 * Smoke reports: JUnit XML (one test case per spec, plus "bring-up" for everything before the
 * specs, so a cluster that never came up is a red test, not an empty report) and a JSON document.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReportStep } from './plan';
import type { StepOutcome, VerifyOutcome } from './outcome';
import { describeStep } from './render';

export interface ReportInput {
  /** Specs not run (`name: why`). */
  readonly skipped?: readonly string[];
  readonly outcomes: readonly StepOutcome[];
  readonly verifications: readonly VerifyOutcome[];
  readonly now: Date;
}

export function xmlEscape(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // characters XML 1.0 forbids (control characters from logs) would make the file unreadable
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
  );
}

interface Case {
  readonly name: string;
  readonly seconds: number;
  readonly skipped?: string;
  readonly failure?: { readonly message: string; readonly body: string };
  readonly error?: { readonly message: string; readonly body: string };
}

/** Test cases from the outcomes so far (pure). */
export function reportCases(input: ReportInput): Case[] {
  const bringUp = input.outcomes.filter(
    (o) => !['verify', 'report', 'collect-artifacts', 'close-port-forwards', 'note'].includes(o.step.kind),
  );
  const bad = bringUp.find((o) => o.status === 'error' || o.status === 'broken' || o.status === 'failed');
  const cases: Case[] = [];
  const bringUpCase: Case = {
    name: 'bring-up',
    seconds: bringUp.reduce((s, o) => s + o.durationMs, 0) / 1000,
    ...(bad
      ? {
          [bad.status === 'error' ? 'error' : 'failure']: {
            message: `${describeStep(bad.step)[0]}: ${bad.message?.split('\n')[0] ?? bad.status}`,
            body: bad.message ?? '',
          },
        }
      : {}),
  };
  cases.push(bringUpCase);
  const verifySteps = input.outcomes.filter((o) => o.step.kind === 'verify');
  for (const o of verifySteps) {
    const step = o.step as Extract<typeof o.step, { kind: 'verify' }>;
    const v = input.verifications.find((x) => x.name === step.name);
    if (o.status === 'ok') cases.push({ name: step.name, seconds: o.durationMs / 1000 });
    else if (o.status === 'failed') {
      cases.push({
        name: step.name,
        seconds: o.durationMs / 1000,
        failure: { message: v?.message ?? o.message ?? 'failed', body: [v?.message, v?.diagnosis].filter(Boolean).join('\n\n') },
      });
    } else if (o.status === 'error')
      cases.push({
        name: step.name,
        seconds: o.durationMs / 1000,
        error: { message: o.message?.split('\n')[0] ?? 'error', body: o.message ?? '' },
      });
    else if (o.status === 'skipped') cases.push({ name: step.name, seconds: 0, skipped: 'not run: the stack did not come up' });
  }
  for (const s of input.skipped ?? []) {
    const colon = s.indexOf(':');
    cases.push({ name: colon > 0 ? s.slice(0, colon) : s, seconds: 0, skipped: colon > 0 ? s.slice(colon + 1).trim() : 'not run' });
  }
  return cases;
}

export function junitXml(suite: string, input: ReportInput): string {
  const cases = reportCases(input);
  const failures = cases.filter((c) => c.failure).length;
  const errors = cases.filter((c) => c.error).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const time = cases.reduce((s, c) => s + c.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}" timestamp="${input.now.toISOString()}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(c.name)}" time="${c.seconds.toFixed(3)}"`;
    if (c.skipped) {
      lines.push(`${open}>`, `      <skipped message="${xmlEscape(c.skipped)}"/>`, '    </testcase>');
      continue;
    }
    const problem = c.failure ? ['failure', c.failure] : c.error ? ['error', c.error] : undefined;
    if (!problem) {
      lines.push(`${open}/>`);
      continue;
    }
    const [tag, p] = problem as ['failure' | 'error', { message: string; body: string }];
    lines.push(`${open}>`, `      <${tag} message="${xmlEscape(p.message)}">${xmlEscape(p.body)}</${tag}>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

export function resultsJson(input: ReportInput): unknown {
  return {
    finishedAt: input.now.toISOString(),
    passed: input.outcomes.every((o) => o.status === 'ok' || o.status === 'skipped'),
    steps: input.outcomes.map((o) => ({
      step: describeStep(o.step)[0],
      kind: o.step.kind,
      status: o.status,
      durationMs: o.durationMs,
      message: o.message,
    })),
    specs: input.verifications,
    skipped: input.skipped ?? [],
  };
}

export function writeReports(root: string, step: ReportStep, input: ReportInput): void {
  for (const [file, text] of [
    [step.junitFile, junitXml('meshtrace smoke', input)],
    [step.jsonFile, `${JSON.stringify(resultsJson(input), null, 2)}\n`],
  ] as const) {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/**
 * A Markdown summary of a smoke run for CI job pages (GitHub's `$GITHUB_STEP_SUMMARY`): one row
 * per test case, the first problem spelled out (pure).
 */
export function summaryMarkdown(input: ReportInput): string {
  const cases = reportCases(input);
  const icon = (c: Case): string => (c.failure ? '❌ failed' : c.error ? '⚠️ could not run' : c.skipped ? '⏭️ skipped' : '✅ passed');
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['### meshtrace smoke', '', '| check | result | seconds | detail |', '| --- | --- | --- | --- |'];
  for (const c of cases)
    lines.push(
      `| ${cell(c.name)} | ${icon(c)} | ${c.seconds.toFixed(1)} | ${cell(c.failure?.message ?? c.error?.message ?? c.skipped ?? '')} |`,
    );
  return `${lines.join('\n')}\n`;
}
