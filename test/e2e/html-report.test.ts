/**
 * The HTML report in a real browser: Debian's headless Chromium loads the file (offline, from
 * disk), a screenshot is taken, and the rendered DOM is checked: one bar per span, each labelled
 * with its service, the bottleneck and error marks visible, and click-to-inspect working.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderHtmlReport } from '../../src/report-html/render-html';
import { bookinfoTrace } from '../report-html/bookinfo-trace';

/** CI installs Debian's chromium (.ci/run); the path can be overridden for other machines. */
const CHROMIUM = process.env.MESHTRACE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('HTML report in headless Chromium', () => {
  let dir: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`apt-get install -y chromium\` (CI's .ci/run does) or set MESHTRACE_CHROMIUM`);
    dir = await mkdtemp(join(tmpdir(), 'meshtrace-html-report-'));
  });

  afterAll(async () => {
    await browser?.close();
    await rm(join(dir, 'profile'), { recursive: true, force: true });
  });

  test('renders one bar per span with service labels, marks, and a screenshot', async () => {
    // GIVEN a report of the Bookinfo trace (ratings slow and failing) written to disk
    const trace = bookinfoTrace({ ratingsError: true });
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtmlReport({ title: 'meshtrace demo', subtitle: 'npx meshtrace demo --html report.html', passed: false, traces: [trace], assertions: [{ name: 'edge → productpage', passed: true }, { name: 'no error spans', passed: false, detail: 'ratings GET / has status error' }] }));

    // WHEN Chromium (fresh profile, no network) opens it
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, offline: true, viewport: { width: 1300, height: 700 } });
    browser = context.browser() ?? undefined;
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(pathToFileURL(file).href);
      const screenshot = join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      process.stderr.write(`html report screenshot: ${screenshot}\n`);

      // THEN one visible bar per span, labelled with the span's service
      const bars = page.locator('svg.waterfall g.span');
      expect(await bars.count()).toBe(trace.spans.length);
      const rendered = await bars.evaluateAll((gs) =>
        gs.map((g) => {
          const bar = g.querySelector('rect.bar')!.getBoundingClientRect();
          return { service: g.querySelector('.service-label')!.textContent, width: bar.width, height: bar.height, fill: g.querySelector('rect.bar')!.getAttribute('fill') ?? '' };
        }),
      );
      expect(rendered.map((r) => r.service).sort()).toEqual(trace.spans.map((s) => s.service).sort());
      expect(rendered.every((r) => r.width >= 2 && r.height > 0)).toBe(true);
      // one colour per service
      const colourByService = new Map<string, Set<string>>();
      for (const r of rendered) colourByService.set(r.service!, (colourByService.get(r.service!) ?? new Set()).add(r.fill));
      expect([...colourByService.values()].every((c) => c.size === 1)).toBe(true);
      expect(new Set([...colourByService.values()].map((c) => [...c][0])).size).toBe(5);
      // the bottleneck (ratings) and the error are marked in the rendered text
      await expect(page.locator('g.span.bottleneck .service-label').textContent()).resolves.toBe('ratings');
      await expect(page.locator('g.span.error text.duration').textContent()).resolves.toContain('⚠ error');
      expect(await page.locator('rect.critical-segment').count()).toBeGreaterThan(0);
      await expect(page.locator('li.assertion.fail').textContent()).resolves.toContain('no error spans');

      // WHEN a bar is clicked THEN its attributes are shown
      await page.locator('g.span.bottleneck').click();
      await expect(page.locator('.inspector').textContent()).resolves.toContain('"service": "ratings"');

      // no script error, and nothing but the file itself was requested (self-contained)
      expect(pageErrors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60000);
});
