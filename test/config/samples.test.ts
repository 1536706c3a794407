import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { REPO_ROOT } from '../../src/paths';
import { buildAndCheck } from '../../src/stack/index';

const DIR = join(REPO_ROOT, 'samples', 'configs');
const samples = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('samples/configs', () => {
  test('there are samples for every profile and the documented variants', () => {
    expect(samples).toEqual(
      expect.arrayContaining([
        'lab.yaml',
        'ci.yaml',
        'production.yaml',
        'all-in-one.yaml',
        'opensearch-lab.yaml',
        'zipkin-provider.yaml',
        'gateway-api.yaml',
        'tagged-sampling.yaml',
      ]),
    );
  });

  test.each(samples.map((s) => [s]))('%s validates and synthesizes without a check error', async (sample) => {
    const config = await loadConfig({ config: join(DIR, sample) });
    const { findings } = await buildAndCheck(config);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test.each([['lab'], ['ci'], ['production']])('%s.yaml is exactly that profile', async (profile) => {
    expect(await loadConfig({ config: join(DIR, `${profile}.yaml`) })).toEqual(await loadConfig({ profile }));
  });
});
