/** The synth command in-process (the same `main()` the bin runs), for the output modes. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/run-cli';

const cli = (...args: string[]) => runCliInProcess(args);

describe('meshtrace synth (in-process)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-synthcli-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('--json prints one JSON document with what was written', async () => {
    const outdir = join(root, 'json');
    const r = await cli('synth', '--profile', 'ci', '--outdir', outdir, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, profile: 'ci', outdir });
    expect(doc.written).toContain('0000-namespaces.k8s.yaml');
    expect(doc.timings).toEqual({ loadMs: expect.any(Number), buildMs: expect.any(Number), checkMs: expect.any(Number), writeMs: expect.any(Number) });
  });

  test('--stdout prints every file and writes nothing', async () => {
    const outdir = join(root, 'never');
    const r = await cli('synth', '--stdout', '--outdir', outdir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# file: 0000-namespaces\.k8s\.yaml\n/);
    expect(r.stdout).toContain('# file: install/istio-operator.yaml');
    expect(r.stdout).toContain('kind: Telemetry');
    expect(existsSync(outdir)).toBe(false);
  });

  test('--json on an unreadable config: exit 2 and the problems as data', async () => {
    const r = await cli('synth', '--config', join(root, '..', 'does-not-exist', 'x.yaml'), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, problems: [expect.objectContaining({ path: '--config' })] });
  });

  test('an unknown --profile is a bad flag (exit 2) naming the choices', async () => {
    const r = await cli('synth', '--profile', 'staging');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'staging' is invalid\. Allowed choices are lab, ci, production/);
  });

  test('--config and --profile together: exit 2, nothing written', async () => {
    const outdir = join(root, 'both');
    const r = await cli('synth', '--config', 'samples/configs/lab.yaml', '--profile', 'ci', '--outdir', outdir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--profile: "ci" cannot be combined with --config/);
    expect(existsSync(outdir)).toBe(false);
  });
});
