// Which pages to test: the page types of the page contract and how to find
// real paths for them on a running server (registration numbers and insurer
// ids from the JSON API, browse codes from the links on the home page).

import { probe } from './inpage.mjs';

export const SEARCH_WORD = '意外';
export const SEARCH_NOTHING = 'zzqqxx';

// Every page type, in the order they are tested. `needs` names what
// discovery must supply; `status` is the HTTP status the page must answer.
export const PAGE_TYPES = [
  { type: 'home', path: () => '/' },
  { type: 'search', path: () => `/search?q=${encodeURIComponent(SEARCH_WORD)}` },
  { type: 'search-empty', path: () => `/search?q=${encodeURIComponent(SEARCH_NOTHING)}` },
  { type: 'product', needs: 'regs', path: (d) => `/products/${encodeURIComponent(d.regs[0])}` },
  { type: 'product-version', needs: 'regs', path: (d) => `/products/${encodeURIComponent(d.regs[0])}/versions/1` },
  { type: 'compare-2', needs: 'regs2', path: (d) => `/compare?${d.regs.slice(0, 2).map((r) => `p=${encodeURIComponent(r)}`).join('&')}` },
  { type: 'compare-3', needs: 'regs3', path: (d) => `/compare?${d.regs.slice(0, 3).map((r) => `p=${encodeURIComponent(r)}`).join('&')}` },
  { type: 'compare-empty', path: () => '/compare' },
  { type: 'insurer', needs: 'insurer', path: (d) => `/insurers/${encodeURIComponent(d.insurer)}` },
  { type: 'browse-category', needs: 'category', path: (d) => d.category },
  { type: 'browse-group', needs: 'group', path: (d) => d.group },
  { type: 'browse-region', needs: 'region', path: (d) => d.region },
  { type: 'settings', path: () => '/settings' },
  { type: 'accessibility', path: () => '/accessibility' },
  { type: 'help', path: () => '/help' },
  { type: 'not-found', path: () => '/no-such-page', status: 404 },
  // Documents (issue 5). A site without a documents API (the self-test's
  // fixture) has none of these pages; Puhui must have them.
  { type: 'document', needs: 'doc', path: (d) => `/documents/${encodeURIComponent(d.doc)}` },
  { type: 'disclosures', needs: 'doc', path: () => `/disclosures?q=${encodeURIComponent('费率')}` },
  // History (issue 5): what changed, and a product version difference
  // found through it. A site without /api/v1/changes has neither.
  { type: 'changes', needs: 'history', path: () => '/changes' },
  { type: 'product-diff', needs: 'diff', path: (d) => d.diff },
];

async function getJson(baseUrl, path) {
  const res = await fetch(new URL(path, baseUrl), { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
  return res.json();
}

// The API's list shapes, kept in one place (docs/API.md):
//   GET /api/v1/products?per_page=3  -> { items: [{ registration_no, ... }] }
//   GET /api/v1/insurers             -> { items: [{ id, ... }] }
export async function discoverIds(baseUrl) {
  const products = await getJson(baseUrl, '/api/v1/products?per_page=3');
  const insurers = await getJson(baseUrl, '/api/v1/insurers');
  const regs = (products.items || []).map((p) => p.registration_no).filter(Boolean);
  const ids = (insurers.items || []).map((i) => i.id).filter((id) => id !== undefined && id !== null);
  return { regs, insurer: ids.length ? String(ids[0]) : null };
}

// Returns { pages: [{ type, path, status }], failures: [...] }. A page type
// whose ids cannot be found is left out and named in failures.
export async function discoverPages(baseUrl, page, only = null) {
  const failures = [];
  const found = { regs: [], insurer: null, category: null, group: null, region: null, doc: null };
  try {
    Object.assign(found, await discoverIds(baseUrl));
  } catch (err) {
    failures.push(`JSON API: ${err.message}`);
  }
  try {
    await page.goto(new URL('/', baseUrl).href);
    for (const kind of ['category', 'group', 'region']) {
      const hrefs = await page.evaluate(probe, { kind: 'links', prefix: `/browse/${kind}/` });
      found[kind] = hrefs.length ? hrefs[0] : null;
    }
  } catch (err) {
    failures.push(`home page: ${err.message}`);
  }
  // GET /api/v1/documents?per_page=1 -> { items: [{ document_no }] }; a 404,
  // or an answer that is not JSON (a fixture variant answers every path with
  // an HTML page), means a site without documents: their page types are left
  // out. Puhui's documents API itself is checked by the integration tests.
  let noDocumentsApi = false;
  try {
    const res = await fetch(new URL('/api/v1/documents?per_page=1', baseUrl), { headers: { Accept: 'application/json' } });
    const json = (res.headers.get('content-type') || '').includes('json');
    if (res.status === 404 || !json) noDocumentsApi = true;
    else if (!res.ok) throw new Error(`GET /api/v1/documents answered ${res.status}`);
    else found.doc = ((await res.json()).items || []).map((d) => d.document_no).find(Boolean) || null;
  } catch (err) {
    failures.push(`documents API: ${err.message}`);
  }
  // GET /api/v1/changes?kind=version&per_page=1 -> { items: [{ links: { diff } }] }.
  let noHistoryApi = false;
  try {
    const res = await fetch(new URL('/api/v1/changes?kind=version&per_page=1', baseUrl), { headers: { Accept: 'application/json' } });
    // As for documents: a 404 or an answer that is not JSON is a site without it.
    if (res.status === 404 || !(res.headers.get('content-type') || '').includes('json')) noHistoryApi = true;
    else if (!res.ok) throw new Error(`GET /api/v1/changes answered ${res.status}`);
    else {
      found.history = true;
      found.diff = ((await res.json()).items || []).map((c) => c.links && c.links.diff).find(Boolean) || null;
    }
  } catch (err) {
    failures.push(`changes API: ${err.message}`);
  }
  const have = {
    regs: found.regs.length >= 1,
    regs2: found.regs.length >= 2,
    regs3: found.regs.length >= 3,
    insurer: Boolean(found.insurer),
    category: Boolean(found.category),
    group: Boolean(found.group),
    region: Boolean(found.region),
    doc: Boolean(found.doc),
    history: Boolean(found.history),
    diff: Boolean(found.diff),
  };
  const why = {
    regs: 'no registration_no in GET /api/v1/products?per_page=3',
    regs2: 'fewer than 2 products in GET /api/v1/products?per_page=3',
    regs3: 'fewer than 3 products in GET /api/v1/products?per_page=3',
    insurer: 'no id in GET /api/v1/insurers',
    category: 'no link to /browse/category/… on the home page',
    group: 'no link to /browse/group/… on the home page',
    region: 'no link to /browse/region/… on the home page',
    doc: 'no document_no in GET /api/v1/documents?per_page=1',
    history: 'GET /api/v1/changes did not answer',
    diff: 'no links.diff in GET /api/v1/changes?kind=version&per_page=1',
  };
  const pages = [];
  for (const t of PAGE_TYPES) {
    if (t.needs === 'doc' && noDocumentsApi) continue;
    if ((t.needs === 'history' || t.needs === 'diff') && noHistoryApi) continue;
    if (t.needs && !have[t.needs]) {
      failures.push(`${t.type}: ${why[t.needs]}`);
      continue;
    }
    if (only && !only.includes(t.type)) continue;
    pages.push({ type: t.type, path: t.path(found), status: t.status || 200 });
  }
  return { pages, found, failures };
}
