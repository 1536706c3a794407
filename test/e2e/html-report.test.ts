/**
 * The HTML report in a real browser: Debian's headless Chromium loads the file (offline, from
 * disk), a screenshot is taken, and the rendered DOM is checked: one bar per span, each labelled
 * with its service, the bottleneck and error marks visible, and click-to-inspect working.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtmlReport } from '../../src/report-html/render-html';
import { bookinfoTrace } from '../report-html/bookinfo-trace';
import { openInChromium, renderedBars } from '../report-html/chromium';
import { keptFilePath } from '../support/kept-file';

describe('HTML report in headless Chromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshtrace-html-report-'));
  });
  afterAll(async () => {
    // The screenshots stay for people to look at (keptFilePath); the HTML goes.
    await rm(dir, { recursive: true, force: true });
  });

  test('renders one bar per span with service labels, marks, and a screenshot', async () => {
    // GIVEN a report of the Bookinfo trace (ratings slow and failing) written to disk
    const trace = bookinfoTrace({ ratingsError: true });
    const file = join(dir, 'report.html');
    await writeFile(
      file,
      renderHtmlReport({
        title: 'meshtrace demo',
        subtitle: 'npx meshtrace demo --html report.html',
        passed: false,
        traces: [trace],
        assertions: [
          { name: 'edge → productpage', passed: true },
          { name: 'no error spans', passed: false, detail: 'ratings GET / has status error' },
          { name: 'edge: http.response.status_code = 200', passed: true },
        ],
      }),
    );

    // WHEN Chromium (fresh profile, offline) opens it
    const opened = await openInChromium(file);
    try {
      const { page } = opened;
      const screenshot = keptFilePath('html-report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      process.stderr.write(`html report screenshot: ${screenshot}\n`);

      // THEN one visible bar per span, labelled with the span's service
      const rendered = await renderedBars(page);
      expect(rendered).toHaveLength(trace.spans.length);
      expect(rendered.map((r) => r.service).sort()).toEqual(trace.spans.map((s) => s.service).sort());
      expect(rendered.every((r) => r.width >= 2 && r.height > 0)).toBe(true);
      // one colour per service, five services
      const colourByService = new Map<string, Set<string>>();
      for (const r of rendered) colourByService.set(r.service, (colourByService.get(r.service) ?? new Set()).add(r.fill));
      expect([...colourByService.values()].every((c) => c.size === 1)).toBe(true);
      expect(new Set([...colourByService.values()].map((c) => [...c][0])).size).toBe(5);
      // the bottleneck (ratings) and the error are marked in the rendered text
      await expect(page.locator('g.span.bottleneck .service-label').textContent()).resolves.toBe('ratings');
      await expect(page.locator('g.span.error text.duration').textContent()).resolves.toContain('⚠ error');
      expect(await page.locator('rect.critical-segment').count()).toBeGreaterThan(0);
      await expect(page.locator('li.assertion.fail').textContent()).resolves.toContain('no error spans');

      // WHEN a bar is clicked THEN its details table is shown (and only its), values with their types
      await page.locator('g.span.bottleneck').click();
      const shown = page.locator('.span-detail:not([hidden])');
      expect(await shown.count()).toBe(1);
      await expect(shown.locator('caption').textContent()).resolves.toBe('ratings GET /');
      await expect(shown.locator('tr', { hasText: 'http.request.method' }).locator('td.type').textContent()).resolves.toBe('string');
      await expect(shown.locator('tr', { hasText: 'kind' }).first().locator('td').textContent()).resolves.toBe('server');

      // WHEN productpage's server row is collapsed THEN every span under it disappears and the rows restack
      const productpage = page.locator('g.span[data-service="productpage"][data-kind="server"]');
      const rowsBefore = await page.locator('g.span:visible').count();
      const svgHeightBefore = Number(await page.locator('svg.waterfall').getAttribute('height'));
      await productpage.locator('.toggle').click();
      await expect(productpage.locator('.toggle').getAttribute('aria-expanded')).resolves.toBe('false');
      expect(await page.locator('g.span:visible').count()).toBe(rowsBefore - 6);
      expect(await page.locator('g.span[data-service="ratings"]').isVisible()).toBe(false);
      expect(Number(await page.locator('svg.waterfall').getAttribute('height'))).toBeLessThan(svgHeightBefore);
      const collapsedShot = keptFilePath('html-report-collapsed.png');
      await page.screenshot({ path: collapsedShot, fullPage: true });
      process.stderr.write(`html report screenshot (productpage collapsed): ${collapsedShot}\n`);
      // AND expanding brings them back
      await productpage.locator('.toggle').click();
      expect(await page.locator('g.span:visible').count()).toBe(rowsBefore);

      // the assertion group that holds is collapsed, the failing one open
      expect(await page.locator('details.assertion-group.pass').getAttribute('open')).toBeNull();
      expect(await page.locator('details.assertion-group.fail').getAttribute('open')).toBe('');
      expect(await page.locator('details.assertion-group.pass li.assertion').isVisible()).toBe(false);

      // no script error, and nothing but the file itself was requested (self-contained)
      expect(opened.pageErrors).toEqual([]);
      expect(opened.externalRequests).toEqual([]);
    } finally {
      await opened.close();
    }
  }, 60000);
});
