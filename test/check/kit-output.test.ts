/**
 * The kit's own synthesized output must pass its own check under every profile (issue 2 / 10):
 * synth through the library (src/stack), check in memory, and once through the real CLI on a
 * written folder, as a user runs `npx meshtrace check dist`.
 */
import { execa } from 'execa';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkManifests, formatFinding } from '../../src/check';
import { loadConfig } from '../../src/config/load';
import { PROFILE_NAMES } from '../../src/config/profile-names';
import { buildStack, synthesize } from '../../src/stack';
import { REPO_ROOT } from '../../src/paths';

describe('the kit output is clean', () => {
  test.each(PROFILE_NAMES)('profile %s: no error findings', async (profile) => {
    // GIVEN the stack built from the profile WHEN checked with its installer inputs
    const stack = buildStack(await loadConfig({ profile }));
    const findings = await checkManifests(stack.docs, { installDocs: stack.installDocs });
    // THEN nothing is an error (printed in full when something is, so the failure says what)
    expect(findings.filter((f) => f.severity === 'error').map(formatFinding)).toEqual([]);
    // and the check really saw the stack: objects and installer inputs of every area
    expect(stack.docs.length).toBeGreaterThan(5); // production has no demo apps: 10 objects
    expect(stack.installDocs.length).toBeGreaterThan(0);
  });

  const SAMPLES = readdirSync(join(REPO_ROOT, 'samples', 'configs')).filter((f) => f.endsWith('.yaml'));

  test('there are sample configs to check', () => expect(SAMPLES.length).toBeGreaterThan(0));

  test.each(SAMPLES)('sample config %s: no error findings', async (file) => {
    // GIVEN a shipped sample config WHEN its stack is checked THEN nothing is an error
    const stack = buildStack(await loadConfig({ config: join(REPO_ROOT, 'samples', 'configs', file) }));
    const findings = await checkManifests(stack.docs, { installDocs: stack.installDocs });
    expect(findings.filter((f) => f.severity === 'error').map(formatFinding)).toEqual([]);
  });

  test('`meshtrace check DIR` exits 0 on a synthesized lab folder', async () => {
    // GIVEN `synth` written to a fresh folder
    const out = mkdtempSync(join(tmpdir(), 'meshtrace-check-'));
    try {
      const synth = await synthesize({ profile: 'lab', outdir: out });
      // WHEN the real CLI checks it
      const r = await execa('node', [join(REPO_ROOT, 'bin', 'meshtrace.mjs'), 'check', out, '--json'], {
        cwd: REPO_ROOT,
        reject: false,
        timeout: 60_000,
      });
      // THEN exit 0, and every written object was read: the manifests plus dist/install
      const report = JSON.parse(r.stdout) as { summary: { errors: number; objects: number } };
      expect(report.summary.errors).toBe(0);
      expect(report.summary.objects).toBe(synth.stack.docs.length + synth.stack.installDocs.length);
      expect(r.exitCode).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
