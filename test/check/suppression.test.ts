import { checkManifestsDetailed, IGNORE_ANNOTATION, ruleMatches, type ManifestDoc } from '../../src/check';

const service = (name: string, annotations: Record<string, string> = {}): ManifestDoc => ({
  file: 's.yaml',
  index: 0,
  object: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop', annotations },
    spec: { selector: { app: 'nothing' }, ports: [{ name: 'web', port: 80 }] },
  },
});

describe('suppression', () => {
  test('rules match by id or by prefix', () => {
    expect(ruleMatches('pod-security/seccomp', 'pod-security')).toBe(true);
    expect(ruleMatches('pod-security/seccomp', 'pod-security/*')).toBe(true);
    expect(ruleMatches('MT004', 'MT004')).toBe(true);
    expect(ruleMatches('MT004', 'MT00')).toBe(false);
    expect(ruleMatches('xref/selector', '')).toBe(false);
  });

  test('the check-ignore annotation drops only the listed rules on that object', async () => {
    // GIVEN two identical Services (selector matches nothing), one annotated to ignore xref/selector
    const { findings, ignored } = await checkManifestsDetailed([
      service('a'),
      service('b', { [IGNORE_ANNOTATION]: 'xref/selector, MT999' }),
    ]);
    // THEN b's selector finding is ignored, a's is kept, and other rules on b still report
    expect(findings.filter((f) => f.rule === 'xref/selector').map((f) => f.object)).toEqual(['Service shop/a']);
    expect(ignored.map((f) => [f.rule, f.object])).toEqual([['xref/selector', 'Service shop/b']]);
    expect(findings.some((f) => f.rule === 'MT004' && f.object === 'Service shop/b')).toBe(true);
  });

  test('the ignore option drops a rule everywhere', async () => {
    const { findings, ignored } = await checkManifestsDetailed([service('a'), service('b')], { ignore: ['xref'] });
    expect(findings.some((f) => f.rule.startsWith('xref/'))).toBe(false);
    expect(ignored).toHaveLength(2);
  });
});
