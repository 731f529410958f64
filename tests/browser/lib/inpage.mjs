// The measuring code that runs inside the page. probe() is handed to
// page.evaluate(), which sends its source text to the browser, so it must be
// self-contained: every helper lives inside it and it imports nothing. It
// works with the page's own JavaScript disabled (Playwright evaluates in the
// browser's debugging protocol, which the page's CSP and the "JavaScript off"
// setting do not stop).
//
// probe({ kind, ... }) returns plain JSON-able data; the decisions about
// passing and failing are made here so that the Node side stays simple.

export function probe(args) {
  const px = (v) => parseFloat(v) || 0;
  const EPS = 0.05;

  // A short, readable path to an element for the report.
  function describe(el) {
    if (!el || el.nodeType !== 1) return String(el);
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) {
        parts.unshift(`${s}#${e.id}`);
        break;
      }
      const cls = [...e.classList].slice(0, 2);
      if (cls.length) s += `.${cls.join('.')}`;
      const parent = e.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.tagName === e.tagName);
        if (same.length > 1) s += `:nth-of-type(${same.indexOf(e) + 1})`;
      }
      parts.unshift(s);
    }
    return parts.join(' > ');
  }

  function snippet(text) {
    const t = (text || '').replace(/\s+/g, ' ').trim();
    return t.length > 24 ? `${t.slice(0, 24)}…` : t;
  }

  // True when the element is hidden "for screen readers only": clipped to
  // (almost) nothing by clip / clip-path, or inside a box of at most 1 px
  // that hides its overflow. Such content is not seen and is not a target.
  function isVisuallyHidden(el) {
    // Not rendered at all: display none, visibility hidden, or inside
    // skipped content such as a closed <details> (whose boxes may still
    // report a size).
    if (typeof el.checkVisibility === 'function' && !el.checkVisibility({ visibilityProperty: true })) return true;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.visibility === 'collapse') return true;
      if (cs.clip && cs.clip.startsWith('rect(') && (cs.position === 'absolute' || cs.position === 'fixed')) {
        const n = cs.clip.match(/-?[\d.]+/g);
        if (n && n.length === 4) {
          const [top, right, bottom, left] = n.map(Number);
          if (right - left <= 1 || bottom - top <= 1) return true;
        }
      }
      if (cs.clipPath && /inset\(\s*(50%|100%)/.test(cs.clipPath)) return true;
      if (cs.overflow !== 'visible') {
        const r = e.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return true;
      }
    }
    return false;
  }

  // Off the page: entirely left of or above the document's origin (the
  // "left: -10000px" way of hiding a skip link).
  function isOffPage(rect) {
    return rect.right + window.scrollX <= 0 || rect.bottom + window.scrollY <= 0;
  }

  function elementVisible(el) {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    if (isOffPage(r)) return false;
    return !isVisuallyHidden(el);
  }

  const SKIP_TEXT_PARENTS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TITLE', 'OPTION']);

  // Every text node with visible characters that the page draws.
  function visibleTexts() {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.nodeValue || !node.nodeValue.trim()) continue;
      const parent = node.parentElement;
      if (!parent || SKIP_TEXT_PARENTS.has(parent.tagName)) continue;
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (!rects.length) continue;
      if (rects.every(isOffPage)) continue;
      if (isVisuallyHidden(parent)) continue;
      out.push({ node, parent, rects });
    }
    return out;
  }

  // WCAG relative luminance and contrast ratio of "rgb(a)" colours.
  function parseColor(c) {
    const m = c && c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  }
  function luminance({ r, g, b }) {
    const lin = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  }
  function contrast(a, b) {
    const la = luminance(a);
    const lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  // The first solid background at or above el (white if none).
  function backgroundBehind(el) {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parseColor(getComputedStyle(e).backgroundColor);
      if (c && c.a >= 0.99) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  }

  // ---- font sizes (ACCESSIBILITY.md 8) --------------------------------------
  // Body text: all visible text except inside <small>, which may go down to
  // the 16 px floor. Form fields count as body text.
  function fontSizes({ elder }) {
    const bodyMin = elder ? 24 : 18;
    const failures = [];
    const seen = new Set();
    const check = (el, text) => {
      if (seen.has(el)) return;
      seen.add(el);
      const fs = px(getComputedStyle(el).fontSize);
      const where = `${describe(el)} "${snippet(text)}"`;
      if (fs < 16 - EPS) failures.push(`${where}: ${fs.toFixed(1)} px is below 16 px`);
      else if (!el.closest('small') && fs < bodyMin - EPS) failures.push(`${where}: ${fs.toFixed(1)} px body text is below ${bodyMin} px`);
      if (elder && el.closest('h1, h2, h3') && fs < 30 - EPS) failures.push(`${where}: ${fs.toFixed(1)} px heading in 长辈版 is below 30 px`);
    };
    let count = 0;
    for (const { node, parent } of visibleTexts()) {
      count++;
      check(parent, node.nodeValue);
    }
    const fields = document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea');
    for (const f of fields) {
      if (elementVisible(f)) check(f, f.value || f.getAttribute('placeholder') || f.name);
    }
    return { count, failures };
  }

  // ---- line height (ACCESSIBILITY.md 9) -------------------------------------
  // Every visible text needs line-height >= 1.5 times its font size, except
  // text on a single line inside a form control (a one-line button label has
  // no line spacing to speak of). "normal" fails: it is about 1.2-1.45.
  function lineHeights() {
    const failures = [];
    const seen = new Set();
    let count = 0;
    for (const { node, parent, rects } of visibleTexts()) {
      count++;
      if (seen.has(parent)) continue;
      seen.add(parent);
      const tops = new Set(rects.map((r) => Math.round(r.top)));
      if (parent.closest('button, input, select, textarea, option') && tops.size <= 1) continue;
      const cs = getComputedStyle(parent);
      const where = `${describe(parent)} "${snippet(node.nodeValue)}"`;
      if (cs.lineHeight === 'normal') {
        failures.push(`${where}: line-height normal (needs 1.5)`);
        continue;
      }
      const ratio = px(cs.lineHeight) / px(cs.fontSize);
      if (ratio < 1.5 - 0.005) failures.push(`${where}: line-height ${ratio.toFixed(2)} (${cs.lineHeight} at ${cs.fontSize})`);
    }
    return { count, failures };
  }

  // ---- target sizes (ACCESSIBILITY.md 12, WCAG 2.5.5 / 2.5.8) ---------------
  const TARGETS =
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], [role=checkbox], [role=radio], [role=tab]';

  // WCAG 2.5.8's inline exception: a link drawn as inline text, sitting in a
  // sentence. We call it "in running prose" when the link's display is
  // inline and its nearest block container holds at least two letters,
  // digits or Han characters (punctuation does not count) of text that
  // belong to no link, button, label or form field.
  function isInlineInProse(el) {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && /^(inline|contents)$/.test(getComputedStyle(block).display)) block = block.parentElement;
    if (!block) return false;
    let other = '';
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('a, button, label, input, select, textarea') && block.contains(n.parentElement.closest('a, button, label, input, select, textarea'))) continue;
      other += n.nodeValue.replace(/[^\p{L}\p{N}]+/gu, '');
      if (other.length >= 2) return true;
    }
    return false;
  }

  function isSubmit(el) {
    if (el.tagName === 'BUTTON') return (el.getAttribute('type') || 'submit').toLowerCase() === 'submit' && Boolean(el.form);
    if (el.tagName === 'INPUT') return ['submit', 'image'].includes(el.type);
    return false;
  }

  function targetSizes({ elder }) {
    const failures = [];
    const exempt = [];
    let count = 0;
    for (const el of document.querySelectorAll(TARGETS)) {
      // A disabled control takes no pointer action: it is no target.
      if (el.disabled || !elementVisible(el)) continue;
      count++;
      const name = `${describe(el)} "${snippet(el.textContent || el.value || el.getAttribute('aria-label') || '')}"`;
      if (isInlineInProse(el)) {
        exempt.push(name);
        continue;
      }
      // A checkbox or radio button is also operated through its <label>:
      // either box may be the big one.
      const boxes = [el.getBoundingClientRect()];
      if ((el.type === 'checkbox' || el.type === 'radio') && el.labels) {
        for (const l of el.labels) if (elementVisible(l)) boxes.push(l.getBoundingClientRect());
      }
      const best = boxes.reduce((a, b) => (Math.min(b.width, b.height) > Math.min(a.width, a.height) ? b : a));
      const size = `${best.width.toFixed(1)}×${best.height.toFixed(1)}`;
      if (best.width < 44 - EPS || best.height < 44 - EPS) failures.push(`${name}: ${size} px is below 44×44`);
      else if (elder && isSubmit(el) && (best.width < 60 - EPS || best.height < 60 - EPS))
        failures.push(`${name}: submit button ${size} px in 长辈版 is below 60×60`);
    }
    return { count, exempt, failures };
  }

  // ---- reflow (WCAG 1.4.10) --------------------------------------------------
  function overflowOffenders(limit) {
    const cw = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right + window.scrollX <= cw + 1) continue;
      const p = el.parentElement;
      const pr = p ? p.getBoundingClientRect() : null;
      if (pr && pr.right + window.scrollX > cw + 1) continue; // report the outermost
      let scroller = false;
      for (let a = p; a && a !== document.body; a = a.parentElement) {
        if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(a).overflowX)) scroller = true;
      }
      if (scroller) continue;
      out.push(`${describe(el)} reaches ${Math.round(r.right + window.scrollX)} px`);
      if (out.length >= limit) break;
    }
    return out;
  }

  function reflow() {
    const de = document.documentElement;
    const body = document.body;
    const failures = [];
    if (de.scrollWidth > de.clientWidth) failures.push(`document scrollWidth ${de.scrollWidth} > clientWidth ${de.clientWidth}`);
    // overflow-x: hidden on <html> or <body> only hides the problem.
    for (const el of [de, body]) {
      const ox = getComputedStyle(el).overflowX;
      if ((ox === 'hidden' || ox === 'clip') && el.scrollWidth > el.clientWidth)
        failures.push(`<${el.tagName.toLowerCase()}> hides ${el.scrollWidth - el.clientWidth} px of overflow (scrollWidth ${el.scrollWidth})`);
    }
    return {
      scrollWidth: de.scrollWidth,
      clientWidth: de.clientWidth,
      failures,
      offenders: failures.length ? overflowOffenders(5) : [],
    };
  }

  // ---- text spacing (WCAG 1.4.12) --------------------------------------------
  // Applied as a constructed style sheet: the page's CSP does not block it.
  function applyTextSpacing() {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(
      '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }\n' +
        'p { margin-bottom: 2em !important; }',
    );
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    const probeEl = document.querySelector('main p') || document.querySelector('p') || document.body;
    const cs = getComputedStyle(probeEl);
    const ratio = px(cs.letterSpacing) / px(cs.fontSize);
    return { applied: Math.abs(ratio - 0.12) < 0.01, letterSpacing: cs.letterSpacing, fontSize: cs.fontSize };
  }

  function blockContainer(el) {
    let e = el;
    while (e && /^(inline|contents)$/.test(getComputedStyle(e).display)) e = e.parentElement;
    return e;
  }

  // Text that no longer fits: its glyph boxes stick out of its block box
  // (it overlaps what follows, or is cut off), or out of an ancestor that
  // hides or clips overflow. Scrolling boxes (auto/scroll) are fine: the
  // content can still be reached.
  function clippedTexts() {
    const failures = [];
    const seen = new Set();
    const TOL = 2;
    for (const { node, parent, rects } of visibleTexts()) {
      if (seen.has(parent)) continue;
      const block = blockContainer(parent);
      const boxes = [];
      if (block && !/^(INPUT|SELECT|TEXTAREA)$/.test(block.tagName)) boxes.push(['its box', block]);
      for (let a = parent; a && a !== document.documentElement; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (/(hidden|clip)/.test(cs.overflowX) || /(hidden|clip)/.test(cs.overflowY)) boxes.push(['an overflow:hidden box', a]);
      }
      for (const [what, box] of boxes) {
        const b = box.getBoundingClientRect();
        const out = rects.find((r) => r.right > b.right + TOL || r.bottom > b.bottom + TOL || r.left < b.left - TOL || r.top < b.top - TOL);
        if (out) {
          seen.add(parent);
          failures.push(`${describe(parent)} "${snippet(node.nodeValue)}" clipped or overflowing ${what} (${describe(box)})`);
          break;
        }
      }
      if (failures.length >= 10) break;
    }
    return failures;
  }

  // ---- focus (WCAG 2.4.7, 2.4.11, 2.4.13 in part) ----------------------------
  const FOCUSABLE =
    'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, iframe, [tabindex], [contenteditable=""], [contenteditable=true]';

  function focusStyle(el) {
    const cs = getComputedStyle(el);
    return {
      outlineStyle: cs.outlineStyle,
      outlineWidth: px(cs.outlineWidth),
      outlineColor: cs.outlineColor,
      outlineOffset: px(cs.outlineOffset),
      boxShadow: cs.boxShadow,
    };
  }

  function focusInit() {
    const base = new Map();
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    for (const el of document.querySelectorAll(FOCUSABLE)) base.set(el, focusStyle(el));
    window.__phFocus = { base, seen: new Set() };
    return { candidates: base.size };
  }

  // Is any of a 3×3 grid of points of the element's visible part hit-tested
  // to the element itself (or its content, an ancestor or its label)? If not,
  // something else covers it entirely (a sticky header, a fixed bar).
  function obscuredBy(el) {
    const r = el.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = window.innerHeight;
    const left = Math.max(r.left, 0);
    const right = Math.min(r.right, vw);
    const top = Math.max(r.top, 0);
    const bottom = Math.min(r.bottom, vh);
    if (right - left < 1 || bottom - top < 1) return { offscreen: true };
    const labels = el.labels ? [...el.labels] : [];
    let cover = null;
    for (const fx of [0.15, 0.5, 0.85]) {
      for (const fy of [0.15, 0.5, 0.85]) {
        const hit = document.elementFromPoint(left + (right - left) * fx, top + (bottom - top) * fy);
        if (!hit) continue;
        if (hit === el || el.contains(hit) || hit.contains(el) || labels.some((l) => l === hit || l.contains(hit))) return null;
        cover = cover || hit;
      }
    }
    return { by: cover ? describe(cover.closest('header, nav, footer, aside, [role=banner], [role=dialog]') || cover) : 'nothing' };
  }

  // After a Tab: what has focus, does it show an indicator, is it covered?
  // `needPixels` asks the Node side to compare screenshots when no outline
  // or box-shadow change explains the indicator.
  function focusStep({ checkIndicator }) {
    const state = window.__phFocus;
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { done: true, reason: 'left the page' };
    if (state.seen.has(el)) return { done: true, reason: 'cycled' };
    state.seen.add(el);
    const name = `${describe(el)} "${snippet(el.textContent || el.value || el.getAttribute('aria-label') || '')}"`;
    const r = el.getBoundingClientRect();
    const result = { done: false, name, rect: { x: r.left, y: r.top, width: r.width, height: r.height }, failures: [] };
    const obscured = obscuredBy(el);
    if (obscured && obscured.offscreen) result.failures.push(`${name}: not visible when focused (outside the viewport)`);
    else if (obscured) result.failures.push(`${name}: hidden under ${obscured.by} when focused`);
    if (!checkIndicator) return result;
    const before = state.base.get(el) || { outlineStyle: 'none', outlineWidth: 0, outlineColor: '', boxShadow: 'none' };
    const now = focusStyle(el);
    const outlineColor = parseColor(now.outlineColor);
    const outlineShown = now.outlineStyle !== 'none' && now.outlineStyle !== 'hidden' && (now.outlineStyle === 'auto' || now.outlineWidth > 0) && (!outlineColor || outlineColor.a > 0);
    const outlineChanged =
      outlineShown && (before.outlineStyle !== now.outlineStyle || before.outlineWidth !== now.outlineWidth || before.outlineColor !== now.outlineColor);
    const shadowChanged = now.boxShadow !== 'none' && now.boxShadow !== before.boxShadow;
    if (outlineChanged && now.outlineStyle !== 'auto' && !shadowChanged) {
      // The ring is drawn on what lies behind the element when it is offset,
      // and on the element's own edge otherwise: use the colour behind it.
      const behind = backgroundBehind(now.outlineOffset > 0 ? el.parentElement : el);
      const ratio = outlineColor ? contrast(outlineColor, behind) : 21;
      if (now.outlineWidth < 2 - EPS) result.failures.push(`${name}: focus outline only ${now.outlineWidth} px (needs 2 px)`);
      else if (ratio < 3 - 0.01) result.failures.push(`${name}: focus outline contrast ${ratio.toFixed(2)}:1 is below 3:1`);
      result.indicator = `outline ${now.outlineWidth}px ${now.outlineStyle} ${now.outlineColor}`;
    } else if (shadowChanged) {
      result.indicator = `box-shadow ${now.boxShadow}`;
    } else if (outlineShown && now.outlineStyle === 'auto') {
      result.indicator = 'browser default focus ring';
    } else {
      result.needPixels = true;
    }
    return result;
  }

  // After a forward Tab walk: the visible, enabled elements in the tab
  // order (tabindex >= 0) that Tab never reached. A radio group is one tab
  // stop: one reached radio stands for its group.
  function focusUnreached() {
    const state = window.__phFocus;
    const groups = new Set();
    for (const el of state.seen) if (el.type === 'radio' && el.name) groups.add(`${el.form ? el.form.action : ''}|${el.name}`);
    const out = [];
    for (const el of document.querySelectorAll(FOCUSABLE)) {
      if (state.seen.has(el) || el.tabIndex < 0 || el.disabled || el.closest('[inert]')) continue;
      if (!elementVisible(el)) continue;
      if (el.type === 'radio' && groups.has(`${el.form ? el.form.action : ''}|${el.name}`)) continue;
      out.push(`${describe(el)} "${snippet(el.textContent || el.value || el.getAttribute('aria-label') || '')}"`);
    }
    return { reached: state.seen.size, unreached: out };
  }

  function blurActive() {
    const el = document.activeElement;
    if (el && el !== document.body) {
      window.__phFocus.lastBlurred = el;
      el.blur();
    }
    return true;
  }

  function refocus() {
    const el = window.__phFocus.lastBlurred;
    if (el) el.focus({ preventScroll: true });
    return Boolean(el);
  }

  // ---- the skip link (ACCESSIBILITY.md 4) ------------------------------------
  function activeInfo() {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: null };
    const r = el.getBoundingClientRect();
    const card = el.closest('.result-card');
    const cards = [...document.querySelectorAll('ol.results li.result-card')];
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || null,
      name: el.getAttribute('name'),
      type: el.getAttribute('type') || (el.tagName === 'BUTTON' ? 'submit' : null),
      value: el.value === undefined ? null : String(el.value),
      checked: el.checked === undefined ? null : el.checked,
      text: (el.textContent || '').replace(/\s+/g, ' ').trim(),
      href: el.getAttribute('href'),
      cardIndex: card ? cards.indexOf(card) : -1,
      inCardHeading: Boolean(el.closest('.result-card h3')),
      formAction: el.form ? el.form.getAttribute('action') : null,
      inMain: Boolean(el.closest('main')),
      describe: describe(el),
      visible: elementVisible(el),
      obscured: obscuredBy(el),
      rect: { width: r.width, height: r.height },
    };
  }

  function mainHasFocusable() {
    const main = document.querySelector('main');
    if (!main) return false;
    return [...main.querySelectorAll(FOCUSABLE)].some((el) => el.tabIndex >= 0 && elementVisible(el) && !el.disabled);
  }

  // ---- the page contract -------------------------------------------------------
  // Column count of the compare table: th[scope=col] not standing over the
  // row-header column.
  function compareColumns() {
    const table = document.querySelector('table.compare');
    if (!table) return null;
    const firstBody = table.querySelector('tbody tr') || table.rows[1];
    const rowHeaderCol = Boolean(firstBody && firstBody.cells[0] && firstBody.cells[0].tagName === 'TH' && firstBody.cells[0].getAttribute('scope') === 'row');
    const cols = [...table.querySelectorAll('th[scope=col]')].filter((th) => !(rowHeaderCol && th.cellIndex === 0));
    return {
      caption: table.caption ? table.caption.textContent.trim() : null,
      count: cols.length,
      names: cols.map((th) => th.textContent.replace(/\s+/g, ' ').trim()),
    };
  }

  function contract({ type }) {
    const failures = [];
    const q = document.querySelectorAll('form[action="/search"] input[name="q"]#q');
    if (q.length !== 1) failures.push(`expected one search form (form[action="/search"] with input#q[name=q]), found ${q.length}`);
    else if ((q[0].form.getAttribute('method') || 'get').toLowerCase() !== 'get') failures.push('the search form must use method get');
    const settings = document.querySelector('header form[action="/settings"]');
    if (!settings) failures.push('no form posting to /settings in <header>');
    else if ((settings.getAttribute('method') || '').toLowerCase() !== 'post') failures.push('the header /settings form must use method post');
    if (document.querySelectorAll('main#main').length !== 1) failures.push('expected exactly one <main id="main">');
    const extra = {};
    if (type === 'search') {
      const cards = document.querySelectorAll('ol.results > li.result-card');
      extra.results = cards.length;
      if (cards.length < 2) failures.push(`search results: expected at least 2 ol.results > li.result-card, found ${cards.length}`);
      for (const card of cards) {
        if (!card.querySelector('h3 a[href^="/products/"]')) failures.push(`${describe(card)}: no <h3><a href="/products/…">`);
        if (!card.querySelector('input[type=checkbox][name=p]')) failures.push(`${describe(card)}: no checkbox name=p`);
      }
      const form = document.querySelector('form[action="/compare"]');
      if (!form || !form.querySelector('ol.results')) failures.push('the results are not inside <form action="/compare">');
      else if ((form.getAttribute('method') || 'get').toLowerCase() !== 'get') failures.push('the compare form must use method get');
      const buttons = form ? [...form.querySelectorAll('button, input[type=submit]')].filter((b) => (b.textContent || b.value).includes('对比选中的产品')) : [];
      if (!buttons.length) failures.push('no 对比选中的产品 button in the compare form');
    }
    if (type === 'search-empty' && document.querySelector('ol.results > li.result-card')) failures.push('the no-results page lists results');
    if (type === 'compare-2' || type === 'compare-3') {
      const cols = compareColumns();
      const want = type === 'compare-2' ? 2 : 3;
      if (!cols) failures.push('no table.compare');
      else {
        extra.columns = cols;
        if (!cols.caption) failures.push('table.compare has no <caption>');
        if (cols.count !== want) failures.push(`table.compare has ${cols.count} th[scope=col] product columns, expected ${want}`);
      }
    }
    if (type === 'compare-empty' && !document.querySelector('form[action="/compare"] input[name="p"]')) failures.push('the empty compare page has no form[action="/compare"] with inputs name=p');
    if (type === 'settings') {
      const f = document.querySelector('main form[action="/settings"]');
      if (!f) failures.push('no form[action="/settings"] in main');
      else {
        for (const [n, v] of [['elder', '1'], ['contrast', 'high'], ['spacing', 'wide']])
          if (!f.querySelector(`input[type=checkbox][name="${n}"][value="${v}"]`)) failures.push(`settings form: no checkbox name=${n} value=${v}`);
        if (!f.querySelector('input[type=hidden][name="return_to"]')) failures.push('settings form: no hidden return_to');
        if (![...f.querySelectorAll('button, input[type=submit]')].some((b) => (b.textContent || b.value).includes('保存设置'))) failures.push('settings form: no 保存设置 button');
      }
    }
    return { failures, extra };
  }

  function links(prefix) {
    return [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')).filter((h) => h.startsWith(prefix));
  }

  switch (args.kind) {
    case 'fonts':
      return fontSizes(args);
    case 'line-height':
      return lineHeights();
    case 'targets':
      return targetSizes(args);
    case 'reflow':
      return reflow();
    case 'apply-text-spacing':
      return applyTextSpacing();
    case 'clipped':
      return clippedTexts();
    case 'open-details': {
      const closed = [...document.querySelectorAll('details:not([open])')];
      for (const d of closed) d.open = true;
      return closed.length;
    }
    case 'focus-init':
      return focusInit();
    case 'focus-step':
      return focusStep(args);
    case 'focus-unreached':
      return focusUnreached();
    case 'blur':
      return blurActive();
    case 'refocus':
      return refocus();
    case 'active':
      return activeInfo();
    case 'main-has-focusable':
      return mainHasFocusable();
    case 'contract':
      return contract(args);
    case 'compare-columns':
      return compareColumns();
    case 'links':
      return links(args.prefix);
    case 'result-names':
      return [...document.querySelectorAll('ol.results > li.result-card h3 a')].map((a) => a.textContent.trim());
    case 'body-font-size':
      return px(getComputedStyle(document.querySelector('main p') || document.querySelector('main') || document.body).fontSize);
    default:
      throw new Error(`probe: unknown kind ${args.kind}`);
  }
}
