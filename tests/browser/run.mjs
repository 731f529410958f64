#!/usr/bin/env node
// Browser checks of the Puhui public pages (ACCESSIBILITY.md): axe-core,
// font sizes, line height, target sizes, reflow at 320 px, text spacing,
// focus, skip link, keyboard journeys with JavaScript on and off,
// screenshots, and HTML validity with vnu. See README.md beside this file.
//
//   node run.mjs --base-url http://127.0.0.1:8080      a running server
//   PUHUI_BIN=build/puhui node run.mjs                  starts one itself
//   node run.mjs --self-test                            proves every check
//
// Prints one line per check and a closing "N passed, N failed" line; exits
// 0 when everything passed, 1 when a check failed, 2 on a usage or setup
// error.

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startPuhui } from './lib/puhui.mjs';
import { Reporter } from './lib/report.mjs';
import { selfTest } from './lib/selftest.mjs';
import { ALL_CHECKS, MODES, parseMode, runSuite } from './lib/suite.mjs';
import { PAGE_TYPES } from './lib/pages.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

const USAGE = `usage: node run.mjs [options]

Where the pages come from (one of):
  --base-url URL     an already running server (env PUHUI_BASE_URL)
  --puhui BIN        start BIN serve --demo on a temporary database and a
                     random loopback port, stop it at the end (env PUHUI_BIN)
  --self-test        the fixture site: all checks pass on the good site, and
                     each broken variant makes exactly its intended check fail

Options:
  --artifacts DIR    screenshots, saved HTML, report.json (env BROWSER_ARTIFACTS;
                     default build/browser-artifacts, with --self-test
                     build/browser-artifacts/self-test)
  --chromium PATH    the browser (env CHROMIUM_PATH; default /usr/bin/chromium)
  --only TYPES       comma list of page types (default: all)
  --modes MODES      comma list of ${Object.keys(MODES).join(', ')}, or combined
                     with +, e.g. elder+contrast (default normal,elder)
  --js WHEN          the pages' JavaScript during the page checks: on, off or
                     both (default both; a page with no <script> or <noscript>
                     is checked once; the keyboard journeys always run both)
  --skip CHECKS      comma list of checks to leave out
  --variants NAMES   with --self-test: only these variants (and not the good site)
  --no-screenshots   do not write screenshots
  --workers N        pages checked at once (env BROWSER_WORKERS; default 2)
  --help

Page types: ${PAGE_TYPES.map((t) => t.type).join(', ')}
Checks: ${ALL_CHECKS.join(', ')}`;

function fail(message) {
  console.error(`run.mjs: ${message}`);
  process.exit(2);
}

function list(value) {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : null;
}

