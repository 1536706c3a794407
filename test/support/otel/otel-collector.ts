/**
 * The real OpenTelemetry Collector (the small distribution `npm run peers` builds, found like every
 * peer by `peerPath`) as a child process on loopback: OTLP/HTTP in on a free port, `otlp_http` out to
 * a given traces URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, peerPath } from '../peers';

export interface RunningCollector {
  /** OTLP/HTTP base URL (`/v1/traces` is appended by clients). */
  readonly url: string;
  /** Stops the process (SIGTERM; the Collector flushes its exporters first). */
  close(): Promise<void>;
}

export interface CollectorOptions {
  /** Where the `otlp_http` exporter sends traces. */
  readonly tracesUrl: string;
  readonly encoding: 'proto' | 'json';
  readonly compression: 'gzip' | 'none';
}

export async function startCollector(o: CollectorOptions): Promise<RunningCollector> {
  const bin = peerPath('otelcol');
  const [port] = await freePorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'meshtrace-otelcol-'));
  const config = join(dir, 'config.yaml');
  // Own telemetry off: its default metrics port (8888) would collide between parallel runs.
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${port}`,
      'exporters:',
      '  otlp_http:',
      `    traces_endpoint: ${o.tracesUrl}`,
      `    encoding: ${o.encoding}`,
      `    compression: ${o.compression}`,
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    traces:',
      '      receivers: [otlp]',
      '      exporters: [otlp_http]',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(bin, [`--config=file:${config}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`otelcol did not get ready in 30 s:\n${log.slice(-2000)}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes('Everything is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once(
      'exit',
      (code) => (clearTimeout(timer), reject(new Error(`otelcol exited with ${code} before it was ready:\n${log.slice(-2000)}`))),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
