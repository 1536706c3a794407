/**
 * Every command in the workshop labs exists and parses. For each lab README: every fenced
 * sh/bash/console block is read; each `npx meshtrace …`, `node bin/meshtrace.mjs …` and `npm run …`
 * command must name a real command/script and its flags must parse with the real CLI definition
 * (`buildProgram()`, actions replaced so nothing runs); relay and demo flag VALUES are validated by
 * the same functions the commands use; every config a command names synthesizes through `src/stack`
 * and passes `check` with no error; every spec parses (`loadSpec`); every sample file mentioned
 * anywhere in a block exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/index';
import { relayOptionsFromFlags } from '../../src/cli/relay';
import { resolveRelayOptions } from '../../src/relay';
import { buildTopology } from '../../src/demo/topology';
import { loadConfig } from '../../src/config/load';
import { buildAndCheck } from '../../src/stack';
import { loadSpec } from '../../src/verify';
import { REPO_ROOT } from '../../src/paths';
import { blockCommands, codeBlocks, labReadmes, meshtraceArgv, shellWords, splitPipeline, type LabCommand } from './lab-commands';

const LABS = join(REPO_ROOT, 'labs');
const SCRIPTS = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The lab folders the issue asks for, in order. */
const EXPECTED_LABS = [
  '01-basic/01-concepts',
  '01-basic/02-install-jaeger',
  '01-basic/03-collect-bookinfo-hotrod',
  '01-basic/04-visualize-and-verify',
  '02-intermediate/01-custom-instrumentation',
  '02-intermediate/02-sampling',
  '02-intermediate/03-performance',
  '02-intermediate/04-errors',
];

interface Parsed {
  readonly command: string;
  readonly opts: Record<string, unknown>;
  readonly args: readonly string[];
}

/**
 * Parses meshtrace argv with the real program, every action replaced by a recorder: commander
 * still rejects unknown commands, unknown options, missing option values and bad choices.
 */
function parseMeshtrace(argv: readonly string[]): Parsed | { help: true } {
  const program = buildProgram();
  let parsed: Parsed | undefined;
  const silence = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  };
  silence(program);
  for (const cmd of program.commands) {
    silence(cmd);
    cmd.action((opts: Record<string, unknown>, self: Command) => {
      parsed = { command: cmd.name(), opts, args: self.args };
    });
  }
  try {
    program.parse(['node', 'meshtrace', ...argv]);
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help')) return { help: true };
    throw err;
  }
  if (!parsed) throw new Error('no command ran');
  return parsed;
}

function optionValue(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    else if (a.startsWith(`${flag}=`)) out.push(a.slice(flag.length + 1));
  });
  return out;
}

const readmes = labReadmes(LABS);
const commands: LabCommand[] = readmes.flatMap((file) =>
  codeBlocks(file, readFileSync(file, 'utf8')).flatMap((b) => blockCommands(b, REPO_ROOT)),
);
const kit = commands
  .map((c) => ({ c, m: meshtraceArgv(c.tokens, SCRIPTS) }))
  .filter((x): x is { c: LabCommand; m: NonNullable<ReturnType<typeof meshtraceArgv>> } => x.m !== undefined);

