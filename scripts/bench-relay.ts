/**
 * `npm run bench:relay` — the relay against nginx and against no hop at all, in one run.
 *
 * Needs Debian's nginx and wrk (`apt-get install -y nginx wrk`); the test suite never does.
 * The relay runs as it does in Kubernetes: the esbuild bundle through its loader (no tsx in the process),
 * so with the V8 setting its command applies at start-up (`src/relay/process-tuning.ts`).
 * Placement (2-core machine): wrk, the upstream nginx and the OTLP sink share CPU 0; the hop under test
 * (nginx proxy or relay) runs alone on CPU 1 (`taskset`). Every request carries a sampled W3C
 * `traceparent`, so the relay parses and rewrites it (and, with export on, records and exports two
 * spans per request: server + client).
 *
 * Measures, per path: saturation req/s (`wrk -t1 -c50`, median of rounds) and low-load latency
 * (`wrk -t1 -c1 --latency`: p50/p90/p99); added latency per hop = path − direct, ratios against nginx.
 * Low load is measured twice per round: with the hop on its own core (as above) and with the hop moved
 * to wrk's core (`taskset -a -p`). At c=1 nothing runs in parallel, so the second placement costs the
 * hop nothing — and it leaves out the cross-CPU wake-ups, which on this VM (Firecracker, halt-polling
 * off) cost every hop, nginx included, ~0.1 ms each and swamp what the hop itself adds.
 * All hops are started together and every round measures every path, so load from other processes on
 * a shared machine spreads over all paths.
 * Knobs: BENCH_SECONDS (saturation run length, default 8), BENCH_ROUNDS (default 3),
 * BENCH_LOW_SECONDS (default 5), BENCH_WARMUP_SECONDS (default 5).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { relayBundle } from '../src/stack/relay-bundle';
import { REPO_ROOT } from '../src/paths';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOW_SECONDS = Number(process.env.BENCH_LOW_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
/**
 * Opt-in: run wrk, the upstream and the hops at this nice level (negative needs root). On a machine
 * shared with other work it keeps the scheduler from dominating the c=1 latencies; it also takes CPU
 * from everything else for the length of the run, hence off by default.
 */
const NICE = Number(process.env.BENCH_NICE ?? 0);
const niced = (command: string, args: string[]): [string, string[]] =>
  NICE ? ['nice', ['-n', String(NICE), command, ...args]] : [command, args];
