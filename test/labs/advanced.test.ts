/**
 * Lab 03-advanced is checked like labs 01–02: every fenced command block is read with the labs'
 * reader (test/labs/lab-commands.ts); each `npx meshtrace` / `npm run` command must parse with the
 * real CLI definition (actions replaced, nothing runs); every config synthesizes and passes check;
 * every spec parses; every trace file exists. On top: cluster-only steps are marked, and the pasted
 * verify verdicts are what the spec really says about the shipped trace files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/index';
import { relayOptionsFromFlags } from '../../src/cli/relay';
import { resolveRelayOptions } from '../../src/relay';
import { loadConfig } from '../../src/config/load';
import { multiclusterOverrides } from '../../src/config/multicluster';
import { buildAndCheck } from '../../src/stack';
import { loadSpec, loadTraceFile, verifyTrace } from '../../src/verify';
import { REPO_ROOT } from '../../src/paths';
import { blockCommands, codeBlocks, labReadmes, meshtraceArgv, type LabCommand } from './lab-commands';

const LAB = join(REPO_ROOT, 'labs', '03-advanced');
const SCRIPTS = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const TOPICS = ['01-compliance-privacy', '02-alerting-on-traces', '03-long-term-storage', '04-multi-cluster'];

const readmes = labReadmes(LAB);
const commands: LabCommand[] = readmes.flatMap((f) => codeBlocks(f, readFileSync(f, 'utf8')).flatMap((b) => blockCommands(b, REPO_ROOT)));
const kit = commands.map((c) => ({ c, m: meshtraceArgv(c.tokens, SCRIPTS) })).filter((x) => x.m !== undefined) as {
  c: LabCommand;
  m: NonNullable<ReturnType<typeof meshtraceArgv>>;
}[];

interface Parsed {
  command: string;
  opts: Record<string, unknown>;
}
function parseMeshtrace(argv: readonly string[]): Parsed {
  const program = buildProgram();
  let parsed: Parsed | undefined;
  const quiet = (c: Command) => c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  quiet(program);
  for (const cmd of program.commands) {
    quiet(cmd);
    cmd.action((opts: Record<string, unknown>) => {
      parsed = { command: cmd.name(), opts };
    });
  }
  program.parse(['node', 'meshtrace', ...argv]);
  if (!parsed) throw new Error(`no command ran for: ${argv.join(' ')}`);
  return parsed;
}

const flagValues = (argv: readonly string[], flag: string) =>
  argv.flatMap((a, i) => (a === flag && argv[i + 1] ? [argv[i + 1]!] : a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : []));

describe('lab 03-advanced READMEs', () => {
  test('one README per topic, numbered steps, at most 20 minutes, cluster-only steps marked', () => {
    for (const topic of TOPICS) {
      const text = readFileSync(join(LAB, topic, 'README.md'), 'utf8');
      expect({ topic, steps: (text.match(/^## Step \d+/gm) ?? []).length }).toEqual({ topic, steps: expect.any(Number) });
      expect((text.match(/^## Step \d+/gm) ?? []).length).toBeGreaterThanOrEqual(4);
      const minutes = /\*\*Time:\*\* (\d+) minutes/.exec(text);
      expect({ topic, ok: minutes !== null && Number(minutes[1]) <= 20 }).toEqual({ topic, ok: true });
      // every step that talks to a cluster (kubectl, kind, helm, docker, up) says so in its heading
      for (const section of text.split(/^## /m).slice(1)) {
        const heading = section.split('\n')[0]!;
        const blocks = codeBlocks(topic, section).filter((b) => ['sh', 'bash', 'console'].includes(b.lang));
        const clusterish = blocks.some((b) => /^(\$ )?(kubectl|kind|helm|docker|npx meshtrace (up|down|smoke))\b/m.test(b.body));
        if (clusterish) expect({ topic, heading, marked: /cluster only/.test(heading) }).toEqual({ topic, heading, marked: true });
      }
    }
    expect(readmes.map((f) => relative(LAB, f)).sort()).toEqual(['README.md', ...TOPICS.map((t) => `${t}/README.md`)].sort());
  });

  test('the labs use the enterprise capabilities through the kit', () => {
    const argvs = kit.flatMap(({ m }) => ('argv' in m ? [m.argv] : []));
    expect(argvs.length).toBeGreaterThanOrEqual(15);
    const used = new Set(argvs.map((a) => a[0]));
    for (const cmd of ['synth', 'check', 'verify', 'relay', 'up']) expect(used).toContain(cmd);
    expect(argvs.some((a) => a.includes('--cluster') && a.includes('--central-collector'))).toBe(true);
  });
});

describe('every kit command in lab 03 parses with the real CLI', () => {
  test.each(kit.map(({ c, m }) => [c.where, c.text, m] as const))('%s: %s', (_where, _text, m) => {
    if ('error' in m) throw new Error(m.error);
    if (m.argv.length === 0) return void expect(SCRIPTS[m.script!]).toBeDefined();
    const parsed = parseMeshtrace(m.argv);
    if (parsed.command === 'relay') expect(() => resolveRelayOptions(relayOptionsFromFlags(parsed.opts as never))).not.toThrow();
  });

  test('negative control: a misspelt flag is refused', () => {
    expect(() => parseMeshtrace(['synth', '--central-colector', 'x:4317'])).toThrow(CommanderError);
  });
});

describe('configs, specs and trace files of lab 03', () => {
  const synths = kit.flatMap(({ m }) => ('argv' in m && m.argv[0] === 'synth' ? [m.argv] : []));
  const specs = [...new Set(kit.flatMap(({ m }) => ('argv' in m ? flagValues(m.argv, '--spec') : [])))];
  const traceFiles = [...new Set(kit.flatMap(({ m }) => ('argv' in m ? flagValues(m.argv, '--trace-file') : [])))];
  const upConfigs = [...new Set(kit.flatMap(({ m }) => ('argv' in m && m.argv[0] === 'up' ? flagValues(m.argv, '--config') : [])))];

  test.each(synths.map((a) => [a.join(' '), a] as const))(
    'synth %s: synthesizes and check finds no error (or refuses as the lab shows)',
    async (_t, argv) => {
      const config = flagValues(argv, '--config')[0];
      const profile = flagValues(argv, '--profile')[0];
      const overrides = multiclusterOverrides(flagValues(argv, '--cluster')[0], flagValues(argv, '--central-collector')[0]);
      const load = loadConfig({
        ...(config ? { config: join(REPO_ROOT, config) } : {}),
        ...(profile ? { profile } : {}),
        ...(overrides ? { overrides } : {}),
      });
      // The lab deliberately shows --central-collector without --cluster being refused.
      if (argv.includes('--central-collector') && !argv.includes('--cluster'))
        return void (await expect(load).rejects.toThrow(/multicluster\.clusterName/));
      const { findings } = await buildAndCheck(await load);
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    },
    60_000,
  );

  test.each(upConfigs.map((c) => [c]))(
    'up --config %s synthesizes cleanly',
    async (config) => {
      const { findings } = await buildAndCheck(await loadConfig({ config: join(REPO_ROOT, config) }));
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    },
    60_000,
  );

  test('the labs name specs and trace files, and they exist and parse', async () => {
    expect(specs.length).toBeGreaterThanOrEqual(3);
    expect(traceFiles.length).toBeGreaterThanOrEqual(4);
    for (const s of specs) await expect(loadSpec(join(REPO_ROOT, s))).resolves.toMatchObject({ name: expect.any(String) });
    for (const f of traceFiles) expect(existsSync(join(REPO_ROOT, f))).toBe(true);
  });

  test.each([
    ['01-compliance-privacy/no-sensitive-data.yaml', '01-compliance-privacy/leaky-checkout.otlp.json', false, /noSensitiveData/],
    ['01-compliance-privacy/no-sensitive-data.yaml', '01-compliance-privacy/clean-checkout.otlp.json', true, undefined],
    ['04-multi-cluster/two-clusters.yaml', '04-multi-cluster/two-clusters.otlp.json', true, undefined],
    ['04-multi-cluster/two-clusters.yaml', '04-multi-cluster/east-unstamped.otlp.json', false, /clusters/],
  ] as const)('the pasted verdict holds: %s on %s passes=%s', async (spec, file, passes, failing) => {
    const [trace] = await loadTraceFile(join(LAB, file));
    const verdict = verifyTrace(await loadSpec(join(LAB, spec)), trace!);
    expect(verdict.passed).toBe(passes);
    if (failing)
      expect(
        verdict.assertions
          .filter((a) => !a.passed)
          .map((a) => a.text)
          .join('\n'),
      ).toMatch(failing);
  });
});