describe('lab READMEs', () => {
  test('every lab of the issue has a README with numbered steps and a time budget of at most 20 minutes', () => {
    for (const lab of EXPECTED_LABS) {
      const file = join(LABS, lab, 'README.md');
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect({ lab, steps: (text.match(/^## Step \d+/gm) ?? []).length >= 3 }).toEqual({ lab, steps: true });
      const minutes = /(\d+) minutes/.exec(text);
      expect({ lab, minutes: minutes !== null && Number(minutes[1]) <= 20 }).toEqual({ lab, minutes: true });
    }
    expect(readmes.map((f) => relative(LABS, f))).toEqual(expect.arrayContaining(EXPECTED_LABS.map((l) => `${l}/README.md`)));
  });

  test('the labs use the kit: many meshtrace / npm run commands were found', () => {
    expect(kit.length).toBeGreaterThan(30);
    const used = new Set(kit.flatMap(({ m }) => ('argv' in m && m.argv[0] ? [m.argv[0]] : [])));
    for (const cmd of ['demo', 'synth', 'check', 'relay', 'verify', 'up']) expect(used).toContain(cmd);
  });
});

describe('every kit command in the labs exists and its flags parse', () => {
  test.each(kit.map(({ c, m }) => [c.where, c.text, m] as const))('%s: %s', (_where, _text, m) => {
    if ('error' in m) throw new Error(m.error);
    if (m.argv.length === 0) {
      expect(SCRIPTS[m.script!]).toBeDefined();
      return;
    }
    const parsed = parseMeshtrace(m.argv);
    if ('help' in parsed) return;
    if (parsed.command === 'relay') {
      // The relay's own flag → option mapping and validation (what `meshtrace relay` runs first).
      expect(() => resolveRelayOptions(relayOptionsFromFlags(parsed.opts as never))).not.toThrow();
    }
    if (parsed.command === 'demo') {
      const o = parsed.opts as { fault?: string[]; break?: string[]; propagate?: string[] };
      expect(() => buildTopology({ faults: o.fault ?? [], breakHops: o.break ?? [], propagate: o.propagate ?? [] })).not.toThrow();
    }
  });
});

describe('every config and spec the labs name is valid', () => {
  const configs = new Set<string>();
  const profiles = new Set<string>();
  const specs = new Set<string>();
  const files = new Set<string>();
  for (const { m } of kit) {
    if (!('argv' in m) || m.argv.length === 0) continue;
    for (const f of optionValue(m.argv, '--config')) configs.add(f);
    for (const p of optionValue(m.argv, '--profile')) profiles.add(p);
    // `synth`/`up` without a file or profile use the default profile: check that one too.
    if (['synth', 'up', 'smoke'].includes(m.argv[0]!) && !m.argv.includes('--config') && !m.argv.includes('--profile')) profiles.add('lab');
    for (const s of optionValue(m.argv, '--spec')) specs.add(s);
    for (const f of optionValue(m.argv, '--trace-file')) files.add(f);
  }
  // Sample files mentioned anywhere in a command block (kubectl lines, comments) must exist too.
  for (const file of readmes) {
    for (const b of codeBlocks(file, readFileSync(file, 'utf8'))) {
      for (const ref of b.body.match(/samples\/(?:configs|expectations)\/[\w.-]+\.ya?ml/g) ?? []) files.add(ref);
    }
  }

  test('the labs name configs and specs at all', () => {
    expect(configs.size).toBeGreaterThanOrEqual(5);
    expect(specs.size).toBeGreaterThanOrEqual(6);
  });

  test.each([...configs].map((c) => [c]))(
    'config %s synthesizes through src/stack and check finds no error',
    async (config) => {
      const loaded = await loadConfig({ config: join(REPO_ROOT, config) });
      const { findings } = await buildAndCheck(loaded);
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    },
    60_000,
  );

  test.each([...profiles].map((p) => [p]))(
    'profile %s synthesizes and check finds no error',
    async (profile) => {
      const { findings } = await buildAndCheck(await loadConfig({ profile }));
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    },
    60_000,
  );

  test.each([...specs].map((s) => [s]))('spec %s parses', async (spec) => {
    await expect(loadSpec(join(REPO_ROOT, spec))).resolves.toMatchObject({ name: expect.any(String) });
  });

  test.each([...files].map((f) => [f]))('file %s exists', (file) => {
    expect(existsSync(join(REPO_ROOT, file))).toBe(true);
  });
});

describe('the checker itself catches what it must (negative controls)', () => {
  const argvOf = (line: string) => {
    const m = meshtraceArgv(shellWords(line), SCRIPTS);
    if (!m || !('argv' in m)) throw new Error(`not a kit command: ${line}`);
    return m.argv;
  };

  test('an unknown command, an unknown flag, a missing value and a bad choice are refused', () => {
    expect(() => parseMeshtrace(argvOf('npx meshtrace dmeo'))).toThrow(/unknown command/);
    expect(() => parseMeshtrace(argvOf('npx meshtrace demo --falut ratings:delay=1s'))).toThrow(/unknown option '--falut'/);
    expect(() => parseMeshtrace(argvOf('npx meshtrace verify --spec'))).toThrow(/argument missing/);
    expect(() => parseMeshtrace(argvOf('npx meshtrace relay --otlp-protocol grpc'))).toThrow(/Allowed choices/);
    expect(() => parseMeshtrace(argvOf('npm run synth -- --outdri x'))).toThrow(/unknown option '--outdri'/);
  });

  test("a bad relay flag value and a bad demo fault are refused by the commands' own validation", () => {
    const relay = parseMeshtrace(argvOf('npx meshtrace relay --listen 127.0.0.1:8080 --fault status=5000'));
    expect(() => resolveRelayOptions(relayOptionsFromFlags((relay as Parsed).opts as never))).toThrow(/--fault/);
    const demo = parseMeshtrace(argvOf('npx meshtrace demo --fault rating:delay=1s')) as Parsed;
    expect(() => buildTopology({ faults: demo.opts.fault as string[] })).toThrow(/unknown hop "rating"/);
  });

  test('npm run of a missing script, and arguments without "--", are errors', () => {
    expect(meshtraceArgv(['npm', 'run', 'synthesize'], SCRIPTS)).toEqual({ error: expect.stringMatching(/no such script/) });
    expect(meshtraceArgv(['npm', 'run', 'synth', '--config', 'x'], SCRIPTS)).toEqual({ error: expect.stringMatching(/must follow "--"/) });
  });

  test('the block reader: console prompts, continuations, pipelines, background jobs, quotes', () => {
    const block = {
      file: join(LABS, 'x', 'README.md'),
      line: 1,
      lang: 'console',
      body: '$ npx meshtrace relay --listen 127.0.0.1:8082 \\\n    --service-name b &\nrelay b listening\n$ A=1 npx meshtrace verify --header "cookie: s=$SESSION" | tail -3',
    };
    const cmds = blockCommands(block, REPO_ROOT);
    expect(cmds.map((c) => c.tokens)).toEqual([
      ['npx', 'meshtrace', 'relay', '--listen', '127.0.0.1:8082', '--service-name', 'b'],
      ['A=1', 'npx', 'meshtrace', 'verify', '--header', 'cookie: s=$SESSION'],
      ['tail', '-3'],
    ]);
    expect(splitPipeline('a && b; c & ')).toEqual(['a', 'b', 'c']);
    expect(blockCommands({ ...block, lang: 'text' }, REPO_ROOT)).toEqual([]);
  });
});
