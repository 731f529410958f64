// Keyboard journeys: what a person does with the keyboard alone, once with
// JavaScript on and once with it off (ACCESSIBILITY.md 13, 14).

import { probe } from './inpage.mjs';
import { SEARCH_WORD } from './pages.mjs';

class JourneyFailure extends Error {}

const info = (page) => page.evaluate(probe, { kind: 'active' });

async function tabUntil(page, predicate, what, cap = 120) {
  for (let i = 0; i < cap; i++) {
    await page.keyboard.press('Tab');
    const a = await info(page);
    if (predicate(a)) return a;
  }
  throw new JourneyFailure(`Tab did not reach ${what} within ${cap} presses`);
}

// Presses a key and waits for the URL to satisfy test(url); a clear
// failure, not a timeout stack, when it does not.
async function pressAndWait(page, key, test, what, timeout = 8000) {
  const waiting = page.waitForURL((u) => test(new URL(u)), { timeout, waitUntil: 'load' }).then(
    () => true,
    () => false,
  );
  await page.keyboard.press(key);
  if (!(await waiting)) throw new JourneyFailure(`${what} (now at ${page.url()})`);
}

async function withPage(browser, { js, viewport = { width: 1280, height: 900 } }, fn) {
  const context = await browser.newContext({ javaScriptEnabled: js, viewport });
  const page = await context.newPage();
  const steps = [];
  try {
    await fn(page, context, steps);
    return { failures: [], steps };
  } catch (err) {
    if (err instanceof JourneyFailure) return { failures: [err.message], steps };
    return { failures: [`error: ${err.message.split('\n')[0]}`], steps };
  } finally {
    await context.close();
  }
}

// From /: Tab to the search box, type 意外, Enter; Tab to the first result's
// link, Enter; back; tick two results with Space; activate 对比选中的产品
// with the keyboard; the compare table has exactly those two columns.
export function searchCompareJourney(browser, baseUrl, { js }) {
  return withPage(browser, { js }, async (page, _context, steps) => {
    const res = await page.goto(new URL('/', baseUrl).href);
    if (!res || res.status() !== 200) throw new JourneyFailure(`GET / answered ${res ? res.status() : 'nothing'}`);
    await tabUntil(page, (a) => a.tag === 'input' && a.id === 'q' && a.name === 'q', 'the search box input#q');
    steps.push('Tab to the search box');
    await page.keyboard.type(SEARCH_WORD);
    await pressAndWait(page, 'Enter', (u) => u.pathname === '/search', 'Enter in the search box did not open /search');
    const q = new URL(page.url()).searchParams.get('q');
    if (q !== SEARCH_WORD) throw new JourneyFailure(`the search page got q=${q}, not ${SEARCH_WORD}`);
    steps.push(`typed ${SEARCH_WORD}, Enter: ${page.url()}`);
    const names = await page.evaluate(probe, { kind: 'result-names' });
    if (names.length < 2) throw new JourneyFailure(`the results page lists ${names.length} results; the journey needs 2`);

    const link = await tabUntil(page, (a) => a.tag === 'a' && a.inCardHeading && a.cardIndex === 0, "the first result's link");
    await pressAndWait(page, 'Enter', (u) => u.pathname === link.href, `Enter on the first result did not open ${link.href}`);
    steps.push(`Enter on the first result: ${page.url()}`);
    await page.goBack({ waitUntil: 'load' });
    if (new URL(page.url()).pathname !== '/search') throw new JourneyFailure(`Back went to ${page.url()}, not the results`);
    steps.push('Back to the results');

    const picked = [];
    for (const index of [0, 1]) {
      const box = await tabUntil(
        page,
        (a) => a.tag === 'input' && a.type === 'checkbox' && a.name === 'p' && a.cardIndex === index,
        `the checkbox of result ${index + 1}`,
      );
      await page.keyboard.press('Space');
      const after = await info(page);
      if (!after.checked) throw new JourneyFailure(`Space did not tick the checkbox of result ${index + 1}`);
      picked.push(box.value);
    }
    steps.push(`ticked ${picked.join(', ')} with Space`);
    await tabUntil(
      page,
      (a) => (a.tag === 'button' || (a.tag === 'input' && a.type === 'submit')) && (a.text || a.value || '').includes('对比选中的产品'),
      'the 对比选中的产品 button',
    );
    await pressAndWait(page, 'Enter', (u) => u.pathname === '/compare', 'Enter on 对比选中的产品 did not open /compare');
    const ps = new URL(page.url()).searchParams.getAll('p');
    if (ps.length !== 2 || !picked.every((p) => ps.includes(p))) throw new JourneyFailure(`the compare page got p=${ps.join(',')}, not ${picked.join(',')}`);
    const cols = await page.evaluate(probe, { kind: 'compare-columns' });
    if (!cols) throw new JourneyFailure('the compare page has no table.compare');
    if (cols.count !== 2) throw new JourneyFailure(`table.compare has ${cols.count} product columns, not 2`);
    for (const name of names.slice(0, 2)) {
      if (!cols.names.some((n) => n.includes(name))) throw new JourneyFailure(`the compare table's column headers (${cols.names.join(' | ')}) do not name ${name}`);
    }
    steps.push(`compare: ${cols.names.join(' | ')}`);
  });
}

