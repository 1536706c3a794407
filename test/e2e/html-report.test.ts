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

describe('HTML report in headless Chromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshtrace-html-report-'));
  });
  afterAll(async () => {
    // The screenshot stays for people to look at; only the HTML is removed.
    await rm(join(dir, 'report.html'), { force: true });
  });

  test('renders one bar per span with service labels, marks, and a screenshot', async () => {
    // GIVEN a report of the Bookinfo trace (ratings slow and failing) written to disk
    const trace = bookinfoTrace({ ratingsError: true });
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtmlReport({ title: 'meshtrace demo', subtitle: 'npx meshtrace demo --html report.html', passed: false, traces: [trace], assertions: [{ name: 'edge → productpage', passed: true }, { name: 'no error spans', passed: false, detail: 'ratings GET / has status error' }] }));

    // WHEN Chromium (fresh profile, offline) opens it
    const opened = await openInChromium(file);
    try {
      const { page } = opened;
      const screenshot = join(dir, 'report.png');
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

      // WHEN a bar is clicked THEN its attributes are shown
      await page.locator('g.span.bottleneck').click();
      await expect(page.locator('.inspector').textContent()).resolves.toContain('"service": "ratings"');

      // no script error, and nothing but the file itself was requested (self-contained)
      expect(opened.pageErrors).toEqual([]);
      expect(opened.externalRequests).toEqual([]);
    } finally {
      await opened.close();
    }
  }, 60000);
});
