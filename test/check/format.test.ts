import { formatFinding, formatGithubAnnotation, summarize, type Finding } from '../../src/check';

const finding: Finding = {
  rule: 'MT002',
  severity: 'error',
  file: '30-telemetry.yaml',
  object: 'Telemetry istio-system/mesh-default',
  field: 'spec.tracing[0].providers[0].name',
  message: 'provider "jaegr" is not in meshConfig.extensionProviders (jaeger)',
  fix: 'use the exact name',
  link: 'https://github.com/istio/istio/issues/56180',
};

test('human line: file: object: field: severity [rule] message (fix)', () => {
  expect(formatFinding(finding)).toBe(
    '30-telemetry.yaml: Telemetry istio-system/mesh-default: spec.tracing[0].providers[0].name: error [MT002] provider "jaegr" is not in meshConfig.extensionProviders (jaeger) (use the exact name)',
  );
  expect(formatFinding({ rule: 'MT001', severity: 'warning', message: 'm' })).toBe('warning [MT001] m');
});

test('GitHub annotation: level, path from the working directory, escaped properties and data', () => {
  const line = formatGithubAnnotation({ ...finding, message: 'a: b, c%\nnext' }, (f) => `dist/${f}`);
  expect(line).toBe(
    '::error file=dist/30-telemetry.yaml,title=meshtrace MT002::Telemetry istio-system/mesh-default: spec.tracing[0].providers[0].name: a: b, c%25%0Anext (use the exact name) https://github.com/istio/istio/issues/56180',
  );
  expect(formatGithubAnnotation({ rule: 'x', severity: 'info', message: 'm' }, (f) => f)).toBe('::notice title=meshtrace x::m');
});

test('summary counts by severity', () => {
  expect(summarize([finding, { ...finding, severity: 'warning' }, { ...finding, severity: 'info' }], 3, 7, 2)).toEqual({
    errors: 1,
    warnings: 1,
    info: 1,
    files: 3,
    objects: 7,
    ignored: 2,
  });
});
