// One full browser run against a base URL: discover the pages, check every
// page type in every mode at every width, run the keyboard journeys, save
// screenshots and HTML, and validate the HTML with vnu. Results go to the
// reporter; nothing here decides the exit code.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  axeCheck,
  contractCheck,
  focusWalk,
  fontSizeCheck,
  lineHeightCheck,
  reflowCheck,
  skipLinkCheck,
  targetSizeCheck,
  textSpacingCheck,
} from './checks.mjs';
import { elderSwitchJourney, searchCompareJourney } from './journeys.mjs';
import { probe } from './inpage.mjs';
import { discoverPages } from './pages.mjs';
import { runVnu } from './vnu.mjs';

// Display modes are the values of the cookie puhui_display; "normal" is no
// cookie. A mode may combine them with "+": "elder+contrast".
export const MODES = { normal: null, elder: 'elder', contrast: 'contrast', spacing: 'spacing' };

export function parseMode(mode) {
  const parts = mode.split('+');
  if (!parts.every((p) => p in MODES) || (parts.includes('normal') && parts.length > 1)) return null;
  const values = parts.map((p) => MODES[p]).filter(Boolean);
  return { cookie: values.length ? values.join(',') : null, elder: parts.includes('elder') };
}

export const ALL_CHECKS = [
  'discover',
  'status',
  'contract',
  'axe',
  'font-size',
  'line-height',
  'target-size',
  'reflow-320',
  'text-spacing',
  'skip-link',
  'focus-visible',
  'keyboard',
  'journey-js',
  'journey-nojs',
  'elder-switch-js',
  'elder-switch-nojs',
  'html-valid',
];

