// The self-test: the whole suite must pass on the good fixture site, and on
// each broken variant (fixture/variants.mjs) exactly the intended checks
// must fail, for the intended reason. This is what proves that no check is
// one that cannot fail.

import { resolve, join } from 'node:path';
import { startFixture } from '../fixture/server.mjs';
import { variants } from '../fixture/variants.mjs';
import { Reporter } from './report.mjs';
import { pool, runSuite } from './suite.mjs';
import { runVnu } from './vnu.mjs';

// Pages the keyboard journeys pass through; a variant that touches none of
// them (and not the server) cannot change the journeys' outcome.
const JOURNEY_PAGES = ['home', 'search', 'product', 'compare-2', 'settings'];

function touchesJourneys(v) {
  return v.pages.length === 0 || v.pages.some((p) => JOURNEY_PAGES.includes(p)) || Boolean(v.settingsNoCookie);
}

export async function selfTest({ browser, artifactsDir, only = null, good = true, workers = 2 }) {
  const outcome = new Reporter();
  const t0 = Date.now();

  if (good) {
    console.log('== self-test: the good fixture site, every check');
    const fixture = await startFixture(null);
    const rep = new Reporter();
    try {
      await runSuite({ baseUrl: fixture.url, browser, reporter: rep, artifactsDir: join(artifactsDir, 'good'), workers });
    } finally {
      await fixture.close();
    }
    rep.write(join(artifactsDir, 'good', 'report.json'), { baseUrl: 'fixture' });
    outcome.record({
      check: 'self-test',
      page: 'good-fixture',
      failures: rep.results.filter((r) => !r.ok).map((r) => `${Reporter.label(r)}: ${r.failures[0]}`),
      summary: `${rep.passed} checks passed, ${rep.failed} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    });
  }

  const chosen = variants.filter((v) => !only || only.includes(v.name));
  console.log(`== self-test: ${chosen.length} broken variants`);
  // Variants side by side, `workers` at a time; each is a server of its own.
  const runs = [];
  await pool(chosen, workers, async () => null, async (_, v) => {
    const t1 = Date.now();
    const fixture = await startFixture(v);
    const rep = new Reporter({ quiet: true });
    let htmlFiles = [];
    try {
      ({ htmlFiles } = await runSuite({
        baseUrl: fixture.url,
        browser,
        reporter: rep,
        artifactsDir: join(artifactsDir, 'variants', v.name),
        only: v.pages,
        journeys: touchesJourneys(v),
        vnu: false,
        screenshots: false,
        workers,
        ...(v.pageJs ? { pageJs: v.pageJs } : {}),
      }));
    } finally {
      await fixture.close();
    }
    runs.push({ v, rep, htmlFiles, ms: Date.now() - t1 });
  }, async () => {});
  runs.sort((a, b) => chosen.indexOf(a.v) - chosen.indexOf(b.v));

  // One JVM for every variant's pages.
  const allFiles = runs.flatMap((r) => r.htmlFiles.map((h) => h.file));
  if (allFiles.length) {
    const t2 = Date.now();
    const byFile = await runVnu(allFiles);
    const ms = Date.now() - t2;
    for (const r of runs) {
      for (const h of r.htmlFiles) {
        const errors = byFile.get(resolve(h.file)) || [`vnu reported nothing about ${h.file}`];
        r.rep.record({ check: 'html-valid', page: h.page, mode: h.mode, path: h.path, failures: errors, ms });
      }
    }
  }

  for (const { v, rep, ms } of runs) {
    const failed = rep.failedChecks();
    const expected = [...v.expect].sort();
    const problems = [];
    const missing = expected.filter((c) => !failed.includes(c));
    const extra = failed.filter((c) => !expected.includes(c));
    if (missing.length) problems.push(`did not fail: ${missing.join(', ')}`);
    if (extra.length) {
      problems.push(`also failed: ${extra.join(', ')}`);
      for (const r of rep.results.filter((x) => !x.ok && extra.includes(x.check)).slice(0, 4)) problems.push(`  ${Reporter.label(r)}: ${r.failures[0]}`);
    }
    if (v.onlyWithoutJs) {
      const withJs = rep.results.filter((r) => !r.ok && r.js !== false);
      if (withJs.length) problems.push(`failed with JavaScript on too: ${withJs.map((r) => Reporter.label(r)).join(', ')}`);
      if (!rep.results.some((r) => r.js === false)) problems.push('no check ran with JavaScript off');
    }
    const texts = rep.results.filter((r) => !r.ok && expected.includes(r.check)).flatMap((r) => r.failures);
    if (!missing.length && v.detail && !texts.some((t) => v.detail.test(t))) problems.push(`failed, but no failure text matches ${v.detail}: ${texts.slice(0, 3).join(' | ')}`);
    const ran = new Set(rep.results.map((r) => r.check)).size;
    const example = texts.find((t) => !v.detail || v.detail.test(t)) || '';
    rep.write(join(artifactsDir, 'variants', v.name, 'report.json'), { variant: v.name, about: v.about, expect: v.expect });
    outcome.record({
      check: 'self-test',
      page: v.name,
      failures: problems,
      summary: problems.length
        ? `${v.about}`
        : `${expected.join(' + ')} failed as intended (${ran} kinds of check ran on ${v.pages.join(', ') || 'the server'}, ${(ms / 1000).toFixed(1)} s): ${example.slice(0, 140)}`,
    });
  }
  return outcome;
}
