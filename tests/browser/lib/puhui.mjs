// Starts the real server for a test run: a temporary database with --demo on
// a random free loopback port, waits for /healthz, and stops it afterwards.

import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, closeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url, child, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return true;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  return false;
}

// Resolves to { url, stop() }. The server's output goes to logFile.
export async function startPuhui(bin, { logFile, timeoutMs = 30000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'puhui-browser-'));
  const log = openSync(logFile || join(dir, 'server.log'), 'a');
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(bin, ['serve', '--db', join(dir, `puhui-${attempt}.db`), '--listen', `127.0.0.1:${port}`, '--demo', '--access-log', '-'], {
      stdio: ['ignore', log, log],
    });
    if (await waitHealthy(url, child, timeoutMs)) {
      let stopped = null;
      const stop = () => {
        stopped =
          stopped ||
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
            child.once('exit', () => {
              clearTimeout(killer);
              resolve();
            });
            child.kill('SIGTERM');
          }).then(() => {
            closeSync(log);
            rmSync(dir, { recursive: true, force: true });
          });
        return stopped;
      };
      return { url, pid: child.pid, stop };
    }
    // Did not come up (the port was taken in between, or it crashed): retry.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }
  closeSync(log);
  throw new Error(`${bin} did not answer /healthz after 3 attempts (see ${logFile || 'its log'})`);
}
