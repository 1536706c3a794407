import { compileLinearRegex } from '../../src/verify/linear-regex';

describe('spec regexes match in linear time (RE2 semantics)', () => {
  test.each([
    ['(a+)+$', `${'a'.repeat(100_000)}b`],
    ['^(a|aa)+$', `${'a'.repeat(100_000)}b`],
    ['^(\\w+\\s?)*$', `${'word '.repeat(20_000)}!`],
  ])('%s against a hostile value of 100 KB answers at once (JavaScript backtracking would not, in any lifetime)', (source, value) => {
    // GIVEN a pattern with nested quantifiers and a long value that almost matches
    // WHEN it is tested
    // THEN it answers false (the jest timeout is the bound: a backtracking engine takes ~2^n steps)
    expect(compileLinearRegex(source, '').test(value)).toBe(false);
    expect(compileLinearRegex(source, '').test(value.slice(0, -1))).toBe(true);
  });

  // The patterns the shipped specs, labs and docs use, and values around them: RE2 agrees with RegExp.
  const PATTERNS: [string, string][] = [
    ['^(relay-)?edge$', ''],
    ['^reviews(\\.|$)', ''],
    ['productpage[\\w.-]*:9080\\/productpage', ''],
    ['^istio-ingress(gateway)?\\.', ''],
    ['^(istio-ingress(gateway)?|[a-z0-9-]+-istio)\\.', ''],
    ['^(FindDriverIDs|GetDriver)$', ''],
    ['ratings', 'i'],
    ['^b$', 'm'],
    ['a.b', 's'],
    ['b', 'y'],
    ['\\d{3}', 'gu'],
    ['^caf\\u00e9$', ''],
    ['^caf\\u{e9}$', 'u'],
    ['^x\\\\u0041$', ''],
  ];
  const VALUES = [
    'edge',
    'relay-edge',
    'relay-edge2',
    'reviews',
    'reviews.default',
    'reviewsx',
    'productpage.default.svc.cluster.local:9080/productpage',
    'istio-ingressgateway.istio-system',
    'istio-ingress.istio-ingress',
    'bookinfo-gateway-istio.default',
    'FindDriverIDs',
    'GetDriverX',
    'RATINGS',
    'a\nb',
    'a\nb\nc',
    'bc',
    'cb',
    'status 503',
    'café',
    'cafe',
    'x\\u0041',
    'xA',
    '',
  ];
  test.each(PATTERNS)('/%s/%s decides every value as JavaScript does', (source, flags) => {
    const linear = compileLinearRegex(source, flags);
    // a fresh RegExp per value: a sticky one keeps lastIndex between calls (linear.test keeps no state)
    const js = (v: string) => new RegExp(source, flags).test(v);
    expect(VALUES.map((v) => [v, linear.test(v)])).toEqual(VALUES.map((v) => [v, js(v)]));
    expect([linear.source, String(linear)]).toEqual([source, `/${source}/${flags}`]);
  });

  test.each([
    ['(?=ab)a', /lookahead and lookbehind \(\?= \?! \?<= \?<!\) are not supported; allowed: RE2 syntax/],
    ['(?<!x)a', /lookahead and lookbehind/],
    ['(a)\\1', /backreferences \(\\1, \\k<name>\) are not supported; allowed: RE2 syntax/],
    ['a{1001}', /invalid repeat count.*; allowed: RE2 syntax \(matched in linear time/],
  ])('/%s/ is refused, naming the construct and what is allowed', (source, message) => {
    expect(() => compileLinearRegex(source, '')).toThrow(message);
  });

  test('an unknown flag is refused with the flags allowed', () => {
    expect(() => compileLinearRegex('a', 'x')).toThrow('unknown flag "x"; allowed: d g i m s u y');
  });
});
