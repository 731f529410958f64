// HTML validity with the W3C Nu HTML Checker from the npm package vnu-jar,
// run once over all saved pages:
//   java -jar vnu.jar --errors-only --format json FILE...
// Returns Map(file -> [messages]) of errors; any error fails that page.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vnuJar from 'vnu-jar';

export const VNU_JAR = String(vnuJar);

export function runVnu(files, { java = process.env.JAVA || 'java' } = {}) {
  return new Promise((done, fail) => {
    const args = ['-Xss4m', '-jar', VNU_JAR, '--errors-only', '--format', 'json', ...files];
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      // vnu writes its JSON report to stderr; exit 1 means "errors found".
      let report;
      try {
        report = JSON.parse(err || out);
      } catch {
        fail(new Error(`vnu exited ${code} without a JSON report: ${(err || out).slice(0, 500)}`));
        return;
      }
      const byFile = new Map(files.map((f) => [resolve(f), []]));
      for (const m of report.messages || []) {
        const file = m.url && m.url.startsWith('file:') ? fileURLToPath(m.url) : null;
        const text = `${m.type}${m.subType ? `/${m.subType}` : ''}: ${m.message}${m.lastLine ? ` (line ${m.lastLine})` : ''}${m.extract ? ` near ${JSON.stringify(m.extract.trim().slice(0, 60))}` : ''}`;
        if (file && byFile.has(file)) byFile.get(file).push(text);
        else for (const list of byFile.values()) list.push(`${text} [${m.url || 'no file'}]`);
      }
      done(byFile);
    });
  });
}
