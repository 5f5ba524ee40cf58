// The real server process on a loopback port: health at once, readiness once the model is loaded, unknown
// routes, bad config, --help.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

const ASR = new URL('../../bin/asr.js', import.meta.url).pathname;

test('asr serve answers health at once, readiness once loaded, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [ASR, 'serve', '--host', '127.0.0.1', '--port', '0', '--grammar', 'digits'], {
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
      setTimeout(() => reject(new Error(`no listening line: ${buf}`)), 15000).unref();
    });
    const base = `http://127.0.0.1:${port}`;
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
    let r = await fetch(`${base}/readyz`);
    if (r.status === 503) assert.equal(((await r.json()) as { code: string }).code, 'NOT_READY');
    const t0 = Date.now();
    while (r.status !== 200 && Date.now() - t0 < 15000) {
      await new Promise((res) => setTimeout(res, 50));
      r = await fetch(`${base}/readyz`);
    }
    assert.equal(r.status, 200);
    const ready = (await r.json()) as { ready: boolean; grammar: string };
    assert.equal(ready.ready, true);
    assert.equal(ready.grammar, 'digits');
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

test('asr serve --help lists every option with its environment variable and default', () => {
  const r = spawnSync(process.execPath, [ASR, 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--max-streams \(MAX_STREAMS\)/);
  assert.match(r.stdout, /--api-keys \(API_KEYS\)/);
});
