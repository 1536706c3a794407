import { escapeHtml, formatDuration, renderHtmlReport } from '../../src/report-html/render-html';
import { bookinfoTrace, span, TRACE_ID } from './bookinfo-trace';

const count = (html: string, re: RegExp): number => (html.match(re) ?? []).length;

describe('renderHtmlReport', () => {
  test('one bar per span, a colour per service, the bottleneck and the critical path marked', () => {
    // GIVEN the Bookinfo trace where ratings is slow
    const trace = bookinfoTrace();
    // WHEN rendered
    const html = renderHtmlReport({ title: 'meshtrace demo', passed: true, traces: [trace], assertions: [{ name: 'edge → productpage', passed: true }] });
    // THEN there is one span group per span, each carrying its service
    expect(count(html, /<g class="span[^"]*"/g)).toBe(trace.spans.length);
    for (const s of trace.spans) expect(html).toContain(`data-span-id="${s.spanId}" data-service="${s.service}"`);
    // services get distinct colours (5 services → 5 fills on the legend)
    const legendColours = [...html.matchAll(/class="legend-item"><span class="swatch" style="background:(#[0-9A-F]{6})/g)].map((m) => m[1]);
    expect(legendColours).toHaveLength(5);
    expect(new Set(legendColours).size).toBe(5);
    // exactly one bottleneck, and it is ratings
    expect(count(html, /class="span[^"]*bottleneck/g)).toBe(1);
    expect(html).toMatch(/<g class="span critical bottleneck" data-span-id="[0-9a-f]+" data-service="ratings"/);
    expect(html).toContain('bottleneck: <strong>ratings</strong>');
    // details (parallel, fast) is not on the critical path
    expect(html).toMatch(/<g class="span" data-span-id="[0-9a-f]+" data-service="details"/);
    expect(html).toContain('<span class="verdict pass">PASSED</span>');
    // client calls say where they went, taken from their server child
    expect(count(html, /<tspan class="peer">→ ratings<\/tspan>/g)).toBe(1);
    expect(count(html, /<tspan class="peer">→ productpage<\/tspan>/g)).toBe(1);
    expect(html).not.toContain('no server span');
    // self-contained: no external resource is referenced
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  test('error spans, failed assertions and the diagnosis are shown', () => {
    const html = renderHtmlReport({
      title: 'meshtrace demo --break reviews',
      passed: false,
      traces: [bookinfoTrace({ ratingsError: true })],
      assertions: [
        { name: 'productpage → reviews', passed: true },
        { name: 'reviews → ratings', passed: false, detail: 'no ratings span is a child of reviews' },
      ],
      diagnoses: ['split trace at reviews: its outgoing call to ratings carried no trace context'],
    });
    expect(html).toMatch(/<g class="span error critical bottleneck" data-span-id="[0-9a-f]+" data-service="ratings"/);
    expect(html).toContain('⚠ error');
    expect(html).toContain('1 error span');
    expect(html).toContain('<span class="verdict fail">FAILED</span>');
    expect(html).toContain('(1/2 passed)');
    expect(html).toContain('<li class="assertion fail"><span class="mark">✘ fail</span> reviews → ratings<div class="detail">no ratings span is a child of reviews</div>');
    expect(html).toContain('<li>split trace at reviews: its outgoing call to ratings carried no trace context</li>');
  });

  test('a client call without a server child is flagged as where the trace breaks', () => {
    // GIVEN reviews calls ratings but ratings' span is not in this trace (context lost)
    const trace = bookinfoTrace();
    const broken = { ...trace, spans: trace.spans.filter((s) => s.service !== 'ratings') };
    const html = renderHtmlReport({ title: 't', passed: false, traces: [broken], assertions: [] });
    expect(count(html, /<tspan class="peer lost">→ no server span<\/tspan>/g)).toBe(1);
    expect(html).toMatch(/data-service="reviews"[^>]*>.*?<tspan class="op">GET ratings<\/tspan> <tspan class="peer lost">/s);
  });

  test('orphan spans are labelled; span names and attributes are escaped and secrets redacted', () => {
    // GIVEN hostile names and a credential-looking attribute
    const root = span('edge', '<script>alert(1)</script>', 'server', 0, 10, undefined, { attributes: { 'http.request.header.authorization': 'Bearer abc', note: '</script><b>x', nested: { k: '</script><i>y', n: [1, { x: 2 }] } } });
    const orphan = span('ratings', 'GET /', 'server', 2, 5, undefined, { parentSpanId: 'ffffffffffffffff' });
    const html = renderHtmlReport({ title: 'a & b', passed: false, traces: [{ traceId: TRACE_ID, spans: [root, orphan] }], assertions: [] });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('Bearer abc');
    expect(html).toContain('[redacted]');
    // the JSON data block cannot be closed early by a span attribute
    expect(html).not.toContain('</script><b>x');
    // a structured (kvlist) value is shown as its JSON text, escaped like any other
    expect(html).not.toContain('</script><i>y');
    expect(html).toContain('"nested":"{\\"k\\":\\"\\u003c/script>\\u003ci>y\\",\\"n\\":[1,{\\"x\\":2}]}"');
    expect(html).toContain('<title>a &amp; b</title>');
    expect(html).toMatch(/<g class="span orphan" data-span-id="[0-9a-f]+" data-service="ratings"/);
    expect(html).toContain('(orphan)');
    expect(html).toContain('No assertions were evaluated.');
  });

  test('the bottleneck can be taken from another report, and a trace can carry a note', () => {
    // GIVEN the verifier picked details as the bottleneck (a different opinion than this renderer's)
    const trace = bookinfoTrace();
    const details = trace.spans.find((s) => s.service === 'details')!;
    const html = renderHtmlReport({ title: 't', passed: true, traces: [trace], assertions: [], bottleneckSpanIds: { [trace.traceId]: details.spanId }, traceNotes: { [trace.traceId]: 'a <fragment>' } });
    // THEN that span is the one marked, once, and the note is shown escaped
    expect(count(html, /class="span[^"]*bottleneck/g)).toBe(1);
    expect(html).toMatch(/<g class="span bottleneck" data-span-id="[0-9a-f]+" data-service="details"/);
    expect(html).toContain('bottleneck: <strong>details</strong>');
    expect(html).toContain('<p class="note">a &lt;fragment&gt;</p>');
  });

  test('no traces at all still renders a page that says so', () => {
    const html = renderHtmlReport({ title: 't', passed: false, traces: [], assertions: [] });
    expect(html).toContain('No trace was received.');
  });
});

describe('helpers', () => {
  test.each([
    [0, '0 µs'],
    [999, '999 µs'],
    [1234, '1.23 ms'],
    [12_345, '12.3 ms'],
    [140_000, '140 ms'],
    [999_400, '999 ms'],
    [2_100_000, '2.1 s'],
    [1_754_000, '1.75 s'],
    [12_000_000, '12 s'],
  ])('formatDuration(%d) = %s', (us, text) => expect(formatDuration(us)).toBe(text));

  test('escapeHtml escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
