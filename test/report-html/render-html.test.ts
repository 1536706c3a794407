import { escapeHtml, formatDuration, renderHtmlReport } from '../../src/report-html/render-html';
import { bookinfoTrace, span, TRACE_ID } from './bookinfo-trace';

const count = (html: string, re: RegExp): number => (html.match(re) ?? []).length;

describe('renderHtmlReport', () => {
  test('one bar per span, a colour per service, the bottleneck and the critical path marked', () => {
    // GIVEN the Bookinfo trace where ratings is slow
    const trace = bookinfoTrace();
    // WHEN rendered
    const html = renderHtmlReport({
      title: 'meshtrace demo',
      passed: true,
      traces: [trace],
      assertions: [{ name: 'edge → productpage', passed: true }],
    });
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
    expect(html).toContain(
      '<li class="assertion fail"><span class="mark">✘ fail</span> reviews → ratings<div class="detail">no ratings span is a child of reviews</div>',
    );
    expect(html).toContain('<li>split trace at reviews: its outgoing call to ratings carried no trace context</li>');
  });

  test('a client call without a server child is flagged as where the trace breaks', () => {
    // GIVEN reviews calls ratings but ratings' span is not in this trace (context lost)
    const trace = bookinfoTrace();
    const broken = { ...trace, spans: trace.spans.filter((s) => s.service !== 'ratings') };
    const html = renderHtmlReport({ title: 't', passed: false, traces: [broken], assertions: [] });
    expect(count(html, /<tspan class="peer lost">→ no server span<\/tspan>/g)).toBe(1);
    expect(html).toMatch(
      /data-service="reviews"[^>]*>.*?<tspan class="op">GET ratings<\/tspan> <tspan class="kind">client<\/tspan> <tspan class="peer lost">/s,
    );
  });

  test('orphan spans are labelled; span names and attributes are escaped and secrets redacted', () => {
    // GIVEN hostile names and a credential-looking attribute
    const root = span('edge', '<script>alert(1)</script>', 'server', 0, 10, undefined, {
      attributes: {
        'http.request.header.authorization': 'Bearer abc',
        note: '</script><b>x',
        nested: { k: '</script><i>y', n: [1, { x: 2 }] },
      },
    });
    const orphan = span('ratings', 'GET /', 'server', 2, 5, undefined, { parentSpanId: 'ffffffffffffffff' });
    const html = renderHtmlReport({
      title: 'a & b',
      passed: false,
      traces: [{ traceId: TRACE_ID, spans: [root, orphan] }],
      assertions: [],
    });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('Bearer abc');
    expect(html).toContain('[redacted]');
    // the JSON data block cannot be closed early by a span attribute
    expect(html).not.toContain('</script><b>x');
    // a structured (kvlist) value is shown as its JSON text, escaped like any other
    expect(html).not.toContain('</script><i>y');
    // a structured (kvlist) value is shown as a map, escaped, never able to close an element early
    expect(html).toContain(
      '<td class="value type-map"><code>{k: &quot;&lt;/script&gt;&lt;i&gt;y&quot;, n: [1, {x: 2}]}</code></td><td class="type">map</td>',
    );
    expect(html).toContain('<title>a &amp; b</title>');
    expect(html).toMatch(/<g class="span orphan" data-span-id="[0-9a-f]+" data-service="ratings"/);
    expect(html).toContain('(orphan)');
    expect(html).toContain('No assertions were evaluated.');
  });

  test('the bottleneck can be taken from another report, and a trace can carry a note', () => {
    // GIVEN the verifier picked details as the bottleneck (a different opinion than this renderer's)
    const trace = bookinfoTrace();
    const details = trace.spans.find((s) => s.service === 'details')!;
    const html = renderHtmlReport({
      title: 't',
      passed: true,
      traces: [trace],
      assertions: [],
      bottleneckSpanIds: { [trace.traceId]: details.spanId },
      traceNotes: { [trace.traceId]: 'a <fragment>' },
    });
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

describe('span details, kinds and assertion groups', () => {
  test('span details are a table of typed values: an int is not the string "200"', () => {
    const root = span('edge', 'GET /', 'server', 0, 10, undefined, {
      attributes: {
        'http.response.status_code': 200,
        'http.route': '/productpage',
        'net.retry': false,
        ratio: 0.25,
        'http.request.header.cookie': 'x=1',
        tags: ['a', 'b'],
      },
    });
    const html = renderHtmlReport({ title: 't', passed: true, traces: [{ traceId: TRACE_ID, spans: [root] }], assertions: [] });
    const row = (key: string): string =>
      new RegExp(`<tr><th scope="row"><code>${key.replace(/\./g, '\\.')}</code></th>(.*?)</tr>`).exec(html)?.[1] ?? '';
    expect(row('http.response.status_code')).toBe('<td class="value type-int"><code>200</code></td><td class="type">int</td>');
    expect(row('http.route')).toBe('<td class="value type-string"><code>&quot;/productpage&quot;</code></td><td class="type">string</td>');
    expect(row('net.retry')).toContain('<td class="type">bool</td>');
    expect(row('ratio')).toContain('<td class="type">double</td>');
    expect(row('tags')).toBe('<td class="value type-array"><code>[&quot;a&quot;, &quot;b&quot;]</code></td><td class="type">array</td>');
    expect(row('http.request.header.cookie')).toContain('[redacted]');
    expect(html).not.toContain('x=1');
    // the kind is on the row itself
    expect(html).toMatch(/<tspan class="op">GET \/<\/tspan> <tspan class="kind">server<\/tspan>/);
  });

  test('assertions are grouped by spec label; a group that holds is collapsed, a failing one open', () => {
    const html = renderHtmlReport({
      title: 't',
      passed: false,
      traces: [],
      assertions: [
        { name: 'edge: exactly 1 span(s) with service edge, kind server', passed: true },
        { name: 'edge: http.response.status_code = 200', passed: true },
        { name: 'ratings: exactly 1 span(s) with service ratings', passed: false, detail: '0 found' },
        { name: 'reviews-out > ratings', passed: false },
        { name: 'services: ≥ 5', passed: true },
      ],
    });
    expect(html).toContain('<details class="assertion-group pass"><summary><span class="mark">✔</span> edge — all 2 hold</summary>');
    expect(html).toContain(
      '<details class="assertion-group fail" open><summary><span class="mark">✘</span> ratings — 1 of 1 failed</summary>',
    );
    expect(html).toContain(
      '<details class="assertion-group fail" open><summary><span class="mark">✘</span> reviews-out — 1 of 1 failed</summary>',
    );
    expect(html).toContain('<summary><span class="mark">✔</span> services — all 1 hold</summary>');
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
