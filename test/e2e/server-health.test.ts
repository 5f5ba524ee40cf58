// The real server process on a loopback port: health, readiness, unknown routes, bad config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

const ASR = new URL('../../bin/asr.js', import.meta.url).pathname;

test('asr serve answers health and readiness on loopback and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [ASR, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/.exec(buf);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (c) => reject(new Error(`server exited early with ${c}`)));
      setTimeout(() => reject(new Error(`no listening line: ${buf}`)), 15000);
    });
    const base = `http://127.0.0.1:${port}`;
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
    const r = await fetch(`${base}/readyz`);
    assert.equal(r.status, 503);
    assert.equal(((await r.json()) as { code: string }).code, 'NOT_READY');
    const nf = await fetch(`${base}/nope`);
    assert.equal(nf.status, 404);
    assert.equal(((await nf.json()) as { code: string }).code, 'NOT_FOUND');
  } finally {
    const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});

test('asr serve rejects an invalid port with CONFIG_INVALID and exit code 2', () => {
  const r = spawnSync(process.execPath, [ASR, 'serve', '--port', 'http'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CONFIG_INVALID/);
});