function displayCookie(cookies) {
  const c = cookies.find((k) => k.name === 'puhui_display');
  return c ? decodeURIComponent(c.value) : null;
}

// On /settings: Tab to the 长辈版 checkbox, Space, Tab to 保存设置, Enter; the
// answer sets the cookie puhui_display with elder and the page comes back in
// 长辈版 (main text at least 24 px and bigger than before). Then the header's
// /settings form, submitted by keyboard, comes back to the same page and
// changes the cookie.
export function elderSwitchJourney(browser, baseUrl, { js }) {
  return withPage(browser, { js }, async (page, context, steps) => {
    const res = await page.goto(new URL('/settings', baseUrl).href);
    if (!res || res.status() !== 200) throw new JourneyFailure(`GET /settings answered ${res ? res.status() : 'nothing'}`);
    const before = await page.evaluate(probe, { kind: 'body-font-size' });
    const box = await tabUntil(page, (a) => a.tag === 'input' && a.type === 'checkbox' && a.name === 'elder', 'the 长辈版 checkbox (name=elder)');
    if (box.checked) throw new JourneyFailure('the 长辈版 checkbox is ticked before anything was chosen');
    await page.keyboard.press('Space');
    if (!(await info(page)).checked) throw new JourneyFailure('Space did not tick the 长辈版 checkbox');
    await tabUntil(page, (a) => (a.tag === 'button' || a.type === 'submit') && (a.text || a.value || '').includes('保存设置'), 'the 保存设置 button');
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/settings', { timeout: 8000 }).catch(() => null);
    const loaded = page.waitForNavigation({ waitUntil: 'load', timeout: 8000 }).catch(() => null);
    await page.keyboard.press('Enter');
    const post = await answered;
    await loaded;
    if (!post) throw new JourneyFailure('Enter on 保存设置 sent no POST to /settings');
    if (post.status() !== 303) throw new JourneyFailure(`POST /settings answered ${post.status()}, not 303`);
    const cookie = displayCookie(await context.cookies(baseUrl));
    if (!cookie || !cookie.split(',').includes('elder')) throw new JourneyFailure(`after 保存设置 the cookie puhui_display is ${cookie === null ? 'not set' : `"${cookie}"`}, without elder`);
    steps.push(`cookie puhui_display=${cookie}`);
    const after = await page.evaluate(probe, { kind: 'body-font-size' });
    if (!(after >= 24 - 0.05 && after > before)) throw new JourneyFailure(`after 保存设置 main text is ${after} px (was ${before} px): 长辈版 did not take effect`);
    await page.goto(new URL('/', baseUrl).href);
    const home = await page.evaluate(probe, { kind: 'body-font-size' });
    if (home < 24 - 0.05) throw new JourneyFailure(`with the cookie set, the home page's main text is ${home} px, not 长辈版`);
    steps.push(`main text ${before} px → ${after} px; home ${home} px`);

    // The header form, from the home page.
    await tabUntil(page, (a) => a.tag === 'button' && a.type === 'submit' && a.formAction === '/settings', "the header's /settings button");
    const answered2 = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/settings', { timeout: 8000 }).catch(() => null);
    const loaded2 = page.waitForNavigation({ waitUntil: 'load', timeout: 8000 }).catch(() => null);
    await page.keyboard.press('Enter');
    const post2 = await answered2;
    await loaded2;
    if (!post2) throw new JourneyFailure("Enter on the header's /settings button sent no POST to /settings");
    if (new URL(page.url()).pathname !== '/') throw new JourneyFailure(`the header's /settings form came back to ${page.url()}, not / (return_to)`);
    const cookie2 = displayCookie(await context.cookies(baseUrl));
    if (cookie2 === cookie) throw new JourneyFailure(`the header's /settings form left the cookie puhui_display at "${cookie}"`);
    steps.push(`header form: back on /, cookie puhui_display=${cookie2}`);
  });
}
