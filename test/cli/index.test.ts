import { jest } from '@jest/globals';
import { buildProgram, main } from '../../src/cli/index';

describe('meshtrace CLI', () => {
  test('lists every command of the DESIGN.md contract', () => {
    // GIVEN the program WHEN it is built THEN each contract command is registered
    const names = buildProgram()
      .commands.map((c) => c.name())
      .sort();
    expect(names).toEqual(['check', 'demo', 'down', 'relay', 'smoke', 'synth', 'up', 'verify']);
  });

  test('an unknown flag exits 2 (could not check)', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'meshtrace', '--no-such-flag'])).toBe(2);
    } finally {
      write.mockRestore();
    }
  });

  test('--version and -V print the version in package.json and exit 0', async () => {
    const { readFileSync } = await import('node:fs');
    const { REPO_ROOT } = await import('../../src/paths');
    const { version } = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      let out = '';
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
      try {
        expect([flag, await main(['node', 'meshtrace', flag]), out]).toEqual([flag, 0, `${version}\n`]);
      } finally {
        write.mockRestore();
      }
    }
  });
});
