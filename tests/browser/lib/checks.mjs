// The per-page checks, Node side. Each takes a Playwright page already at
// the right URL and size and returns { failures: [...], ...details }; an
// empty failures list is a pass. The measuring is in inpage.mjs.

import { AxeBuilder } from '@axe-core/playwright';
import { probe } from './inpage.mjs';

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
// Rules outside those tags that the bar adds (ACCESSIBILITY.md 5).
export const AXE_EXTRA_RULES = ['color-contrast-enhanced'];

const run = (page, args) => page.evaluate(probe, args);

function nodeTargets(nodes, n = 3) {
  return nodes
    .slice(0, n)
    .map((node) => node.target.join(' '))
    .join('; ');
}

// axe-core with the bar's tags plus color-contrast-enhanced. Violations
// fail; "incomplete" items (axe could not decide, e.g. text over an image)
// are returned for the report, to be reviewed by a person.
//
// Pages checked with their JavaScript off have it switched off through a
// debugging-protocol session of our own (scriptsOff), not through
// Playwright's javaScriptEnabled: false, under which timers never fire and
// axe.run() would never finish. The same session switches script execution
// back on for the axe run only; the page's own scripts were skipped while it
// loaded and do not run afterwards.
export async function axeCheck(page, { scriptsOff = null } = {}) {
  if (!scriptsOff) return axeRun(page);
  await scriptsOff.send('Emulation.setScriptExecutionDisabled', { value: false });
  try {
    return await axeRun(page);
  } finally {
    await scriptsOff.send('Emulation.setScriptExecutionDisabled', { value: true });
  }
}

