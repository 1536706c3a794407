/**
 * A self-contained HTML report of verified traces: one file, inline CSS, inline SVG and a few
 * lines of inline JS, no network access (it must open from a CI artifact or a workshop laptop
 * offline). Per trace: a waterfall (Gantt) with one bar per span, a colour per service, the
 * critical path drawn over the bars, the bottleneck and error spans marked; then the spec's
 * assertions with pass/fail and the diagnosis.
 *
 * The waterfall is rendered here, not in the browser, so the file shows the same picture with
 * scripts disabled; the script only adds click-to-inspect span details.
 */
import type { AttributeValue, Span, Trace } from '../verify/model';
import { criticalPath, spanTree } from '../verify/critical-path';

/** One assertion of the spec, as the report shows it. */
export interface HtmlAssertion {
  /** What was asserted, in words (e.g. "productpage → reviews (direct child)"). */
  readonly name: string;
  readonly passed: boolean;
  /** Why it failed, or what matched. */
  readonly detail?: string;
}

export interface HtmlReportInput {
  /** Page title and heading. */
  readonly title: string;
  /** A line under the heading (e.g. the command that produced the report). */
  readonly subtitle?: string;
  /** Overall verdict shown as a badge. */
  readonly passed: boolean;
  readonly traces: readonly Trace[];
  readonly assertions: readonly HtmlAssertion[];
  /**
   * Bottleneck span per trace id, to mark the same span as another report (the terminal tree).
   * @default - the span with the most self time on this renderer's critical path
   */
  readonly bottleneckSpanIds?: Readonly<Record<string, string>>;
  /** A note shown under a trace's heading, per trace id (e.g. "lost fragment of trace 1"). */
  readonly traceNotes?: Readonly<Record<string, string>>;
  /** Diagnosis lines (why and where a trace is broken). */
  readonly diagnoses?: readonly string[];
  /** @default - now */
  readonly generatedAt?: Date;
}

/**
 * Okabe–Ito and Tableau-10 colours: distinguishable for the common colour-vision deficiencies
 * and on a projector. Services get them in order of first appearance.
 */
const SERVICE_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#8C564B', '#7F7F7F', '#BCBD22', '#17BECF'];

/** Attribute keys never shown (defence in depth: spans should not carry credentials at all). */
const SECRET_KEY = /authorization|cookie|password|passwd|secret|token|api[-_.]?key/i;

const LABEL_WIDTH = 380;
const TIMELINE_WIDTH = 730;
const ROW_HEIGHT = 26;
const AXIS_HEIGHT = 28;
const INDENT = 14;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Human duration with three significant digits: µs below 1 ms, ms below 1 s, else seconds. */
export function formatDuration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${Number((us / 1000).toFixed(us < 10_000 ? 2 : us < 100_000 ? 1 : 0))} ms`;
  return `${Number((us / 1_000_000).toFixed(2))} s`;
}

/** An attribute value as the table shows it: strings quoted, numbers and booleans bare, lists and maps nested. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v)).join(', ')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(', ')}}`;
  return String(value);
}

/** The OTLP type name of a value (what the exporter sent: an int is not a string "200"). */
export function valueType(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || typeof value === 'bigint') return Number.isInteger(Number(value)) ? 'int' : 'double';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object' && value !== null) return 'map';
  return typeof value;
}

