/**
 * The one flag vocabulary (issue 16) and honest CLI messages (issue 19), through the real `main()`:
 * every command takes the same names with the same value syntax, old spellings still work with a
 * one-line notice, a parser error is one line and a pointer, `--version` and `--no-color` are global.
 */
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { REPO_ROOT } from '../../src/paths';
import { buildProgram } from '../../src/cli/index';
import { durationFlagMs, formatNamesFlag, secondsFlag, useColor } from '../../src/cli/flags';
import { laneOptionsFrom, type LaneCliOptions } from '../../src/cluster/lane-options';
import { parseDurationMs } from '../../src/relay/options';
import { buildTopology, relayArgs } from '../../src/demo/topology';
import { runCliInProcess } from '../support/run-cli';

const SPEC = 'samples/expectations/bookinfo.yaml';
const TRACE = 'test/fixtures/verify/bookinfo-v3.json';

/** The lines meshtrace wrote (Node's own ExperimentalWarning under jest's VM modules is not ours). */
const ours = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((l) => !/^\(node:\d+\)|^\(Use `node/.test(l))
    .join('\n');

/** stderr written while `fn` runs. */
function stderrOf(fn: () => void): string {
  let text = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((text += String(chunk)), true));
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return text;
}

describe('parser errors and global flags', () => {
  test('an unknown flag prints the one wrong thing and a pointer to --help, not the help page', async () => {
    const run = await runCliInProcess(['verify', '--spec', SPEC, '--bogus']);
    expect(run.code).toBe(2);
    expect(ours(run.stderr)).toBe("meshtrace: error: unknown option '--bogus'\n(see meshtrace verify --help)\n");
    expect(run.stdout).toBe('');
  });

  test('a missing option value is one line too, naming the command', async () => {
    const run = await runCliInProcess(['demo', '--timeout']);
    expect(run.code).toBe(2);
    expect(ours(run.stderr)).toBe("meshtrace: error: option '--timeout <duration>' argument missing\n(see meshtrace demo --help)\n");
  });

  test('--version and -V print the package version', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const run = await runCliInProcess([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  test("--no-color is the program's and reaches every command; NO_COLOR turns colour off too", () => {
    const tty = { isTTY: true };
    const saved = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      const program = buildProgram();
      const seen: boolean[] = [];
      for (const name of ['verify', 'demo', 'check', 'synth']) {
        const cmd = program.commands.find((c) => c.name() === name)!;
        cmd.action((...args: unknown[]) => void seen.push(useColor(args.at(-1) as Command, tty)));
      }
      program.parse(['node', 'meshtrace', 'check', '--no-color'], { from: 'node' });
      expect(seen).toEqual([false]);
      const plain = buildProgram();
      plain.commands
        .find((c) => c.name() === 'check')!
        .action((...args: unknown[]) => void seen.push(useColor(args.at(-1) as Command, tty)));
      plain.parse(['node', 'meshtrace', 'check'], { from: 'node' });
      expect(seen).toEqual([false, true]);
      process.env.NO_COLOR = '1';
      expect(useColor(plain, tty)).toBe(false);
      // not a terminal: never colour
      delete process.env.NO_COLOR;
      expect(useColor(plain, { isTTY: false })).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});

describe('one propagation vocabulary', () => {
  test('verify --propagate takes the names; --propagation still works with a one-line notice', async () => {
    const now = await runCliInProcess(['verify', '--spec', SPEC, '--trace-file', TRACE, '--propagate', 'b3']);
    expect(now.code).toBe(0);
    expect(ours(now.stderr)).toBe('');
    const old = await runCliInProcess(['verify', '--spec', SPEC, '--trace-file', TRACE, '--propagation', 'b3multi']);
    expect(old.code).toBe(0);
    expect(ours(old.stderr)).toBe('meshtrace: --propagation is deprecated; use --propagate\n');
    // the old flag does what it did: a bad value is still refused, under the new name
    const bad = await runCliInProcess(['verify', '--spec', SPEC, '--trace-file', TRACE, '--propagation', 'zipkin']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('meshtrace: --propagate: unknown format "zipkin"; allowed: w3c, b3, b3multi, jaeger, envoy\n');
  });

  test('b3single is the deprecated alias of b3 everywhere (verify, relay, demo)', () => {
    expect(stderrOf(() => expect(formatNamesFlag('--propagate', 'w3c,b3single', ['w3c', 'b3'])).toEqual(['w3c', 'b3']))).toBe(
      'meshtrace: format name b3single is deprecated; use b3\n',
    );
    expect(() => formatNamesFlag('--propagate', 'baggage', ['w3c', 'b3'])).toThrow(
      '--propagate: unknown format "baggage" (baggage is a format, but not one --propagate takes); allowed: w3c, b3',
    );
    // the demo's hops get the canonical name, so no hop prints a notice
    const topology = buildTopology({ propagate: ['reviews:b3single', 'details:b3,baggage'] });
    const args = (hop: 'reviews' | 'details') =>
      relayArgs(topology.hops[hop], { upstreamUrls: { ratings: 'http://127.0.0.1:1' }, otlpEndpoint: 'http://127.0.0.1:2' });
    expect(args('reviews')).toEqual(expect.arrayContaining(['--propagate', 'b3']));
    expect(args('details')).toEqual(expect.arrayContaining(['--propagate', 'b3,baggage']));
  });

  test('relay --propagate b3 writes the single header; b3single still does, with the notice', async () => {
    const { relayOptionsFromFlags } = await import('../../src/cli/relay');
    const flags = {
      listen: '127.0.0.1:0',
      serviceName: 'r',
      otlpProtocol: 'http/protobuf' as const,
      connectTimeout: '5s',
      responseTimeout: '15s',
      maxHeaderSize: '61440',
      sampleRate: '1',
      upstreamConnections: '64',
      shutdownTimeout: '20s',
      spanQueueSize: '16384',
      spanFlushInterval: '1s',
    };
    expect(stderrOf(() => expect(relayOptionsFromFlags({ ...flags, propagate: ['w3c,b3'] }).propagate).toEqual(['w3c', 'b3single']))).toBe(
      '',
    );
    expect(stderrOf(() => expect(relayOptionsFromFlags({ ...flags, accept: ['b3single'] }).accept).toEqual(['b3single']))).toBe(
      'meshtrace: format name b3single is deprecated; use b3\n',
    );
  });
});

describe('one duration syntax', () => {
  test("every duration flag goes through the verifier's parser: 1h, 1.5m, 250ms, a bare number of ms", () => {
    expect(durationFlagMs('--timeout', '1h')).toBe(3_600_000);
    expect(parseDurationMs('--connect-timeout', '1.5m')).toBe(90_000);
    expect(parseDurationMs('--connect-timeout', '250')).toBe(250);
    expect(() => durationFlagMs('--timeout', 'soon')).toThrow(
      '--timeout: invalid duration "soon"; use a number with a unit: 500ms, 30s, 2m, 1h (a bare number means milliseconds)',
    );
    expect(() => durationFlagMs('--timeout', '0s')).toThrow(/invalid duration "0s"/);
  });

  test('up/smoke --wait-timeout and --verify-timeout take durations; bare seconds still work, with a notice', () => {
    const lane: LaneCliOptions = {
      profile: 'lab',
      name: 'meshtrace',
      outdir: 'dist',
      stateDir: '.meshtrace',
      istioInstaller: 'auto',
      istioRequests: 'demo',
    };
    expect(stderrOf(() => expect(laneOptionsFrom({ ...lane, waitTimeout: '10m' }).waitTimeoutSeconds).toBe(600))).toBe('');
    expect(stderrOf(() => expect(laneOptionsFrom({ ...lane, waitTimeout: '600' }).waitTimeoutSeconds).toBe(600))).toBe(
      'meshtrace: --wait-timeout with bare seconds (600) is deprecated; use --wait-timeout 600s\n',
    );
    expect(secondsFlag('--verify-timeout', '2.5m')).toBe(150);
    expect(secondsFlag('--verify-timeout', '1500ms')).toBe(2);
  });

  test('up and smoke take -c/-p/-o like synth', () => {
    const program = buildProgram();
    for (const name of ['synth', 'up', 'smoke']) {
      const shorts = program.commands
        .find((c) => c.name() === name)!
        .options.map((o) => o.short)
        .filter(Boolean);
      expect(shorts).toEqual(expect.arrayContaining(['-c', '-p', '-o']));
    }
  });
});

describe('honest durations in messages', () => {
  test('verify\'s poll line names a short run in ms or µs, not "0.0s"', async () => {
    const run = await runCliInProcess(['verify', '--spec', SPEC, '--trace-file', TRACE, '--verbose']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\n1 poll\(s\) of file test\/fixtures\/verify\/bookinfo-v3\.json in \d+(\.\d+)?(µs|ms), stopped: /);
  });
});

describe('demo messages', () => {
  test('a refused flag prints the one wrong thing: no banner, no "COULD NOT RUN in 0.0 s … 0 processes"', async () => {
    for (const [args, message] of [
      [['--break', 'review'], 'meshtrace: --break "review": unknown hop "review"; hops are edge, productpage, details, reviews, ratings\n'],
      [['--otlp-endpoint', 'jaeger:4318'], 'meshtrace: --otlp-endpoint "jaeger:4318": expected an http:// or https:// URL\n'],
      [
        ['--timeout', 'soon'],
        'meshtrace: --timeout: invalid duration "soon"; use a number with a unit: 500ms, 30s, 2m, 1h (a bare number means milliseconds)\n',
      ],
    ] as const) {
      const run = await runCliInProcess(['demo', ...args]);
      expect(run.code).toBe(2);
      expect(ours(run.stderr)).toBe(message);
      expect(run.stdout).toBe('');
    }
  });

  test('demo --jaeger-url is the deprecated name of --otlp-endpoint and means what it did', async () => {
    const run = await runCliInProcess(['demo', '--jaeger-url', 'jaeger:4318']);
    expect(run.code).toBe(2);
    expect(ours(run.stderr)).toBe(
      'meshtrace: --jaeger-url is deprecated; use --otlp-endpoint\nmeshtrace: --otlp-endpoint "jaeger:4318": expected an http:// or https:// URL\n',
    );
  });
});
