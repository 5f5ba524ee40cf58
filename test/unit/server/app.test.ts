// The assembled server before and after the engine is attached: readiness, NOT_READY refusals, service listing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { buildServer } from '../../../server/app.ts';
import { resolveServerConfig } from '../../../server/config.ts';
import { TestClient } from '../../e2e/ws-client.ts';
import { FakeRecognition } from './fake-recognition.ts';

test('while the model loads: /healthz 200, /readyz 503 NOT_READY, recognition refused with a retry hint', async () => {
  const server = buildServer(resolveServerConfig({ logLevel: 'silent', retryAfterSec: 1 }), { name: 't', version: '0' });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as { port: number };
  const http = `http://127.0.0.1:${port}`;
  try {
    assert.equal((await fetch(`${http}/healthz`)).status, 200);
    const ready = await fetch(`${http}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { code: string }).code, 'NOT_READY');
    const tr = await fetch(`${http}/v1/transcribe`, { method: 'POST', body: Buffer.alloc(10), headers: { 'content-type': 'audio/wav' } });
    assert.equal(tr.status, 503);
    assert.equal(tr.headers.get('retry-after'), '1');
    assert.equal(((await tr.json()) as { code: string }).code, 'NOT_READY');
    assert.equal((await fetch(`${http}/v1/grammars`)).status, 503);
    const c = await TestClient.connect(`ws://127.0.0.1:${port}/v1/stream`);
    assert.deepEqual(await c.closeInfo(), { code: 1013, reason: 'NOT_READY' });
    assert.equal(c.messages[0].retry_after_ms, 1000);

    server.attach(new FakeRecognition());
    const now = (await (await fetch(`${http}/readyz`)).json()) as Record<string, unknown>;
    assert.equal(now.ready, true);
    assert.equal(now.grammar, 'digits');
    const root = (await (await fetch(`${http}/`)).json()) as { websocket: string[] };
    assert.deepEqual(root.websocket, ['/v1/stream', '/vosk', '/']);
    const d = await TestClient.connect(`ws://127.0.0.1:${port}/v1/stream`);
    await d.nextType('ready');
    d.send({ type: 'eof' });
    d.send({ type: 'eof' });
    assert.equal((await d.closeInfo()).code, 1000);
    assert.ok(d.messages.some((m) => m.code === 'STREAM_ENDED'));
  } finally {
    await server.shutdown();
  }
});

test('shutdown is idempotent and refuses sessions while it runs', async () => {
  const server = buildServer(resolveServerConfig({ logLevel: 'silent' }), { name: 't', version: '0' });
  server.attach(new FakeRecognition());
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const a = server.shutdown();
  const b = server.shutdown();
  assert.equal(a, b);
  assert.equal(server.ctx.admission.refusal()?.code, 'SHUTTING_DOWN');
  await a;
});

/** Sends a raw upgrade request and returns the status line of the answer. */
function rawUpgrade(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(
        `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let got = '';
    sock.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) sock.destroy();
    });
    sock.on('close', () => resolve(got.split('\r\n')[0]));
    sock.on('error', reject);
    setTimeout(() => sock.destroy(), 2000).unref();
  });
}

test('odd upgrade targets are answered over HTTP and never take the process down', async () => {
  const server = buildServer(resolveServerConfig({ logLevel: 'silent' }), { name: 't', version: '0' });
  server.attach(new FakeRecognition());
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as { port: number };
  try {
    assert.equal(await rawUpgrade(port, '//'), 'HTTP/1.1 404 Not Found');
    assert.equal(await rawUpgrade(port, '/v2/stream'), 'HTTP/1.1 404 Not Found');
    assert.equal(await rawUpgrade(port, '//:99999'), 'HTTP/1.1 404 Not Found');
    assert.equal(await rawUpgrade(port, '/v1/stream'), 'HTTP/1.1 101 Switching Protocols');
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  } finally {
    await server.shutdown();
  }
});
