import { spansFromOtlp } from '../../../src/verify/sources/otlp';
import { encodeOtlpJson } from '../../../src/verify/sources/otlp-json-encode';
import { bookinfoTrace } from '../../report-html/bookinfo-trace';

describe('encodeOtlpJson', () => {
  test('an OTLP payload groups spans by service into resources', () => {
    const doc = encodeOtlpJson(bookinfoTrace().spans, 'meshtrace-demo') as {
      resourceSpans: { resource: { attributes: { key: string; value: { stringValue: string } }[] } }[];
    };
    const services = doc.resourceSpans.map((r) => r.resource.attributes.find((a) => a.key === 'service.name')!.value.stringValue);
    expect(services.sort()).toEqual(['details', 'edge', 'productpage', 'ratings', 'reviews']);
  });

  test('spansFromOtlp reads back what it wrote: ids, parents, kinds, times, attributes, status', () => {
    // GIVEN a trace with an error span
    const spans = bookinfoTrace({ ratingsError: true }).spans;
    // WHEN it is encoded and decoded again
    const back = spansFromOtlp(JSON.parse(JSON.stringify(encodeOtlpJson(spans, 'test'))));
    // THEN every span comes back as it was, under the scope the encoder gave spans that named none
    const byId = (list: readonly { spanId: string }[]) => [...list].sort((a, b) => a.spanId.localeCompare(b.spanId));
    expect(byId(back)).toEqual(byId(spans.map((s) => ({ ...s, scope: { name: 'test' } }))));
  });

  test('structured kvlist and array attributes round-trip as kvlistValue / arrayValue', () => {
    const [first, ...rest] = bookinfoTrace().spans;
    const spans = [
      { ...first!, attributes: { ...first!.attributes, headers: { accept: ['a', 'b'], inner: { depth: 2, ok: true } } } },
      ...rest,
    ];
    const doc = JSON.parse(JSON.stringify(encodeOtlpJson(spans, 'test')));
    expect(JSON.stringify(doc)).toContain('"kvlistValue":{"values":[{"key":"accept","value":{"arrayValue"');
    const back = spansFromOtlp(doc).find((s) => s.spanId === first!.spanId)!;
    expect(back.attributes.headers).toEqual({ accept: ['a', 'b'], inner: { depth: 2, ok: true } });
  });
});