// Runs fn(state, item) over items with n workers; each worker makes its
// state with init() and ends it with done(state).
export async function pool(items, n, init, fn, done) {
  let next = 0;
  const worker = async () => {
    const state = await init();
    try {
      while (next < items.length) {
        const item = items[next++];
        await fn(state, item);
      }
    } finally {
      await done(state);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

const heightFor = (width) => (width < 600 ? 740 : 900);

// A check that hangs must not hang the run: past its time it fails, and
// the page it ran on is given up (checkPage stops, the worker makes a new
// one).
export class CheckTimeout extends Error {}
export const CHECK_TIMEOUT_MS = 120000;

async function timed(reporter, base, fn, timeoutMs = CHECK_TIMEOUT_MS) {
  const t0 = Date.now();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const r = (await Promise.race([fn(), timeout])) || {};
    return reporter.record({ ...base, ...r, ms: Date.now() - t0 });
  } catch (err) {
    if (err instanceof CheckTimeout) {
      reporter.record({ ...base, ok: false, failures: [err.message], ms: Date.now() - t0 });
      throw err;
    }
    return reporter.error({ ...base, ms: Date.now() - t0 }, err);
  } finally {
    clearTimeout(timer);
  }
}

async function newModeContext(browser, baseUrl, mode, js = true) {
  const context = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const { cookie } = parseMode(mode);
  if (cookie) await context.addCookies([{ name: 'puhui_display', value: cookie, url: baseUrl }]);
  return context;
}

// All checks of one page in one mode, with the page's JavaScript on or off
// (js). Returns the file its served HTML was saved to, if saveHtml (once
// per page and mode: the HTML the server sends does not depend on it).
// alsoWithJs: the same page is checked with JavaScript on as well.
async function checkPage(page, info, { baseUrl, mode, js, scriptsOff, saveHtml, alsoWithJs, widths, reporter, dirs, screenshots, skip }) {
  const url = new URL(info.path, baseUrl).href;
  const { elder } = parseMode(mode);
  const base = { page: info.type, mode, path: info.path, ...(js ? {} : { js: false }) };
  const tag = `${info.type}--${mode}${js ? '' : '--nojs'}`;
  const want = (check) => !skip.has(check);
  let htmlFile = null;
  if (!js) {
    // A page without <script> and <noscript> is the same page with its
    // JavaScript on or off: its JavaScript-on results stand for both.
    await page.goto(url, { waitUntil: 'load' });
    const scripted = await page.evaluate(() => document.querySelectorAll('script, noscript').length);
    if (!scripted && alsoWithJs) {
      reporter.note(`${info.type} ${mode}: no <script> or <noscript>, so JavaScript off changes nothing; checked with it on`);
      return null;
    }
  }
  for (const [i, width] of widths.entries()) {
    await page.setViewportSize({ width, height: heightFor(width) });
    const res = await page.goto(url, { waitUntil: 'load' });
    const at = { ...base, width };
    if (i === 0) {
      if (want('status'))
        await timed(reporter, { ...base, check: 'status' }, async () => {
          const type = (res && res.headers()['content-type']) || '';
          const failures = [];
          if (!res) failures.push('no response');
          else if (res.status() !== info.status) failures.push(`${info.path} answered ${res.status()}, expected ${info.status}`);
          if (res && !type.startsWith('text/html')) failures.push(`Content-Type ${type}, expected text/html`);
          return { failures, summary: res ? `${res.status()}` : '' };
        });
      if (res && saveHtml) {
        htmlFile = join(dirs.html, `${tag}.html`);
        writeFileSync(htmlFile, await res.body());
      }
      if (want('contract')) await timed(reporter, { ...base, check: 'contract' }, () => contractCheck(page, info.type));
    }
    if (screenshots) {
      try {
        await page.screenshot({ path: join(dirs.screens, `${tag}--${width}.png`), fullPage: true, animations: 'disabled' });
      } catch (err) {
        reporter.error({ ...at, check: 'screenshot' }, err);
      }
    }
    // What a closed <details> holds is read too once opened: measure with
    // every <details> open (the screenshot above shows the page as served).
    await page.evaluate(probe, { kind: 'open-details' });
    if (want('axe')) await timed(reporter, { ...at, check: 'axe' }, () => axeCheck(page, { scriptsOff }));
    if (want('font-size')) await timed(reporter, { ...at, check: 'font-size' }, () => fontSizeCheck(page, { elder }));
    if (want('line-height')) await timed(reporter, { ...at, check: 'line-height' }, () => lineHeightCheck(page));
    if (want('target-size')) await timed(reporter, { ...at, check: 'target-size' }, () => targetSizeCheck(page, { elder }));
    if (want('skip-link'))
      await timed(reporter, { ...at, check: 'skip-link' }, async () => {
        await page.goto(url, { waitUntil: 'load' });
        return skipLinkCheck(page);
      });
    if (want('focus-visible') || want('keyboard')) {
      let walk = null;
      await timed(reporter, { ...at, check: want('focus-visible') ? 'focus-visible' : 'keyboard' }, async () => {
        await page.goto(url, { waitUntil: 'load' });
        walk = await focusWalk(page);
        return want('focus-visible') ? walk.focus : walk.keyboard;
      });
      if (walk && want('focus-visible') && want('keyboard')) reporter.record({ ...at, check: 'keyboard', ...walk.keyboard });
    }
  }
  // 320 CSS px: a small phone, and 1280 px at 400 % zoom (WCAG 1.4.10).
  await page.setViewportSize({ width: 320, height: 640 });
  if (want('reflow-320'))
    await timed(reporter, { ...base, width: 320, check: 'reflow-320' }, async () => {
      await page.goto(url, { waitUntil: 'load' });
      const closed = await reflowCheck(page);
      if (closed.failures.length) return closed;
      const opened = await page.evaluate(probe, { kind: 'open-details' });
      if (!opened) return closed;
      const open = await reflowCheck(page);
      return { failures: open.failures.map((f) => `with every <details> open: ${f}`), summary: `${closed.summary}; ${opened} <details> opened: ${open.summary}` };
    });
  if (want('text-spacing'))
    await timed(reporter, { ...base, width: 320, check: 'text-spacing' }, async () => {
      await page.goto(url, { waitUntil: 'load' });
      await page.evaluate(probe, { kind: 'open-details' });
      return textSpacingCheck(page);
    });
  return htmlFile;
}

// options: baseUrl, browser, reporter, artifactsDir, only (page types or
// null), modes, pageJs ([true], [false] or [true, false]: the pages'
// JavaScript during the page checks), widths, journeys, vnu, screenshots,
// skip (check names), workers (browser pages checked at once)
export async function runSuite(options) {
  const {
    baseUrl,
    browser,
    reporter,
    artifactsDir,
    only = null,
    modes = ['normal', 'elder'],
    pageJs = [true, false],
    widths = [1280, 360],
    journeys = true,
    vnu = true,
    screenshots = true,
    skip = new Set(),
    workers = 2,
  } = options;
  const dirs = { html: join(artifactsDir, 'html'), screens: join(artifactsDir, 'screenshots') };
  mkdirSync(dirs.html, { recursive: true });
  mkdirSync(dirs.screens, { recursive: true });

  const discoveryContext = await newModeContext(browser, baseUrl, 'normal');
  const found = await discoverPages(baseUrl, await discoveryContext.newPage(), only);
  await discoveryContext.close();
  if (!skip.has('discover'))
    reporter.record({
      check: 'discover',
      page: 'site',
      failures: found.failures,
      summary: `${found.pages.length} pages: regs ${found.found.regs.join(', ') || '-'}, insurer ${found.found.insurer || '-'}, ${[found.found.category, found.found.group, found.found.region].filter(Boolean).join(', ')}`,
    });

  // Pages in every mode, spread over `workers` browser pages at once; each
  // worker keeps one context per mode (the mode is a cookie).
  const htmlFiles = [];
  const tasks = pageJs.flatMap((js) => modes.flatMap((mode) => found.pages.map((info) => ({ mode, js, info }))));
  await pool(tasks, workers, async () => new Map(), async (contexts, { mode, js, info }) => {
    const key = `${mode}/${js}`;
    if (!contexts.has(key)) {
      // JavaScript off: see axeCheck in checks.mjs for why not
      // javaScriptEnabled: false.
      const context = await newModeContext(browser, baseUrl, mode, true);
      const page = await context.newPage();
      let scriptsOff = null;
      if (!js) {
        scriptsOff = await context.newCDPSession(page);
        await scriptsOff.send('Emulation.setScriptExecutionDisabled', { value: true });
      }
      contexts.set(key, { context, page, scriptsOff });
    }
    const { page, scriptsOff } = contexts.get(key);
    try {
      const file = await checkPage(page, info, { baseUrl, mode, js, scriptsOff, saveHtml: js === pageJs[0], alsoWithJs: pageJs.includes(true), widths, reporter, dirs, screenshots, skip });
      if (file) htmlFiles.push({ file, page: info.type, mode, path: info.path });
    } catch (err) {
      if (!(err instanceof CheckTimeout)) reporter.error({ check: 'page', page: info.type, mode, path: info.path, ...(js ? {} : { js: false }) }, err);
      // Start the next page type on a fresh context.
      await contexts.get(key).context.close().catch(() => {});
      contexts.delete(key);
    }
  }, async (contexts) => {
    for (const { context } of contexts.values()) await context.close();
  });
  htmlFiles.sort((a, b) => tasks.findIndex((t) => t.info.type === a.page && t.mode === a.mode) - tasks.findIndex((t) => t.info.type === b.page && t.mode === b.mode));

  if (journeys) {
    const runs = [];
    for (const js of [true, false]) {
      const tag = js ? 'js' : 'nojs';
      if (!skip.has(`journey-${tag}`)) runs.push([{ check: `journey-${tag}`, page: 'journey', js }, () => searchCompareJourney(browser, baseUrl, { js })]);
      if (!skip.has(`elder-switch-${tag}`)) runs.push([{ check: `elder-switch-${tag}`, page: 'journey', js }, () => elderSwitchJourney(browser, baseUrl, { js })]);
    }
    await pool(runs, workers, async () => null, async (_, [base, fn]) => timed(reporter, base, fn).catch(() => {}), async () => {});
  }

  if (vnu && !skip.has('html-valid') && htmlFiles.length) await validate(htmlFiles, reporter);
  return { pages: found.pages, htmlFiles };
}

// One vnu run for many files (the JVM starts once); one result per file.
export async function validate(htmlFiles, reporter, extra = {}) {
  const t0 = Date.now();
  let byFile;
  try {
    byFile = await runVnu(htmlFiles.map((h) => h.file));
  } catch (err) {
    for (const h of htmlFiles) reporter.error({ check: 'html-valid', page: h.page, mode: h.mode, path: h.path, ...extra }, err);
    return;
  }
  const ms = Date.now() - t0;
  for (const h of htmlFiles) {
    const errors = byFile.get(resolve(h.file)) || [`vnu reported nothing about ${h.file}`];
    reporter.record({ check: 'html-valid', page: h.page, mode: h.mode, path: h.path, file: h.file, failures: errors, ms, ...extra, summary: `vnu: ${errors.length} errors` });
  }
}
