// Collects check results, prints one line per check, and writes the JSON
// report. A result is { check, page, mode, width, js, ok, failures, notes }.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class Reporter {
  constructor({ quiet = false, detailLines = 6 } = {}) {
    this.quiet = quiet;
    this.detailLines = detailLines;
    this.results = [];
    this.notes = [];
    this.started = Date.now();
  }

  static label(r) {
    return [r.check, r.page, r.mode, r.width ? `${r.width}px` : null, r.js === undefined ? null : r.js ? 'js' : 'no-js']
      .filter(Boolean)
      .join(' ');
  }

  record(result) {
    const r = { failures: [], notes: [], ...result, ok: result.ok === undefined ? !(result.failures || []).length : result.ok };
    this.results.push(r);
    if (!this.quiet) {
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${Reporter.label(r)}${r.summary ? ` — ${r.summary}` : ''}`);
      if (!r.ok) {
        for (const f of r.failures.slice(0, this.detailLines)) console.log(`       ${f}`);
        if (r.failures.length > this.detailLines) console.log(`       … and ${r.failures.length - this.detailLines} more (see the JSON report)`);
      }
    }
    return r;
  }

  // Information that is neither a pass nor a failure.
  note(text) {
    this.notes.push(text);
    if (!this.quiet) console.log(`note ${text}`);
  }

  // A check that threw: a harness or page error is a failure, never a pass.
  error(result, err) {
    return this.record({ ...result, ok: false, failures: [`error: ${err && err.stack ? err.stack.split('\n').slice(0, 3).join(' | ') : err}`] });
  }

  get passed() {
    return this.results.filter((r) => r.ok).length;
  }

  get failed() {
    return this.results.filter((r) => !r.ok).length;
  }

  failedChecks() {
    return [...new Set(this.results.filter((r) => !r.ok).map((r) => r.check))].sort();
  }

  write(file, extra = {}) {
    mkdirSync(dirname(file), { recursive: true });
    const body = {
      generated: new Date().toISOString(),
      seconds: (Date.now() - this.started) / 1000,
      passed: this.passed,
      failed: this.failed,
      ...extra,
      notes: this.notes,
      results: this.results,
    };
    writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  }
}
