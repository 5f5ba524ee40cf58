// SIGTERM to a real server process: /readyz turns 503, new streams are refused, open streams get their final
// results and close 1001, and the process exits 0 within the grace time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { SPEECH_PCM } from './harness.ts';
import { TestClient } from './ws-client.ts';

const ASR = new URL('../../bin/asr.js', import.meta.url).pathname;

test('SIGTERM drains open streams with their finals and exits in time', async () => {
  const child = spawn(
    process.execPath,
    [ASR, 'serve', '--host', '127.0.0.1', '--port', '0', '--grammar', 'digits', '--shutdown-grace-sec', '5', '--max-queued-audio-sec', '20'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<{ code: number | null; at: number }>((res) => child.on('exit', (code) => res({ code, at: Date.now() })));
  try {
    let log = '';
    const port = await new Promise<number>((resolve, reject) => {
      let p = 0;
      child.stdout.on('data', (d: Buffer) => {
        log += d.toString();
        const m = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/.exec(log);
        if (m) p = Number(m[1]);
        if (p > 0 && /"msg":"ready"/.test(log)) resolve(p);
      });
      void exited.then(() => reject(new Error(`server exited early: ${log}`)));
      setTimeout(() => reject(new Error(`not ready: ${log}`)), 20000).unref();
    });
    const http = `http://127.0.0.1:${port}`;
    const ws = `ws://127.0.0.1:${port}`;
    assert.equal((await fetch(`${http}/readyz`)).status, 200);

    // A native stream with ~20 s of audio queued (its flush keeps the server draining for a moment), and a Vosk one.
    const a = await TestClient.connect(`${ws}/v1/stream`);
    await a.nextType('ready');
    const audio = Buffer.concat(Array(12).fill(SPEECH_PCM));
    await a.sendChunks(audio, [32000]);
    const b = await TestClient.connect(`${ws}/vosk`);
    b.send(SPEECH_PCM.subarray(0, 8000));
    await b.next();
    await new Promise((r) => setTimeout(r, 100));

    const t0 = Date.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 30));
    const ready = await fetch(`${http}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { code: string }).code, 'SHUTTING_DOWN');
    const late = await TestClient.connect(`${ws}/v1/stream`);
    assert.deepEqual(await late.closeInfo(), { code: 1001, reason: 'SHUTTING_DOWN' });

    assert.deepEqual(await a.closeInfo(), { code: 1001, reason: 'SHUTTING_DOWN' });
    assert.ok(a.types().includes('final'), JSON.stringify(a.messages));
    assert.equal(a.messages.at(-1)?.code, 'SHUTTING_DOWN');
    assert.equal((await b.closeInfo()).code, 1001);
    const last = b.messages.at(-1)!;
    assert.equal(typeof last.text, 'string');
    assert.equal((last.error as { code: string }).code, 'SHUTTING_DOWN');

    const { code, at } = await exited;
    assert.equal(code, 0, log);
    assert.ok(at - t0 < 5000 + 2000, `exited after ${at - t0} ms`);
  } finally {
    child.kill('SIGKILL');
  }
});