/** A tick step (1, 2 or 5 × 10^n µs) giving at most ~8 ticks over `totalUs`. */
function tickStep(totalUs: number): number {
  const raw = Math.max(totalUs / 8, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

interface Row {
  readonly span: Span;
  readonly depth: number;
  /** True when the span's parent id is set but that span is not in the trace. */
  readonly orphan: boolean;
}

/** Spans in tree order (depth-first, siblings by start time), each with its depth. */
function treeRows(trace: Trace): Row[] {
  const { roots, children } = spanTree(trace);
  const rows: Row[] = [];
  const seen = new Set<string>();
  const visit = (span: Span, depth: number, orphan: boolean): void => {
    if (seen.has(span.spanId)) return;
    seen.add(span.spanId);
    rows.push({ span, depth, orphan });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1, false);
  };
  for (const root of roots) visit(root, 0, root.parentSpanId !== undefined);
  // Spans only reachable through a parent cycle still get a row.
  for (const span of trace.spans) visit(span, 0, false);
  return rows;
}

function renderWaterfall(trace: Trace, colourOf: (service: string) => string, bottleneckSpanId: string | undefined): string {
  const rows = treeRows(trace);
  if (rows.length === 0) return '<p class="empty">This trace has no spans.</p>';
  const { children } = spanTree(trace);
  const startUs = Math.min(...rows.map((r) => r.span.startUs));
  const endUs = Math.max(...rows.map((r) => r.span.startUs + r.span.durationUs));
  const totalUs = Math.max(endUs - startUs, 1);
  const x = (us: number): number => LABEL_WIDTH + ((us - startUs) / totalUs) * TIMELINE_WIDTH;
  const path = criticalPath(trace);
  const height = AXIS_HEIGHT + rows.length * ROW_HEIGHT + 8;
  const width = LABEL_WIDTH + TIMELINE_WIDTH + 150;

  const parts: string[] = [];
  parts.push(
    `<svg class="waterfall" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Waterfall of trace ${escapeHtml(trace.traceId)}">`,
  );
  const step = tickStep(totalUs);
  for (let t = 0; t <= totalUs; t += step) {
    const tx = x(startUs + t).toFixed(1);
    parts.push(`<line class="tick" x1="${tx}" x2="${tx}" y1="${AXIS_HEIGHT - 6}" y2="${height}"/>`);
    parts.push(
      `<text class="tick-label" x="${tx}" y="${AXIS_HEIGHT - 10}" text-anchor="middle">${t === 0 ? '0' : escapeHtml(formatDuration(t))}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const { span } = row;
    // each row draws at y 0..ROW_HEIGHT inside a translated group, so collapsing can restack rows
    const y = 0;
    const rowY = AXIS_HEIGHT + i * ROW_HEIGHT;
    const hasChildren = (children.get(span.spanId)?.length ?? 0) > 0;
    const error = span.status.code === 'error';
    const onPath = path.selfTimeUs.has(span.spanId);
    const bottleneck = bottleneckSpanId === span.spanId;
    const colour = colourOf(span.service);
    const bx = x(span.startUs);
    const bw = Math.max((span.durationUs / totalUs) * TIMELINE_WIDTH, 2);
    const classes = ['span', error ? 'error' : '', onPath ? 'critical' : '', bottleneck ? 'bottleneck' : '', row.orphan ? 'orphan' : '']
      .filter(Boolean)
      .join(' ');
    const label = `${span.service} ${span.name}`;
    const tooltip = `${label} — ${formatDuration(span.durationUs)}${error ? ' — ERROR' : ''}${bottleneck ? ' — bottleneck' : ''}${row.orphan ? ` — orphan: parent ${span.parentSpanId} is not in this trace` : ''}`;
    parts.push(
      `<g class="${classes}" data-span-id="${escapeHtml(span.spanId)}" data-service="${escapeHtml(span.service)}" data-name="${escapeHtml(span.name)}" data-kind="${escapeHtml(span.kind)}" data-parent-id="${escapeHtml(row.orphan ? '' : (span.parentSpanId ?? ''))}" transform="translate(0,${rowY})" tabindex="0">`,
      `<title>${escapeHtml(tooltip)}</title>`,
      `<rect class="row-bg" x="0" y="${y}" width="${width}" height="${ROW_HEIGHT}"/>`,
      hasChildren
        ? `<text class="toggle" x="${2 + row.depth * INDENT}" y="${y + 17}" role="button" aria-label="collapse or expand the spans under this one" aria-expanded="true">▾</text>`
        : '',
      `<rect class="swatch" x="${14 + row.depth * INDENT}" y="${y + 7}" width="10" height="12" rx="2" fill="${colour}"/>`,
      `<text class="label" x="${30 + row.depth * INDENT}" y="${y + 17}"><tspan class="service-label" font-weight="600">${escapeHtml(span.service)}</tspan> <tspan class="op">${escapeHtml(truncate(span.name, 32 - row.depth * 2))}</tspan>${span.kind !== 'unspecified' ? ` <tspan class="kind">${escapeHtml(span.kind)}</tspan>` : ''}${peerLabel(span, children.get(span.spanId))}${row.orphan ? ' <tspan class="orphan-mark">(orphan)</tspan>' : ''}</text>`,
      `<rect class="bar" x="${bx.toFixed(1)}" y="${y + 5}" width="${bw.toFixed(1)}" height="${ROW_HEIGHT - 10}" rx="2" fill="${colour}"/>`,
    );
    for (const seg of path.segments.filter((s) => s.spanId === span.spanId)) {
      const sx = x(seg.startUs);
      const sw = Math.max(x(seg.endUs) - sx, 1);
      parts.push(`<rect class="critical-segment" x="${sx.toFixed(1)}" y="${y + ROW_HEIGHT - 6}" width="${sw.toFixed(1)}" height="3"/>`);
    }
    const marks = [formatDuration(span.durationUs), error ? '⚠ error' : '', bottleneck ? '◀ bottleneck' : ''].filter(Boolean).join('  ');
    // After the bar when it fits, else right-aligned inside the bar's end (a white halo keeps it readable).
    const fitsAfter = bx + bw + 6 + marks.length * 6.6 <= width;
    const textX = fitsAfter ? bx + bw + 6 : bx + bw - 4;
    parts.push(
      `<text class="duration${error ? ' error-text' : ''}" x="${textX.toFixed(1)}" y="${y + 17}"${fitsAfter ? '' : ' text-anchor="end" paint-order="stroke" stroke="#fff" stroke-width="3"'}>${escapeHtml(marks)}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Where a client call went, from the trace itself: the service of its server child (`→ ratings`).
 * A client span without one is where a trace breaks (context lost, or the callee not traced), so
 * it says so: that is the row a student looks for in a split trace.
 */
function peerLabel(span: Span, kids: readonly Span[] | undefined): string {
  if (span.kind !== 'client') return '';
  const servers = [...new Set((kids ?? []).filter((k) => k.kind === 'server' && k.service !== span.service).map((k) => k.service))];
  if (servers.length > 0) return ` <tspan class="peer">→ ${escapeHtml(servers.join(', '))}</tspan>`;
  return ' <tspan class="peer lost">→ no server span</tspan>';
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(max - 1, 1))}…` : text;
}

function attributeRows(title: string, attributes: Readonly<Record<string, AttributeValue>>): string {
  const entries = Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  const rows = entries.map(([k, v]) => {
    const secret = SECRET_KEY.test(k);
    const type = secret ? 'redacted' : valueType(v);
    return `<tr><th scope="row"><code>${escapeHtml(k)}</code></th><td class="value type-${escapeHtml(type)}"><code>${secret ? '[redacted]' : escapeHtml(formatValue(v))}</code></td><td class="type">${escapeHtml(type)}</td></tr>`;
  });
  return `<tr class="section"><th colspan="3">${escapeHtml(title)} (${entries.length})</th></tr>${rows.join('')}`;
}

/**
 * Every span's details as a table (fields, then attributes and resource with their OTLP types),
 * rendered here and hidden; clicking a bar shows its table. Without scripts nothing is lost but
 * the click.
 */
function renderSpanDetails(trace: Trace, traceStartUs: number): string {
  return trace.spans
    .map((s) => {
      const fields: [string, string][] = [
        ['service', s.service],
        ['name', s.name],
        ['kind', s.kind],
        ['span id', s.spanId],
        ['parent span id', s.parentSpanId ?? '(root)'],
        ['start', `+${formatDuration(s.startUs - traceStartUs)}`],
        ['duration', formatDuration(s.durationUs)],
        ['status', s.status.code + (s.status.message ? `: ${s.status.message}` : '')],
      ];
      const fieldRows = fields
        .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td colspan="2">${escapeHtml(v)}</td></tr>`)
        .join('');
      return `<div class="span-detail" data-span-id="${escapeHtml(s.spanId)}" hidden><table class="details"><caption>${escapeHtml(s.service)} ${escapeHtml(s.name)}</caption>${fieldRows}${attributeRows('attributes', s.attributes)}${attributeRows('resource', s.resource)}</table></div>`;
    })
    .join('');
}

