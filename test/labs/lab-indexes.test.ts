/**
 * Every lab folder has an index README that lists its labs with their steps and times, and the
 * index says exactly what each lab's own README says (so an edited lab cannot leave a stale index).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';

const LABS = join(REPO_ROOT, 'labs');
const levels = readdirSync(LABS)
  .filter((d) => statSync(join(LABS, d)).isDirectory())
  .sort();

function labFacts(readme: string): { time: string; steps: string[] } {
  const time = /\*\*Time:\*\*\s*([^·\n]+?)\s*(·|\n)/.exec(readme)?.[1].trim() ?? '';
  const steps = [...readme.matchAll(/^## (Step .*)$/gm)].map((m) => m[1].trim());
  return { time, steps };
}

test('labs/ has an index README linking every level', () => {
  const index = readFileSync(join(LABS, 'README.md'), 'utf8');
  expect(levels.length).toBeGreaterThanOrEqual(3);
  for (const level of levels) expect(index).toContain(`](${level}/README.md)`);
});

describe.each(levels)('labs/%s', (level) => {
  const dir = join(LABS, level);
  const labs = readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort();

  test('has an index README with every lab, its time and its steps as the lab itself states them', () => {
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
    const index = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(labs.length).toBeGreaterThan(0);
    for (const lab of labs) {
      const { time, steps } = labFacts(readFileSync(join(dir, lab, 'README.md'), 'utf8'));
      expect(time).not.toBe('');
      expect(steps.length).toBeGreaterThan(0);
      expect(index).toContain(`| [${lab}](${lab}/README.md) |`);
      const section = index.split(`## [${lab}](${lab}/README.md) — `)[1];
      expect(section).toBeDefined();
      expect(section.startsWith(`${time}\n`)).toBe(true);
      const listed = section.split('\n## ')[0];
      for (const step of steps) expect(listed).toContain(`- ${step}\n`);
    }
  });
});