const TRACEPARENT = 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function need(binary: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
  } catch {
    process.stderr.write(`bench:relay needs ${binary}: apt-get install -y nginx wrk\n`);
    process.exit(2);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const children: ChildProcess[] = [];
function start(cpu: number, command: string, args: string[]): ChildProcess {
  const [cmd, cmdArgs] = niced('taskset', ['-c', String(cpu), command, ...args]);
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.once('exit', (code, signal) => {
    if (code && code !== 0 && signal === null) process.stderr.write(`${command} exited ${code}: ${err}\n`);
  });
  children.push(child);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 25_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function nginxConf(dir: string, name: string, port: number, location: string, extraHttp = ''): string {
  const file = join(dir, `${name}.conf`);
  const tmp = join(dir, `${name}-tmp`);
  mkdirSync(tmp, { recursive: true });
  chmodSync(tmp, 0o777);
  writeFileSync(
    file,
    `worker_processes 1;
daemon off;
pid ${dir}/${name}.pid;
error_log ${dir}/${name}-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fcgi; uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  keepalive_requests 1000000;
  ${extraHttp}
  server {
    listen 127.0.0.1:${port};
    ${location}
  }
}
`,
  );
  return file;
}

interface WrkResult {
  rps: number;
  /** requests completed in the run */
  requests: number;
  /** CPU seconds the hop's processes used during the run (utime + stime from /proc) */
  hopCpuSeconds?: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function wrk(port: number, connections: number, seconds: number): WrkResult {
  const [cmd, cmdArgs] = niced('taskset', [
    '-c',
    '0',
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-H',
    TRACEPARENT,
    `http://127.0.0.1:${port}/`,
  ]);
  const out = execFileSync(cmd, cmdArgs, { encoding: 'utf8' });
  const pct = (p: string): number => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    p50: pct('50'),
    p90: pct('90'),
    p99: pct('99'),
    errors: (errors ? Number(errors[1]) : 0) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The pid and its direct children (nginx master + worker). */
function processTree(pid: number): number[] {
  const out = execFileSync('sh', ['-c', `ps -o pid= --ppid ${pid} || true`], { encoding: 'utf8' });
  return [pid, ...out.split(/\s+/).filter(Boolean).map(Number)];
}

/** utime + stime of the processes, in seconds. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of stat)
    } catch {
      // process gone
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** wrk against `port`, with the CPU the hop's processes used during the run. */
function measure(port: number, connections: number, seconds: number, hopPids: number[]): WrkResult {
  const before = hopPids.length ? cpuSeconds(hopPids) : 0;
  const result = wrk(port, connections, seconds);
  if (hopPids.length) result.hopCpuSeconds = cpuSeconds(hopPids) - before;
  return result;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Moves every thread of the processes to `cpu`. */
function pin(pids: number[], cpu: number): void {
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  need('nginx');
  need('wrk');
  need('taskset');
  // The bench process hosts the OTLP sink: keep it on CPU 0 with wrk and the upstream.
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'bench-relay-'));
  chmodSync(dir, 0o755);
  const machine = {
    nproc: cpus().length,
    cpu: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown',
    node: process.version,
    nginx: execFileSync('sh', ['-c', 'nginx -v 2>&1'], { encoding: 'utf8' }).trim(),
    wrk: execFileSync('sh', ['-c', 'wrk -v 2>&1 | head -1'], { encoding: 'utf8' }).trim(),
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  process.stdout.write(
    `machine: nproc=${machine.nproc}; CPU ${machine.cpu}; node ${machine.node}; ${machine.wrk}; load average at start ${machine.loadavg}\n`,
  );

  // OTLP sink: accepts every export (counts spans roughly by bytes; the relay's own counters are exact).
  let exportRequests = 0;
  const sink = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exportRequests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.address() as AddressInfo).port;

  // The production artifact: the bundle and loader of the RelayChain ConfigMap, unpacked here.
  const bundle = relayBundle();
  writeFileSync(join(dir, 'relay.cjs.gz'), bundle.gzipped);
  writeFileSync(join(dir, 'loader.cjs'), bundle.loader);

  const upstreamPort = await freePort();
  const upstream = start(0, 'nginx', [
    '-c',
    nginxConf(dir, 'upstream', upstreamPort, 'location / { return 200 "hello world\\n"; }'),
    '-p',
    dir,
  ]);
  await waitForPort(upstreamPort);

  type Path = { name: string; short: string; port: number; launch?: () => ChildProcess };
  const nginxPort = await freePort();
  const relayPort = await freePort();
  const rawPort = await freePort();
  // Baseline for "the platform": the fastest plain Node proxy measured in the notes (undici Pool.stream,
  // 64 connections), no context handling, no spans. relay / raw isolates the relay's own work.
  const rawProxy = join(dir, 'raw-undici-proxy.mjs');
  writeFileSync(
    rawProxy,
    `import { createServer } from 'node:http';
import { Pool } from ${JSON.stringify(join(REPO_ROOT, 'node_modules', 'undici', 'index.js'))};
const pool = new Pool('http://127.0.0.1:${upstreamPort}', { connections: 64, pipelining: 1 });
createServer((req, res) => {
  pool.stream({ path: req.url, method: req.method, headers: req.headers, opaque: res },
    ({ statusCode, headers, opaque }) => { opaque.writeHead(statusCode, headers); return opaque; },
    (err) => { if (err && !res.headersSent) { res.statusCode = 502; res.end(); } });
}).listen(${rawPort}, '127.0.0.1');
`,
  );
  const relaySpansPort = await freePort();
  const relayArgs = (port: number, extra: string[]): string[] => [
    join(dir, 'loader.cjs'),
    'relay',
    '--listen',
    `127.0.0.1:${port}`,
    '--upstream',
    `http://127.0.0.1:${upstreamPort}`,
    '--service-name',
    'bench',
    ...extra,
  ];
  const paths: Path[] = [
    { name: 'direct (no hop)', short: 'direct', port: upstreamPort },
    {
      name: 'nginx proxy (1 worker, upstream keepalive 64)',
      short: 'nginx',
      port: nginxPort,
      launch: () =>
        start(1, 'nginx', [
          '-c',
          nginxConf(
            dir,
            'proxy',
            nginxPort,
            'location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }',
            `upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 64; }`,
          ),
          '-p',
          dir,
        ]),
    },
    {
      name: 'raw Node proxy (undici Pool.stream, no context, no spans)',
      short: 'raw-node',
      port: rawPort,
      launch: () => start(1, process.execPath, [rawProxy]),
    },
    {
      name: 'relay, W3C rewrite, no span export',
      short: 'relay',
      port: relayPort,
      launch: () => start(1, process.execPath, relayArgs(relayPort, [])),
    },
    {
      name: 'relay, W3C rewrite + span export (OTLP protobuf)',
      short: 'relay+spans',
      port: relaySpansPort,
      launch: () => start(1, process.execPath, relayArgs(relaySpansPort, ['--otlp-endpoint', `http://127.0.0.1:${sinkPort}`])),
    },
  ];

  // All hops run at once (idle ones cost nothing) and rounds interleave the paths, so background
  // load on a shared machine hits every path alike and the ratios stay fair.
  const hops = paths.map((p) => p.launch?.());
  const launched = hops.filter((c): c is ChildProcess => c !== undefined);
  const results = paths.map((p) => ({ name: p.name, sat: [] as WrkResult[], low: [] as WrkResult[], lowSame: [] as WrkResult[] }));
  try {
    const hopPids: number[][] = [];
    for (const [i, path] of paths.entries()) {
      await waitForPort(path.port);
      hopPids.push(hops[i]?.pid ? processTree(hops[i]!.pid!) : []);
      wrk(path.port, 50, WARMUP_SECONDS); // warm-up: JIT tiers and keep-alive pools (short warm-ups measured up to 4× slower)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, path] of paths.entries()) results[i].sat.push(measure(path.port, 50, SECONDS, hopPids[i]));
      for (const [i, path] of paths.entries()) results[i].low.push(measure(path.port, 1, LOW_SECONDS, hopPids[i]));
      for (const [i, path] of paths.entries()) {
        pin(hopPids[i], 0);
        results[i].lowSame.push(measure(path.port, 1, LOW_SECONDS, hopPids[i]));
        pin(hopPids[i], 1);
      }
      process.stdout.write(
        `round ${round + 1}: ${results.map((r, i) => `${paths[i].short} ${r.sat[round].rps.toFixed(0)} req/s${r.sat[round].hopCpuSeconds ? ` (${(r.sat[round].requests / r.sat[round].hopCpuSeconds!).toFixed(0)}/CPU-s)` : ''}, c=1 p50 ${r.low[round].p50.toFixed(3)} ms (same core ${r.lowSame[round].p50.toFixed(3)})`).join('; ')}\n`,
      );
    }
  } finally {
    for (const child of launched) await stop(child);
    await stop(upstream);
  }
  await new Promise<void>((r) => sink.close(() => r()));
  rmSync(dir, { recursive: true, force: true });

  const direct = results[0];
  const nginx = results[1];
  const low = (r: (typeof results)[number], k: 'p50' | 'p90' | 'p99'): number => median(r.low.map((l) => l[k]));
  const lowSame = (r: (typeof results)[number], k: 'p50' | 'p90' | 'p99'): number => median(r.lowSame.map((l) => l[k]));
  // Requests per CPU-second of the hop at saturation: independent of how much of the core the hop got
  // on a shared machine (wall req/s is not).
  const reqPerCpu = (r: (typeof results)[number]): number => median(r.sat.map((s) => s.requests / (s.hopCpuSeconds || NaN)));
  const rows = results.map((r) => {
    const rps = median(r.sat.map((s) => s.rps));
    const added = (k: 'p50' | 'p90' | 'p99'): string =>
      r === direct ? '—' : `${low(r, k) - low(direct, k) >= 0 ? '+' : ''}${(low(r, k) - low(direct, k)).toFixed(3)}`;
    const addedSame = (k: 'p50' | 'p90' | 'p99'): string =>
      r === direct ? '—' : `${lowSame(r, k) - lowSame(direct, k) >= 0 ? '+' : ''}${(lowSame(r, k) - lowSame(direct, k)).toFixed(3)}`;
    const perCpu = r === direct ? '—' : `${reqPerCpu(r).toFixed(0)} | ${(reqPerCpu(r) / reqPerCpu(nginx)).toFixed(2)}×`;
    return `| ${r.name} | ${rps.toFixed(0)} (${Math.min(...r.sat.map((s) => s.rps)).toFixed(0)}–${Math.max(...r.sat.map((s) => s.rps)).toFixed(0)}) | ${(rps / median(nginx.sat.map((s) => s.rps))).toFixed(2)}× | ${r === direct ? '— | —' : perCpu} | ${median(r.sat.map((s) => s.p99)).toFixed(2)} | ${low(r, 'p50').toFixed(3)} / ${low(r, 'p90').toFixed(3)} / ${low(r, 'p99').toFixed(3)} | ${added('p50')} / ${added('p90')} / ${added('p99')} | ${addedSame('p50')} / ${addedSame('p90')} / ${addedSame('p99')} | ${[...r.sat, ...r.low, ...r.lowSame].reduce((a, s) => a + s.errors, 0)} |`;
  });
  process.stdout.write(
    [
      '',
      `Machine: nproc ${machine.nproc}${NICE ? ` (measured processes at nice ${NICE})` : ''}, ${machine.cpu}, Node ${machine.node}, ${machine.nginx.replace('nginx version: ', '')}, ${machine.wrk.split(' [')[0]}; load average at start ${machine.loadavg}.`,
      `Saturation: wrk -t1 -c50 -d${SECONDS}s × ${ROUNDS} rounds interleaved across paths (median, range); low load: wrk -t1 -c1 -d${LOW_SECONDS}s × ${ROUNDS} (median of each percentile), once with the hop on its own core and once on wrk's core ("same core"). OTLP export requests received by the sink: ${exportRequests}.`,
      '',
      '| path | req/s at c=50 | vs nginx | req per hop CPU-second | vs nginx | p99 at c=50 (ms) | c=1 p50 / p90 / p99 (ms) | added per hop p50 / p90 / p99 (ms) | added per hop, same core, p50 / p90 / p99 (ms) | errors |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      // Load on a shared VM drifts between rounds (nginx alone has spread 25–43 k req/s across rounds of
      // one run): the ratio of two paths measured back to back in the same round is steadier than the
      // ratio of their medians.
      ...results.slice(2).map((r) => {
        const ratios = r.sat.map((s, i) => s.rps / nginx.sat[i].rps);
        return `${r.name} / nginx, per round: ${ratios.map((x) => x.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)}×)`;
      }),
      '',
    ].join('\n'),
  );
}

process.on('SIGINT', () => {
  for (const c of children) c.kill('SIGKILL');
  process.exit(130);
});

main().catch(async (err) => {
  process.stderr.write(`bench:relay failed: ${(err as Error).stack ?? String(err)}\n`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