function renderTrace(
  trace: Trace,
  index: number,
  colourOf: (service: string) => string,
  bottleneckOverride: string | undefined,
  note: string | undefined,
): string {
  const rows = treeRows(trace);
  const services = [...new Set(rows.map((r) => r.span.service))];
  const errors = trace.spans.filter((s) => s.status.code === 'error').length;
  const start = Math.min(...trace.spans.map((s) => s.startUs));
  const end = Math.max(...trace.spans.map((s) => s.startUs + s.durationUs));
  const path = criticalPath(trace);
  const bottleneckSpanId = bottleneckOverride ?? path.bottleneckSpanId;
  const bottleneck = trace.spans.find((s) => s.spanId === bottleneckSpanId);
  const legend = services
    .map((s) => `<span class="legend-item"><span class="swatch" style="background:${colourOf(s)}"></span>${escapeHtml(s)}</span>`)
    .join('');
  const summary = [
    `${trace.spans.length} span${trace.spans.length === 1 ? '' : 's'}`,
    `${services.length} service${services.length === 1 ? '' : 's'}`,
    trace.spans.length > 0 ? formatDuration(end - start) : '',
    errors > 0 ? `<span class="error-text">${errors} error span${errors === 1 ? '' : 's'}</span>` : 'no errors',
    bottleneck
      ? `bottleneck: <strong>${escapeHtml(bottleneck.service)}</strong> ${escapeHtml(bottleneck.name)}${path.selfTimeUs.has(bottleneck.spanId) ? ` (${formatDuration(path.selfTimeUs.get(bottleneck.spanId)!)} on the critical path)` : ''}`
      : '',
  ].filter(Boolean);
  return `<section class="trace" data-trace-id="${escapeHtml(trace.traceId)}">
<h2>Trace ${index + 1} <code>${escapeHtml(trace.traceId)}</code></h2>
${note ? `<p class="note">${escapeHtml(note)}</p>` : ''}
<p class="summary">${summary.join(' · ')}</p>
<p class="legend">${legend}<span class="legend-item"><span class="critical-key"></span>critical path</span></p>
<div class="scroll">${renderWaterfall(trace, colourOf, bottleneckSpanId)}</div>
<div class="inspector">${renderSpanDetails(trace, start)}</div>
</section>`;
}

