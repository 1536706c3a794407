/**
 * `meshtrace demo` end to end, as users run it: the real CLI as a child process, five relay
 * processes on loopback, the embedded OTLP receiver, the real verifier. After every run, every
 * process the demo started is checked by pid.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { REPO_ROOT } from '../../src/paths';
import { isProcessAlive } from '../../src/demo/supervisor';
import { runDemo } from '../../src/demo/run-demo';
import { keptFilePath } from '../support/kept-file';
import { startOtlpReceiver } from '../../src/verify/sources/otlp-receiver';
import { findBottleneck, indexTrace } from '../../src/verify/trace-index';
import { openInChromium, renderedBars } from '../report-html/chromium';
import { runCliInProcess } from '../support/run-cli';
import { BIN, runCliProcess } from '../support/run-cli-process';

async function expectAllGone(pids: readonly number[], withinMs = 3000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter(isProcessAlive)).toEqual([]);
}

interface DemoJson {
  exitCode: number;
  passed: boolean;
  error?: string;
  hops: { name: string; pid: number; url: string; faults: string[] }[];
  requests: { traceId: string; status?: number }[];
  pids: number[];
  leftRunning: number[];
  html?: string;
  verification?: {
    passed: boolean;
    traces: { traceId: string; passed: boolean; spanCount: number }[];
    diagnoses: { kind: string; title: string; hop?: { from: string; to?: string } }[];
  };
}

describe('meshtrace demo (end to end on loopback)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshtrace-demo-e2e-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the demo passes its spec, exits 0, prints one JSON document, writes the HTML, and leaves no process', async () => {
    // GIVEN the default topology and spec WHEN `meshtrace demo --json --html FILE` runs
    const html = join(dir, 'demo.html');
    const run = await runCliProcess(['demo', '--json', '--html', html]);
    // THEN it exits 0 with exactly one JSON document on stdout and nothing on stderr
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as DemoJson;
    expect(run.stderr).toBe('');
    expect(doc.passed).toBe(true);
    expect(doc.verification?.passed).toBe(true);
    expect(doc.hops.map((h) => h.name).sort()).toEqual(['details', 'edge', 'productpage', 'ratings', 'reviews']);
    expect(doc.hops.every((h) => /^http:\/\/127\.0\.0\.1:\d+$/.test(h.url))).toBe(true);
    expect(doc.requests).toHaveLength(3);
    expect(doc.requests.every((r) => r.status === 200)).toBe(true);
    // every judged trace is one request's whole tree: 9 hop spans
    expect(doc.verification!.traces.map((t) => t.traceId).sort()).toEqual(doc.requests.map((r) => r.traceId).sort());
    expect(doc.verification!.traces.every((t) => t.passed && t.spanCount === 9)).toBe(true);
    // no process left: the demo says so, and the pids it reported are really gone
    expect(doc.pids).toHaveLength(5);
    expect(doc.leftRunning).toEqual([]);
    await expectAllGone(doc.pids);

    // AND the HTML report renders in Chromium with one bar per span and the hops' services
    expect(doc.html).toBe(html);
    const opened = await openInChromium(html);
    try {
      await opened.page.screenshot({ path: keptFilePath('demo-report.png'), fullPage: true });
      const bars = await renderedBars(opened.page);
      expect(bars).toHaveLength(27);
      expect(new Set(bars.map((b) => b.service))).toEqual(new Set(['edge', 'productpage', 'details', 'reviews', 'ratings']));
      expect(bars.filter((b) => b.classes.includes('bottleneck'))).toHaveLength(3);
      await expect(opened.page.locator('.verdict').textContent()).resolves.toBe('PASSED');
      expect(opened.externalRequests).toEqual([]);
      expect(opened.pageErrors).toEqual([]);
    } finally {
      await opened.close();
    }
  }, 120_000);

  test('--break reviews exits 1 and the diagnosis names reviews → ratings; no process is left', async () => {
    // GIVEN reviews drops the trace context on its outgoing call WHEN the demo runs
    const html = join(dir, 'break.html');
    const run = await runCliProcess(['demo', '--break', 'reviews', '--requests', '1', '--json', '--html', html]);
    // THEN the verifier fails (exit 1) and says where the context was lost
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as DemoJson;
    expect(doc.passed).toBe(false);
    expect(doc.error).toBeUndefined();
    expect(doc.hops.find((h) => h.name === 'reviews')!.faults).toEqual(['drop-context']);
    const split = doc.verification!.diagnoses.filter((d) => d.kind === 'split-trace');
    expect(split.length).toBeGreaterThan(0);
    expect(split.every((d) => d.hop?.from === 'reviews' && d.hop?.to === 'ratings')).toBe(true);
    expect(split[0]!.title).toContain('reviews → ratings');
    // the HTML shows the failed verdict, the diagnosis, and the lost ratings fragment as its own trace
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<span class="verdict fail">FAILED</span>');
    expect(page).toContain('reviews → ratings lost context');
    expect((page.match(/<section class="trace"/g) ?? []).length).toBe(2);
    expect(page).toMatch(/<p class="note">A fragment: [^<]*<\/p>\s*<p class="summary">1 span · 1 service/);
    expect(doc.leftRunning).toEqual([]);
    await expectAllGone(doc.pids);
  }, 120_000);

  test('a delay moves the bottleneck to that hop; a status fault marks error spans and fails the spec; spans reach a second OTLP backend', async () => {
    // GIVEN ratings is slow (300 ms) and details answers 500 (runDemo in process, the CLI's library),
    // and a real OTLP/HTTP receiver standing in for Jaeger's collector port
    const jaeger = await startOtlpReceiver({ port: 0 });
    let outcome;
    try {
      outcome = await runDemo({ topology: { faults: ['ratings:delay=300ms', 'details:status=500'] }, requests: 1, jaegerUrl: jaeger.url });
      // THEN "Jaeger" got every span the demo received
      expect(outcome.jaeger).toBe(`sent ${outcome.pool.flatMap((t) => t.spans).length} spans to Jaeger at ${jaeger.url}/v1/traces`);
      expect(jaeger.spansReceived).toBe(outcome.pool.flatMap((t) => t.spans).length);
      expect(jaeger.traces().map((t) => t.traceId)).toContain(outcome.requests[0]!.traceId);
    } finally {
      await jaeger.close();
    }
    const pids = [...outcome.pids];
    // THEN the spec fails on the errors (exit 1), the bottleneck is ratings, details' span is an error
    expect(outcome.exitCode).toBe(1);
    const trace = outcome.traces[0]!;
    expect(findBottleneck(indexTrace(trace))?.span.service).toBe('ratings');
    expect(trace.spans.filter((s) => s.status.code === 'error').map((s) => s.service)).toContain('details');
    const failed = outcome.result!.traces[0]!.assertions.filter((a) => !a.passed).map((a) => a.text);
    expect(failed.some((t) => t.startsWith('noErrors'))).toBe(true);
    expect(outcome.leftRunning).toEqual([]);
    await expectAllGone(pids);
  }, 120_000);

  test('Ctrl-C while the hops run stops every process and exits 2', async () => {
    // GIVEN a demo run (human output) whose hops are up
    const child = spawn(process.execPath, [BIN, 'demo', '--requests', '50', '--fault', 'edge:delay=200ms'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pids: number[] = [];
    try {
      for await (const line of createInterface({ input: child.stderr })) {
        const pid = /pid (\d+)/.exec(line);
        if (pid) pids.push(Number(pid[1]));
        // WHEN the first traced request has returned, SIGINT arrives (what Ctrl-C sends)
        if (line.includes('→ request 1/50')) break;
      }
      expect(pids).toHaveLength(5);
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      // THEN the demo ends "could not check" and no hop survives it
      expect(code).toBe(2);
      await expectAllGone(pids);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  test('bad flags: exit 2 with the value and what is allowed, as JSON too; nothing is started', async () => {
    // In process through the CLI's own entry (`main`), to keep the suite short: no hop starts here.
    const run = (args: string[]) => runCliInProcess(['demo', ...args]);
    const unknownHop = await run(['--break', 'review', '--json']);
    expect(unknownHop.code).toBe(2);
    const doc = JSON.parse(unknownHop.stdout) as DemoJson;
    expect(doc.error).toBe('--break "review": unknown hop "review"; hops are edge, productpage, details, reviews, ratings');
    expect(doc.pids).toEqual([]);
    const human = await run(['--requests', 'many']);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('--requests "many": expected a whole number from 1 to 1000');
    const jsonToo = await run(['--timeout', 'soon', '--json']);
    expect(jsonToo.code).toBe(2);
    expect((JSON.parse(jsonToo.stdout) as DemoJson).error).toBe(
      '--timeout: invalid duration "soon"; use a number with a unit: 500ms, 30s, 2m, 1h (a bare number means milliseconds)',
    );
    const badFault = await run(['--fault', 'ratings:slow', '--json']);
    expect((JSON.parse(badFault.stdout) as DemoJson).error).toContain(
      '--fault "ratings:slow": invalid value "slow" (unknown fault "slow")',
    );
    const badHtml = await run(['--html', '/nonexistent/dir/report.html', '--json']);
    expect((JSON.parse(badHtml.stdout) as DemoJson).error).toBe(
      '--html "/nonexistent/dir/report.html": the folder /nonexistent/dir does not exist',
    );
    const badJaeger = await run(['--otlp-endpoint', 'jaeger:4318', '--json']);
    expect((JSON.parse(badJaeger.stdout) as DemoJson).error).toContain(
      '--otlp-endpoint "jaeger:4318": expected an http:// or https:// URL',
    );
    const badSpec = await run(['--spec', '/nonexistent/spec.yaml', '--json']);
    expect(badSpec.code).toBe(2);
    expect((JSON.parse(badSpec.stdout) as DemoJson).error).toBe('cannot read spec /nonexistent/spec.yaml: ENOENT');
  }, 60_000);
});

describe('meshtrace demo failure paths', () => {
  test("a hop that cannot start (edge port taken): exit 2 with the hop's own words, nothing left behind", async () => {
    // GIVEN the port the user pins for the edge is already in use
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
    const port = (squatter.address() as { port: number }).port;
    try {
      // WHEN the demo runs
      const outcome = await runDemo({ topology: { edgePort: port }, requests: 1 });
      // THEN it could not run (2), says which hop and why, and every other hop was stopped
      expect(outcome.exitCode).toBe(2);
      expect(outcome.error).toBe('relay hop edge exited (code 2) before it was ready');
      expect(outcome.errorOutput?.join('\n')).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
      expect(outcome.leftRunning).toEqual([]);
      await expectAllGone(outcome.pids);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  }, 90_000);

  test('a 1 ms deadline is reported as 1ms, not "0 s"', async () => {
    const outcome = await runDemo({ deadlineMs: 1, requests: 1 });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.error).toMatch(/^the demo did not finish within 1ms \(stuck while /);
    await expectAllGone(outcome.pids);
  }, 60_000);

  test('an unreachable --otlp-endpoint exits 2 (could not do what was asked), warning before the verdict', async () => {
    // GIVEN a port nothing listens on (bound, then closed)
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    // WHEN the demo runs with it (the CLI in process: same main() as the bin)
    const run = await runCliInProcess(['demo', '--requests', '1', '--otlp-endpoint', `http://127.0.0.1:${port}`]);
    // THEN the traces pass but the run is "could not check", and the last lines say why, warning first
    expect(run.code).toBe(2);
    const tail = run.stdout.trimEnd().split('\n').slice(-2);
    expect(tail[0]).toMatch(new RegExp(`^warning: could not send spans to Jaeger at http://127\\.0\\.0\\.1:${port}/v1/traces: `));
    expect(tail[1]).toMatch(/^demo: COULD NOT EXPORT \(the traces passed, but the spans did not reach --otlp-endpoint\) in /);
    expect(run.stdout).not.toContain('try next');
  }, 90_000);

  test('the overall deadline stops everything and names the phase it was stuck in', async () => {
    // GIVEN a deadline shorter than the hops' start-up WHEN the demo runs
    const outcome = await runDemo({ deadlineMs: 300, requests: 1 });
    // THEN it ends with exit 2 and no process survives
    expect(outcome.exitCode).toBe(2);
    expect(outcome.error).toBe('the demo did not finish within 300ms (stuck while starting the relay hops)');
    expect(outcome.leftRunning).toEqual([]);
    await expectAllGone(outcome.pids);
  }, 60_000);
});
