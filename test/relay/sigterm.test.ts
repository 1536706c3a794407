/**
 * SIGTERM under load loses no span: the relay runs as a real child process (`node bin/meshtrace.mjs
 * relay`), load keeps coming while it receives SIGTERM, and every request that got a response has its
 * server span in the OTLP receiver. The process exits 0.
 */
import { waitUntil } from '../support/wait-until';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { Pool, request } from 'undici';
import { REPO_ROOT } from '../../src/paths';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/verify/sources/otlp-receiver';
import { startEchoUpstream, type TestUpstream } from './helpers/upstreams';

/** Starts the CLI relay and resolves with its URL once it printed its listening line. */
function spawnRelay(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'meshtrace.mjs'), 'relay', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`relay did not start in 45 s; stderr: ${stderr}`)), 45_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /relay \S+ listening on (http:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], stderr: () => stderr });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited ${code} before listening; stderr: ${stderr}`));
    });
  });
}

describe('relay SIGTERM (child process)', () => {
  let receiver: OtlpReceiver;
  let upstream: TestUpstream;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    // The kit's own OTLP receiver (the verifier's): the relay exports protobuf, its default.
    receiver = await startOtlpReceiver({ port: 0 });
    // A little upstream latency keeps requests in flight when the signal lands.
    upstream = await startEchoUpstream({ delayMs: 20 });
  });
  let hanging: NetServer | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await new Promise<void>((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
    hanging = undefined;
    await upstream.close();
    await receiver.close();
  });

  test('drains in-flight requests, flushes every span, exits 0', async () => {
    // GIVEN a relay child process with a long flush interval (so spans are still queued at SIGTERM)
    const started = await spawnRelay([
      '--listen',
      '127.0.0.1:0',
      '--service-name',
      'edge',
      '--upstream',
      upstream.url,
      '--otlp-endpoint',
      receiver.url,
      '--span-flush-interval',
      '60000',
    ]);
    child = started.child;
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    // WHEN 32 clients send requests continuously and SIGTERM arrives 1 s in
    const client = new Pool(started.url, { connections: 32 });
    const answered: string[] = [];
    const errorsBeforeSignal: string[] = [];
    let signalled = false;
    let stop = false;
    let n = 0;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const traceId = `b${(n++).toString(16).padStart(31, '0')}`;
        try {
          const res = await client.request({ path: '/', method: 'GET', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
          await res.body.dump();
          answered.push(traceId);
        } catch (err) {
          // after SIGTERM: connection refused / closed once the relay stopped accepting, the load is over
          if (signalled) stop = true;
          else errorsBeforeSignal.push(String((err as { code?: string }).code ?? err));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 32 }, worker));
    // the load has really been running: wait for answers, not for a fixed time
    await waitUntil('more than 20 answered requests under load', () => answered.length > 20, 60_000);
    const before = answered.length;
    signalled = true;
    child.kill('SIGTERM');
    const code = await exited;
    stop = true;
    await load;
    await client.close();
    // THEN the process exited 0 after the load had really been running
    expect(code).toBe(0);
    expect(errorsBeforeSignal).toEqual([]);
    expect(before).toBeGreaterThan(20);
    // AND every answered request has exactly one server span at the receiver: nothing lost
    const servers = receiver
      .traces()
      .flatMap((t) => t.spans)
      .filter((s) => s.kind === 'server' && s.service === 'edge');
    expect(servers.map((s) => s.traceId).sort()).toEqual([...answered].sort());
    expect(started.stderr()).toMatch(/SIGTERM: draining/);
    expect(started.stderr()).toMatch(/spans: \d+ exported, 0 dropped, 0 failed, 0 unsent/);
  }, 120_000);

  test('a collector that never answers cannot hold the exit: the process ends soon after --shutdown-timeout, reporting what was unsent', async () => {
    // GIVEN a "collector" that accepts connections and never answers
    hanging = createNetServer((socket) => {
      socket.on('error', () => {});
      socket.resume(); // reads and drops the export request, answers nothing (and sees the relay's FIN)
    });
    await new Promise<void>((resolve) => hanging!.listen(0, '127.0.0.1', () => resolve()));
    const started = await spawnRelay([
      '--listen',
      '127.0.0.1:0',
      '--service-name',
      'leaf',
      '--otlp-endpoint',
      `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
      '--shutdown-timeout',
      '1s',
    ]);
    child = started.child;
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const res = await request(started.url);
    await res.body.dump();
    // WHEN SIGTERM arrives
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    // THEN it exits 0 within the timeout plus the span flush's 2 s floor (before the fix: minutes)
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(6000);
    expect(started.stderr()).toMatch(/stopped \(spans: 0 exported, 0 dropped, 0 failed, 1 unsent\)/);
  }, 60_000);
});