/** The spec label an assertion belongs to (`edge: exactly 1 span…` → `edge`), or the trace as a whole. */
export function assertionGroup(name: string): string {
  const m = /^([\w.-]+(?: > [\w.-]+)?):\s/.exec(name) ?? /^([\w.-]+) > [\w.-]+$/.exec(name);
  return m ? m[1]!.split(' > ')[0]! : 'whole trace';
}

/** Assertions grouped by the spec label they are about; a group that holds is collapsed. */
function renderAssertions(assertions: readonly HtmlAssertion[]): string {
  if (assertions.length === 0) return '<p class="empty">No assertions were evaluated.</p>';
  const groups = new Map<string, HtmlAssertion[]>();
  for (const a of assertions) {
    const key = assertionGroup(a.name);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const item = (a: HtmlAssertion): string =>
    `<li class="assertion ${a.passed ? 'pass' : 'fail'}"><span class="mark">${a.passed ? '✔ pass' : '✘ fail'}</span> ${escapeHtml(a.name)}${a.detail ? `<div class="detail">${escapeHtml(a.detail)}</div>` : ''}</li>`;
  return [...groups.entries()]
    .map(([key, list]) => {
      const failed = list.filter((a) => !a.passed).length;
      const verdict = failed ? `${failed} of ${list.length} failed` : `all ${list.length} hold`;
      return `<details class="assertion-group ${failed ? 'fail' : 'pass'}"${failed ? ' open' : ''}><summary><span class="mark">${failed ? '✘' : '✔'}</span> ${escapeHtml(key)} — ${verdict}</summary><ul class="assertions">${list.map(item).join('')}</ul></details>`;
    })
    .join('\n');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 4px}code{font:12px ui-monospace,Menlo,Consolas,monospace}
.subtitle{color:#555;margin:0 0 12px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;margin-left:8px;font-size:14px;vertical-align:middle}
.verdict.pass{background:#1a7f37}.verdict.fail{background:#cf222e}
.summary,.legend{margin:4px 0;color:#333}.legend-item{margin-right:14px;white-space:nowrap}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:baseline}
.critical-key{display:inline-block;width:18px;height:3px;background:#111;margin-right:4px;vertical-align:middle}
.scroll{overflow-x:auto;border:1px solid #ddd;border-radius:6px}
svg.waterfall{display:block;font-size:12px}
.tick{stroke:#e5e5e5}.tick-label{fill:#777;font-size:11px}
.row-bg{fill:transparent}.span:hover .row-bg,.span:focus .row-bg,.span.selected .row-bg{fill:#f3f6fb}
.span{cursor:pointer;outline:none}.label{fill:#1d1d1f}.op{fill:#444}.duration{fill:#444;font-size:11px}
.bar{opacity:.9}.critical .bar{opacity:1}.critical-segment{fill:#111}
.error .bar{stroke:#cf222e;stroke-width:2;fill-opacity:.55}.error-text{fill:#cf222e;color:#cf222e;font-weight:600}
.bottleneck .duration{font-weight:700;fill:#111}.peer{fill:#555}.peer.lost{fill:#cf222e;font-weight:600}.orphan-mark{fill:#cf222e}
.assertions{list-style:none;padding:0}.assertion{padding:6px 8px;border-left:4px solid;margin:4px 0;background:#fafafa}
.assertion.pass{border-color:#1a7f37}.assertion.fail{border-color:#cf222e;background:#fff5f5}
.assertion .mark{font-weight:700;margin-right:6px}.assertion.pass .mark{color:#1a7f37}.assertion.fail .mark{color:#cf222e}
.detail{color:#555;margin-top:2px;font-size:13px;white-space:pre-wrap}
.diagnosis{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px}
.inspector{margin-top:8px}.details{border-collapse:collapse;font-size:12px;min-width:520px}
.details caption{text-align:left;font-weight:600;padding:4px 0}.details th,.details td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.details th[scope=row]{background:#f6f8fa;font-weight:500}.details tr.section th{background:#eaeef2}.details td.type{color:#777;font-size:11px}
.type-int code,.type-double code{color:#0550ae}.type-bool code{color:#8250df}.type-string code{color:#0a3069}.type-redacted code{color:#cf222e}
.kind{fill:#777;font-size:10px}.toggle{fill:#555;cursor:pointer;font-size:12px}.collapsed .toggle{fill:#0550ae}
.assertion-group{margin:6px 0;border:1px solid #ddd;border-radius:6px;padding:4px 10px}.assertion-group.fail{border-color:#cf222e}
.assertion-group summary{cursor:pointer;font-weight:600}.assertion-group.pass>summary .mark{color:#1a7f37}.assertion-group.fail>summary .mark{color:#cf222e}
.note{margin:2px 0;color:#9a6700;font-weight:600}.empty{color:#777}footer{margin-top:32px;color:#777;font-size:12px}
`;

// Click (or Enter on) a bar: show that span's details table. Click a row's ▾: hide (or show again)
// the spans under it and restack the rows that stay visible.
const SCRIPT = `
document.querySelectorAll('section.trace').forEach(function (section) {
  var svg = section.querySelector('svg.waterfall');
  var rows = Array.prototype.slice.call(section.querySelectorAll('g.span'));
  var byId = {};
  rows.forEach(function (g) { byId[g.getAttribute('data-span-id')] = g; });
  function show(g) {
    section.querySelectorAll('.span.selected').forEach(function (s) { s.classList.remove('selected'); });
    g.classList.add('selected');
    section.querySelectorAll('.span-detail').forEach(function (d) { d.hidden = d.getAttribute('data-span-id') !== g.getAttribute('data-span-id'); });
  }
  function hiddenByAncestor(g) {
    for (var p = byId[g.getAttribute('data-parent-id')]; p; p = byId[p.getAttribute('data-parent-id')]) {
      if (p.classList.contains('collapsed')) return true;
    }
    return false;
  }
  function restack() {
    var y = ${AXIS_HEIGHT};
    rows.forEach(function (g) {
      var hide = hiddenByAncestor(g);
      g.style.display = hide ? 'none' : '';
      if (!hide) { g.setAttribute('transform', 'translate(0,' + y + ')'); y += ${ROW_HEIGHT}; }
    });
    var height = y + 8;
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + svg.getAttribute('width') + ' ' + height);
  }
  rows.forEach(function (g) {
    var toggle = g.querySelector('.toggle');
    if (toggle) toggle.addEventListener('click', function (e) {
      e.stopPropagation();
      var collapsed = g.classList.toggle('collapsed');
      toggle.textContent = collapsed ? '▸' : '▾';
      toggle.setAttribute('aria-expanded', String(!collapsed));
      restack();
    });
    g.addEventListener('click', function () { show(g); });
    g.addEventListener('keydown', function (e) { if (e.key === 'Enter') show(g); });
  });
});
`;

/** Renders the whole report as one HTML document. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const services: string[] = [];
  const colourOf = (service: string): string => {
    if (!services.includes(service)) services.push(service);
    return SERVICE_COLOURS[services.indexOf(service) % SERVICE_COLOURS.length]!;
  };
  // Assign colours in order of first appearance across all traces, so a service keeps its colour.
  for (const trace of input.traces) for (const row of treeRows(trace)) colourOf(row.span.service);
  const passedCount = input.assertions.filter((a) => a.passed).length;
  const diagnoses = input.diagnoses ?? [];
  const generated = (input.generatedAt ?? new Date()).toISOString();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(input.title)}<span class="verdict ${input.passed ? 'pass' : 'fail'}">${input.passed ? 'PASSED' : 'FAILED'}</span></h1>
${input.subtitle ? `<p class="subtitle">${escapeHtml(input.subtitle)}</p>` : ''}
${diagnoses.length > 0 ? `<div class="diagnosis"><strong>Diagnosis</strong><ul>${diagnoses.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul></div>` : ''}
${input.traces.length === 0 ? '<p class="empty">No trace was received.</p>' : input.traces.map((t, i) => renderTrace(t, i, colourOf, input.bottleneckSpanIds?.[t.traceId], input.traceNotes?.[t.traceId])).join('\n')}
<h2>Assertions <small>(${passedCount}/${input.assertions.length} passed)</small></h2>
${renderAssertions(input.assertions)}
<footer>Generated by meshtrace at ${escapeHtml(generated)}. Click a bar to see the span's attributes, ▾ to collapse the spans under it.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