let opts;
try {
  opts = parseArgs({
    options: {
      'base-url': { type: 'string' },
      puhui: { type: 'string' },
      'self-test': { type: 'boolean', default: false },
      artifacts: { type: 'string' },
      chromium: { type: 'string' },
      only: { type: 'string' },
      modes: { type: 'string' },
      js: { type: 'string' },
      skip: { type: 'string' },
      variants: { type: 'string' },
      'no-screenshots': { type: 'boolean', default: false },
      workers: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (err) {
  fail(`${err.message}\n${USAGE}`);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) fail(`Node.js ${process.versions.node} is too old: playwright-core needs 20 or newer`);

const baseUrlOpt = opts['base-url'] || (opts['self-test'] ? null : process.env.PUHUI_BASE_URL);
const bin = opts.puhui || (opts['self-test'] || baseUrlOpt ? null : process.env.PUHUI_BIN);
if (!opts['self-test'] && !baseUrlOpt && !bin) fail(`give --base-url, --puhui (or PUHUI_BIN) or --self-test\n${USAGE}`);
if ([opts['self-test'], Boolean(opts['base-url']), Boolean(opts.puhui)].filter(Boolean).length > 1) fail('--self-test, --base-url and --puhui exclude each other');
if (bin && !existsSync(bin)) fail(`no server binary at ${bin}`);

const modes = list(opts.modes) || ['normal', 'elder'];
for (const m of modes) if (!parseMode(m)) fail(`unknown mode ${m}`);
const jsWhen = opts.js || 'both';
const pageJs = { on: [true], off: [false], both: [true, false] }[jsWhen];
if (!pageJs) fail('--js must be on, off or both');
const only = list(opts.only);
for (const t of only || []) if (!PAGE_TYPES.some((p) => p.type === t)) fail(`unknown page type ${t}`);
const skip = new Set(list(opts.skip) || []);
for (const c of skip) if (!ALL_CHECKS.includes(c)) fail(`unknown check ${c}`);

const workers = parseInt(opts.workers || process.env.BROWSER_WORKERS || '2', 10);
if (!(workers >= 1 && workers <= 8)) fail('--workers must be 1 to 8');

const chromiumPath = opts.chromium || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath}: run scripts/install-browser-deps.sh`);
const defaultArtifacts = join(repoRoot, 'build', 'browser-artifacts', ...(opts['self-test'] ? ['self-test'] : []));
const artifactsDir = resolve(opts.artifacts || process.env.BROWSER_ARTIFACTS || defaultArtifacts);
// Start from a clean slate, but only remove what this runner writes.
for (const sub of ['html', 'screenshots', 'good', 'variants', 'report.json', 'self-test.json']) rmSync(join(artifactsDir, sub), { recursive: true, force: true });
mkdirSync(artifactsDir, { recursive: true });

// One line per axe rule that came back "incomplete", with where.
function summarizeIncomplete(results) {
  const byRule = new Map();
  for (const r of results) {
    for (const item of r.incomplete || []) {
      const entry = byRule.get(item.id) || { help: item.help, nodes: 0, where: new Set() };
      entry.nodes += item.nodes.length;
      entry.where.add(`${r.page}/${r.mode}/${r.width}`);
      byRule.set(item.id, entry);
    }
  }
  return [...byRule].map(([id, e]) => `${id}: ${e.help} — ${e.nodes} node(s) on ${[...e.where].slice(0, 6).join(', ')}${e.where.size > 6 ? ', …' : ''}`);
}

const cleanups = [];
async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch {
      /* keep cleaning */
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    console.error(`run.mjs: ${sig}, stopping`);
    await cleanup();
    process.exit(130);
  });
}

const t0 = Date.now();
let exitCode = 0;
try {
  // Flags as Debian's Chromium needs them in a closed network; no sandbox
  // when running as root (CI runs as root).
  const args = [
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args });
  cleanups.push(() => browser.close());
  console.log(`browser: ${chromiumPath} ${browser.version()}; artifacts in ${artifactsDir}`);

  if (opts['self-test']) {
    const onlyVariants = list(opts.variants);
    const outcome = await selfTest({ browser, artifactsDir, only: onlyVariants, good: !onlyVariants, workers });
    outcome.write(join(artifactsDir, 'self-test.json'));
    console.log(`self-test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`self-test: ${outcome.passed} passed, ${outcome.failed} failed`);
    exitCode = outcome.failed ? 1 : 0;
  } else {
    let baseUrl = baseUrlOpt;
    if (bin) {
      const server = await startPuhui(resolve(bin), { logFile: join(artifactsDir, 'server.log') });
      cleanups.push(() => server.stop());
      baseUrl = server.url;
      console.log(`server: ${bin} (pid ${server.pid}) at ${baseUrl}`);
    }
    const reporter = new Reporter();
    await runSuite({ baseUrl, browser, reporter, artifactsDir, only, modes, pageJs, skip, workers, screenshots: !opts['no-screenshots'] });
    const incomplete = summarizeIncomplete(reporter.results);
    if (incomplete.length) {
      console.log("axe 'incomplete' (axe could not decide; a person reviews these, see report.json):");
      for (const line of incomplete) console.log(`  ${line}`);
    }
    reporter.write(join(artifactsDir, 'report.json'), { baseUrl, modes, pageJs, chromium: browser.version(), incomplete });
    console.log(`report: ${join(artifactsDir, 'report.json')}; took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`browser: ${reporter.passed} passed, ${reporter.failed} failed`);
    exitCode = reporter.failed ? 1 : 0;
  }
} catch (err) {
  console.error(`run.mjs: ${err.stack || err}`);
  exitCode = 2;
} finally {
  await cleanup();
}
process.exit(exitCode);
