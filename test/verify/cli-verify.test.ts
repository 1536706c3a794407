import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { REPO_ROOT } from '../../src/paths';
import { closedPort, startFakeJaeger } from './helpers/fake-jaeger';
import { runCliInProcess } from '../support/run-cli';

/** Runs the real CLI (`node bin/meshtrace.mjs verify …`) and resolves with its exit code and output. */
function cli(args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'meshtrace.mjs'), 'verify', ...args],
      { cwd: REPO_ROOT, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

// Each CLI run starts Node + tsx; on a loaded 2-core machine that alone can take 10 s.
jest.setTimeout(120_000);

/** The same program in this process: for flag and input errors, where start-up time buys nothing. */
const inProcess = (args: string[]) => runCliInProcess(['verify', ...args]);

const SPEC = join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml');
const FIX = join(REPO_ROOT, 'test', 'fixtures', 'verify');

describe('meshtrace verify (real CLI)', () => {
  test('exit 0 on a correct trace file, quiet: one verdict line per trace', async () => {
    const r = await cli(['--spec', SPEC, '--trace-file', join(FIX, 'bookinfo-v3.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ bookinfo: PASS/);
    expect(r.stdout).toContain('✓ trace 4bf92f3577b34da6a3ce929d0e0e4736: 9 spans, 5 services, 120ms; 20/20 assertions hold');
    expect(r.stdout).not.toContain('Diagnosis');
  });

  test('exit 1 on a split trace, with the tree, the failed assertions and the diagnosis; JUnit written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
    const junit = join(dir, 'out.xml');
    const r = await cli(['--spec', SPEC, '--trace-file', join(FIX, 'bookinfo-split-v3.json'), '--junit', junit]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ bookinfo: FAIL');
    expect(r.stdout).toContain('└── productpage.default  reviews.default.svc.cluster.local:9080/* (80ms) client ◀ BOTTLENECK');
    expect(r.stdout).toContain('[split-trace] productpage.default → reviews.default lost context; check header propagation');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="meshtrace verify bookinfo" tests="\d+" failures="4"/);
    expect(xml).toContain('<failure message="no reviews span" type="edge">');
    expect(xml).toContain('[split-trace] productpage.default → reviews.default lost context');
  });

  test('--json prints one JSON document with assertions and diagnoses', async () => {
    const r = await cli(['--spec', SPEC, '--trace-file', join(FIX, 'bookinfo-split-v3.json'), '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { passed: boolean; diagnoses: { kind: string; hop: unknown }[]; traces: unknown[] };
    expect(doc.passed).toBe(false);
    expect(doc.diagnoses.map((d) => d.kind)).toEqual(['split-trace']);
    expect(doc.diagnoses[0]!.hop).toEqual({ from: 'productpage.default', to: 'reviews.default' });
    expect(doc.traces).toHaveLength(1);
  });

  // Flag and input errors run the same program in-process (no Node + tsx start-up per case).
  test.each([
    ['a missing trace file', ['--trace-file', '/nonexistent/t.json'], /cannot read trace file \/nonexistent\/t\.json: ENOENT/],
    ['no trace source', [], /give exactly one trace source/],
    ['two trace sources', ['--trace-file', 'a', '--otlp-listen', '127.0.0.1:0'], /give exactly one trace source: .*\(got 2\)/],
    [
      '--jaeger-url and --zipkin-url together',
      ['--jaeger-url', 'http://127.0.0.1:1', '--zipkin-url', 'http://127.0.0.1:1'],
      /give exactly one trace source: --jaeger-url URL, --zipkin-url URL, --trace-file FILE or --otlp-listen HOST:PORT \(got 2\)/,
    ],
    [
      'a --zipkin-url that is not a URL',
      ['--zipkin-url', '127.0.0.1:9411'],
      /--zipkin-url: invalid value "127.0.0.1:9411"; expected http\(s\):\/\/host:9411\[\/base-path\]/,
    ],
    ['a bad --timeout', ['--trace-file', 'x', '--timeout', 'soon'], /--timeout: invalid duration "soon"/],
    ['a bad --otlp-listen', ['--otlp-listen', 'localhost'], /--otlp-listen: invalid value "localhost"; expected HOST:PORT/],
    [
      'a bad --otlp-max-body size',
      ['--otlp-listen', '127.0.0.1:0', '--otlp-max-body', '20 furlongs'],
      /--otlp-max-body: invalid size "20 furlongs"; use a number with a unit: 512KiB, 20MiB, 1GiB/,
    ],
    [
      'a bad --otlp-body-timeout',
      ['--otlp-listen', '127.0.0.1:0', '--otlp-body-timeout', '10 furlongs'],
      /--otlp-body-timeout: invalid duration "10 furlongs"; use a number with a unit: 500ms, 30s, 2m, 1h/,
    ],
    [
      '--otlp-max-spans 0',
      ['--otlp-listen', '127.0.0.1:0', '--otlp-max-spans', '0'],
      /--otlp-max-spans: invalid value "0"; expected a whole number ≥ 1/,
    ],
    [
      '--otlp-max-inflight below twice the body limit',
      ['--otlp-listen', '127.0.0.1:0', '--otlp-max-body', '8MiB', '--otlp-max-inflight', '10MiB'],
      /--otlp-max-inflight 10MiB: must be at least twice the body limit \(16 MiB\)/,
    ],
    [
      'an unknown --propagation format',
      ['--otlp-listen', '127.0.0.1:0', '--trigger', 'http://127.0.0.1:1/', '--propagation', 'w3c,zipkin'],
      /--propagate: unknown format "zipkin"; allowed: w3c, b3, b3multi, jaeger, envoy/,
    ],
  ])('exit 2 (could not check) on %s, saying what is wrong', async (_what, args, message) => {
    const r = await inProcess(['--spec', SPEC, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('exit 2 on a bad spec, naming the file and the path inside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
    writeFileSync(join(dir, 'bad.yaml'), 'name: x\nspans:\n  a: { kind: sever }\n');
    const r = await inProcess(['--spec', join(dir, 'bad.yaml'), '--trace-file', join(FIX, 'bookinfo-v3.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'bad.yaml')} is not a valid spec:`);
    expect(r.stderr).toContain('spans.a.kind: "sever" is not allowed; allowed: "server", "client"');
  });

  test('exit 2 when Jaeger is unreachable, naming the URL and what to try', async () => {
    const port = await closedPort();
    const r = await cli([
      '--spec',
      SPEC,
      '--jaeger-url',
      `http://127.0.0.1:${port}/jaeger`,
      '--trace-id',
      '4bf92f3577b34da6a3ce929d0e0e4736',
      '--timeout',
      '3s',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}/jaeger/api/v3/services: ECONNREFUSED`);
    expect(r.stderr).toContain('kubectl -n observability port-forward svc/jaeger-query 16686:16686');
  });

  test('exit 2 when Zipkin is unreachable, naming the URL and what to try', async () => {
    const port = await closedPort();
    const r = await inProcess([
      '--spec',
      SPEC,
      '--zipkin-url',
      `http://127.0.0.1:${port}`,
      '--trace-id',
      '4bf92f3577b34da6a3ce929d0e0e4736',
      '--timeout',
      '3s',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}/api/v2/services: ECONNREFUSED`);
    expect(r.stderr).toContain('--zipkin-url http://127.0.0.1:9411');
  });

  test('exit 2 at once when Zipkin answers something that is not its API v2, naming the field and the value', async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        req.url === '/api/v2/services' ? '["frontend"]' : JSON.stringify([{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', id: 'not-hex' }]),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await inProcess([
        '--spec',
        SPEC,
        '--zipkin-url',
        url,
        '--trace-id',
        '4bf92f3577b34da6a3ce929d0e0e4736',
        '--timeout',
        '20s',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `${url}/api/v2/trace/4bf92f3577b34da6a3ce929d0e0e4736: not a Zipkin API v2 answer: [0].id: "not-hex" is not a Zipkin span id; allowed: 16 hex characters`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('--jaeger-url with a base path and --trace-id: exit 0 for the good trace, 1 with the split hop found by search', async () => {
    // GIVEN a Jaeger-shaped server under /jaeger holding the recorded-shape fixtures
    const jaeger = await startFakeJaeger({ basePath: '/jaeger' });
    const broken = await startFakeJaeger({ basePath: '/jaeger' });
    try {
      const good = JSON.parse(readFileSync(join(FIX, 'bookinfo-v3.json'), 'utf8'));
      const split = JSON.parse(readFileSync(join(FIX, 'bookinfo-split-v3.json'), 'utf8')) as {
        result: { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] };
      };
      const only = (traceId: string) => ({
        result: {
          resourceSpans: split.result.resourceSpans
            .map((rs) => ({
              ...rs,
              scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.filter((sp) => sp.traceId === traceId) })),
            }))
            .filter((rs) => rs.scopeSpans.some((ss) => ss.spans.length)),
        },
      });
      jaeger.put('4bf92f3577b34da6a3ce929d0e0e4736', { v3: good, services: ['productpage.default'] });
      broken.put('4bf92f3577b34da6a3ce929d0e0e4736', {
        v3: only('4bf92f3577b34da6a3ce929d0e0e4736'),
        services: ['istio-ingressgateway.istio-system', 'productpage.default', 'details.default'],
      });
      broken.put('a'.repeat(32), { v3: only('a'.repeat(32)), services: ['reviews.default'] });
      // WHEN the CLI verifies the id against each THEN the exit code and the report follow the trace
      const ok = await cli([
        '--spec',
        SPEC,
        '--jaeger-url',
        jaeger.url,
        '--trace-id',
        '4bf92f3577b34da6a3ce929d0e0e4736',
        '--timeout',
        '10s',
      ]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`20/20 assertions hold · ${jaeger.url}/trace/4bf92f3577b34da6a3ce929d0e0e4736`);
      const bad = await cli([
        '--spec',
        SPEC,
        '--jaeger-url',
        broken.url,
        '--trace-id',
        '4bf92f3577b34da6a3ce929d0e0e4736',
        '--timeout',
        '10s',
        '--poll-interval',
        '100ms',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('[split-trace] productpage.default → reviews.default lost context; check header propagation');
      expect(bad.stdout).toMatch(/stopped: span count stable/);
    } finally {
      await jaeger.close();
      await broken.close();
    }
  });

  describe('--otlp-listen with --trigger: drive, receive, verify end to end', () => {
    let app: Server;
    let otlpPort: number;
    let appUrl: string;
    let mode: 'ok' | 'split' = 'ok';

    beforeAll(async () => {
      otlpPort = await closedPort();
      // A two-service "application": it joins the incoming traceparent and exports its spans over OTLP/JSON.
      app = createServer((req, res) => {
        const tp = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[13]$/.exec(String(req.headers.traceparent ?? ''));
        const now = BigInt(Date.now()) * 1_000_000n;
        const traceId = tp ? tp[1]! : 'ffffffffffffffffffffffffffffffff';
        const span = (service: string, spanId: string, parent: string | undefined, kind: number, tid = traceId) => ({
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: tid,
                  spanId,
                  ...(parent ? { parentSpanId: parent } : {}),
                  name: 'GET',
                  kind,
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 2_000_000n),
                },
              ],
            },
          ],
        });
        const resourceSpans = [
          span('relay-edge', '1000000000000001', tp?.[2], 2),
          span('relay-edge', '1000000000000002', '1000000000000001', 3),
        ];
        resourceSpans.push(
          mode === 'ok'
            ? span('relay-a', '1000000000000003', '1000000000000002', 2)
            : span('relay-a', '1000000000000003', undefined, 2, 'abababababababababababababababab'),
        );
        void request(`http://127.0.0.1:${otlpPort}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ resourceSpans }),
        })
          .then((r) => r.body.dump())
          .catch(() => undefined);
        res.end('ok');
      });
      await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
      appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => app.close(() => resolve()));
    });

    const spec = () => {
      const dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
      const file = join(dir, 'chain.yaml');
      writeFileSync(
        file,
        'name: chain\nspans:\n  edge: { service: relay-edge, kind: server }\n  a: { service: relay-a, kind: server }\nedges: ["edge >> a"]\n',
      );
      return file;
    };

    test('exit 0 when the driven trace arrives complete', async () => {
      mode = 'ok';
      const r = await cli([
        '--spec',
        spec(),
        '--otlp-listen',
        `127.0.0.1:${otlpPort}`,
        '--trigger',
        appUrl,
        '--requests',
        '2',
        '--timeout',
        '10s',
        '--poll-interval',
        '200ms',
      ]);
      expect(r.stderr).toContain(`OTLP/HTTP receiver on http://127.0.0.1:${otlpPort}/v1/traces`);
      expect(r.stdout).toMatch(/^✓ chain: PASS/);
      expect(r.code).toBe(0);
      expect(r.stdout.match(/✓ trace [0-9a-f]{32}: 3 spans, 2 services/g)).toHaveLength(2);
    });

    test('exit 1 with the split hop named when relay-a starts its own trace', async () => {
      mode = 'split';
      const r = await cli([
        '--spec',
        spec(),
        '--otlp-listen',
        `127.0.0.1:${otlpPort}`,
        '--trigger',
        appUrl,
        '--timeout',
        '10s',
        '--poll-interval',
        '200ms',
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('[split-trace] relay-edge → relay-a lost context; check header propagation');
      expect(r.stdout).toMatch(/\d+ poll\(s\) of OTLP receiver .* stopped: span count stable; 3 span\(s\) seen/);
    });

    test('exit 2 when the trigger cannot be reached, naming it', async () => {
      const port = await closedPort();
      const r = await cli(['--spec', spec(), '--otlp-listen', '127.0.0.1:0', '--trigger', `http://127.0.0.1:${port}/`, '--timeout', '5s']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--trigger http://127.0.0.1:${port}/: every request failed (ECONNREFUSED`);
    });
  });
});
