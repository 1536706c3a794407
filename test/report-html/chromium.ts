/**
 * Test helper: Debian's headless Chromium through playwright-core, with a fresh profile and no
 * network beyond what the page itself asks for (CI installs the package in .ci/run).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MESHTRACE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenedPage {
  readonly page: Page;
  /** URLs the page requested other than the file itself. */
  readonly externalRequests: string[];
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Opens a local HTML file in a fresh headless Chromium (offline). */
export async function openInChromium(file: string): Promise<OpenedPage> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run \`apt-get install -y chromium\` (CI's .ci/run does) or set MESHTRACE_CHROMIUM`);
  const profile = await mkdtemp(join(tmpdir(), 'meshtrace-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      offline: true,
      viewport: { width: 1300, height: 700 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const externalRequests: string[] = [];
    const pageErrors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) externalRequests.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(pathToFileURL(file).href);
    const opened = context;
    return {
      page,
      externalRequests,
      pageErrors,
      close: async () => {
        await opened.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}

/** What the waterfall shows: one entry per bar, with its service label and size. */
export async function renderedBars(
  page: Page,
): Promise<{ service: string; width: number; height: number; fill: string; classes: string }[]> {
  return page.locator('svg.waterfall g.span').evaluateAll((gs) =>
    gs.map((g) => {
      const bar = g.querySelector('rect.bar')!;
      const box = bar.getBoundingClientRect();
      return {
        service: g.querySelector('.service-label')!.textContent ?? '',
        width: box.width,
        height: box.height,
        fill: bar.getAttribute('fill') ?? '',
        classes: g.getAttribute('class') ?? '',
      };
    }),
  );
}