async function axeRun(page) {
  const rules = Object.fromEntries(AXE_EXTRA_RULES.map((id) => [id, { enabled: true }]));
  // Legacy mode runs axe.run() in the page itself: the same results for
  // pages without cross-origin frames (the contract has none), about three
  // times faster than runPartial, which opens a blank page per analysis.
  const results = await new AxeBuilder({ page })
    .setLegacyMode(true)
    .options({ runOnly: { type: 'tag', values: AXE_TAGS }, rules, resultTypes: ['violations', 'incomplete'] })
    .analyze();
  const failures = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s): ${nodeTargets(v.nodes)}`,
  );
  const incomplete = results.incomplete.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 10).map((n) => ({ target: n.target.join(' '), why: (n.any || []).concat(n.all || [], n.none || []).map((c) => c.message).filter(Boolean)[0] || '' })),
  }));
  const ran = results.testEngine ? `${results.testEngine.name} ${results.testEngine.version}` : 'axe';
  return {
    failures,
    incomplete,
    summary: `${ran}: ${results.violations.length} violations, ${results.incomplete.length} incomplete${incomplete.length ? ` (${incomplete.map((i) => i.id).join(', ')})` : ''}`,
  };
}

export async function fontSizeCheck(page, { elder }) {
  const r = await run(page, { kind: 'fonts', elder });
  return { failures: r.failures, summary: `${r.count} text nodes` };
}

export async function lineHeightCheck(page) {
  const r = await run(page, { kind: 'line-height' });
  return { failures: r.failures, summary: `${r.count} text nodes` };
}

export async function targetSizeCheck(page, { elder }) {
  const r = await run(page, { kind: 'targets', elder });
  return { failures: r.failures, exempt: r.exempt, summary: `${r.count} targets, ${r.exempt.length} inline links in prose exempt` };
}

export async function reflowCheck(page) {
  const r = await run(page, { kind: 'reflow' });
  const failures = r.failures.concat(r.offenders.map((o) => `  widest: ${o}`));
  return { failures: r.failures.length ? failures : [], summary: `scrollWidth ${r.scrollWidth}, clientWidth ${r.clientWidth}` };
}

// WCAG 1.4.12: with the text-spacing style applied, no text is clipped or
// spills out of its box, and no horizontal scroll appears that was not
// there before (an overflow already there is reflow-320's failure).
export async function textSpacingCheck(page) {
  const before = await run(page, { kind: 'reflow' });
  const applied = await run(page, { kind: 'apply-text-spacing' });
  if (!applied.applied) {
    return { failures: [`could not apply the text-spacing style (letter-spacing ${applied.letterSpacing} at ${applied.fontSize})`] };
  }
  const after = await run(page, { kind: 'reflow' });
  const failures = [];
  if (!before.failures.length && after.failures.length) {
    failures.push(...after.failures.map((f) => `with text spacing: ${f}`), ...after.offenders.map((o) => `  widest: ${o}`));
  }
  failures.push(...(await run(page, { kind: 'clipped' })));
  return { failures, summary: before.failures.length ? 'page already overflows at this width (see reflow-320)' : '' };
}

const SHOT = { type: 'png', animations: 'disabled', caret: 'hide' };

// Tabs through every focusable element (forward, then backward with
// Shift+Tab) and checks that each shows a focus indicator (forward pass) and
// is not hidden under anything such as a sticky header (both passes; a
// sticky header covers what Shift+Tab scrolls up to). The indicator is an
// outline (at least 2 px, 3:1 against what lies behind it) or a box-shadow
// that appears on focus; failing both, a before/after screenshot of the
// element must differ.
//
// The same forward walk gives the `keyboard` result: every visible, enabled
// element in the tab order is reached by Tab, and the walk ends by leaving
// the page, not by going round in a subset (a trap).
export async function focusWalk(page, { cap = 400 } = {}) {
  const failures = [];
  const indicators = {};
  const keyboard = [];
  let forward = 0;
  let backward = 0;
  let ending = '';
  for (const direction of ['forward', 'backward']) {
    const key = direction === 'forward' ? 'Tab' : 'Shift+Tab';
    await run(page, { kind: 'focus-init' });
    let emptySteps = 0;
    let i = 0;
    for (; i < cap; i++) {
      await page.keyboard.press(key);
      const step = await run(page, { kind: 'focus-step', checkIndicator: direction === 'forward' });
      if (step.done) {
        // The first Shift+Tab from an unfocused page may land on the page
        // itself before reaching the last element.
        if (step.reason === 'left the page' && direction === 'backward' && backward === 0 && ++emptySteps < 3) continue;
        if (direction === 'forward') ending = step.reason;
        break;
      }
      if (direction === 'forward') forward++;
      else backward++;
      for (const f of step.failures) if (!failures.includes(f)) failures.push(f);
      if (step.indicator) indicators[step.indicator] = (indicators[step.indicator] || 0) + 1;
      if (step.needPixels) {
        const changed = await pixelsChangeOnFocus(page, step.rect);
        if (changed === null) failures.push(`${step.name}: no visible focus indicator (nothing of it is on screen)`);
        else if (!changed) failures.push(`${step.name}: no visible focus indicator (no outline, no box-shadow, no change on screen)`);
        else indicators['other visible change'] = (indicators['other visible change'] || 0) + 1;
      }
    }
    if (direction === 'forward') {
      if (i === cap) keyboard.push(`Tab went on for ${cap} presses without coming round`);
      const reach = await run(page, { kind: 'focus-unreached' });
      if (reach.unreached.length)
        keyboard.push(
          `Tab never reached ${reach.unreached.length} visible element(s)${ending === 'cycled' ? ' (focus went round in a loop: a keyboard trap?)' : ''}:`,
          ...reach.unreached.slice(0, 8).map((u) => `  ${u}`),
        );
    }
  }
  if (forward === 0) failures.push('Tab reached no element at all');
  return {
    focus: { failures, indicators, summary: `${forward} stops forward, ${backward} backward` },
    keyboard: { failures: keyboard, summary: `${forward} elements reached by Tab, then ${ending || 'stopped'}` },
  };
}

async function pixelsChangeOnFocus(page, rect) {
  const vp = page.viewportSize();
  const pad = 8;
  const x = Math.max(0, Math.floor(rect.x - pad));
  const y = Math.max(0, Math.floor(rect.y - pad));
  const width = Math.min(vp.width, Math.ceil(rect.x + rect.width + pad)) - x;
  const height = Math.min(vp.height, Math.ceil(rect.y + rect.height + pad)) - y;
  if (width < 1 || height < 1) return null;
  const clip = { x, y, width, height };
  const focused = await page.screenshot({ ...SHOT, clip });
  await run(page, { kind: 'blur' });
  const blurred = await page.screenshot({ ...SHOT, clip });
  await run(page, { kind: 'refocus' });
  return !focused.equals(blurred);
}

// The first Tab on a fresh page reaches the skip link 跳到主要内容, which
// then shows on screen (and is big enough to hit); Enter on it moves to
// main, and the next Tab lands inside main.
export async function skipLinkCheck(page) {
  const failures = [];
  await page.keyboard.press('Tab');
  const a = await run(page, { kind: 'active' });
  if (a.tag !== 'a' || !a.text.includes('跳到主要内容')) {
    failures.push(`the first Tab reached ${a.tag ? `${a.describe} "${a.text}"` : 'nothing'}, not the skip link 跳到主要内容`);
    return { failures };
  }
  if (a.href !== '#main') failures.push(`the skip link points to ${a.href}, not #main`);
  if (!a.visible || (a.obscured && !a.obscured.by)) failures.push('the skip link is not visible when focused (off-screen or clipped)');
  else if (a.obscured) failures.push(`the skip link is hidden under ${a.obscured.by} when focused`);
  if (a.rect.width < 44 - 0.05 || a.rect.height < 44 - 0.05) failures.push(`the focused skip link is ${a.rect.width.toFixed(1)}×${a.rect.height.toFixed(1)} px, below 44×44`);
  if (failures.length) return { failures };
  // The fragment navigation is asynchronous: wait for it, briefly.
  const moved = page.waitForURL((u) => u.hash === '#main', { timeout: 3000 }).then(
    () => true,
    () => false,
  );
  await page.keyboard.press('Enter');
  if (!(await moved)) failures.push(`Enter on the skip link went to ${page.url()}, not #main`);
  if (await run(page, { kind: 'main-has-focusable' })) {
    await page.keyboard.press('Tab');
    const next = await run(page, { kind: 'active' });
    if (!next.inMain) failures.push(`after the skip link, Tab went to ${next.describe || 'nothing'}, outside main`);
  }
  return { failures };
}

export async function contractCheck(page, type) {
  const r = await run(page, { kind: 'contract', type });
  return { failures: r.failures, extra: r.extra };
}
