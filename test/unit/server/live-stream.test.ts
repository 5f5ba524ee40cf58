// The streaming transport over a stand-in engine: message order while a session opens, backpressure, limits,
// slow readers, vanished clients, draining, and Vosk's one-reply-per-message rule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer, type AsrServer } from '../../../server/app.ts';
import { resolveServerConfig, type ServerConfig } from '../../../server/config.ts';
import { TestClient } from '../../e2e/ws-client.ts';
import { FakeRecognition, final } from './fake-recognition.ts';

async function start(overrides: Partial<ServerConfig> = {}): Promise<{ server: AsrServer; fake: FakeRecognition; url: string }> {
  const config = resolveServerConfig({ logLevel: 'silent', host: '127.0.0.1', port: 0, grammar: 'digits', ...overrides });
  const server = buildServer(config, { name: 't', version: '0' });
  const fake = new FakeRecognition();
  server.attach(fake);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as { port: number };
  return { server, fake, url: `ws://127.0.0.1:${port}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('messages sent while the session opens are handled in order after ready', async () => {
  const { server, fake, url } = await start();
  try {
    fake.openDelayMs = 100;
    const c = await TestClient.connect(`${url}/v1/stream`);
    c.send(Buffer.alloc(3201));
    c.send({ type: 'finalize' });
    c.send('{oops');
    c.send({ type: 'eof' });
    const close = await c.closeInfo();
    assert.deepEqual(c.types(), ['ready', 'final', 'error', 'final', 'eof']);
    assert.equal(c.messages[1].text, 'utterance1');
    assert.equal(c.messages[2].code, 'BAD_MESSAGE');
    assert.equal(c.messages[3].text, 'bytes3201');
    assert.deepEqual(close, { code: 1000, reason: '' });
    assert.equal(server.ctx.admission.active, 0);
  } finally {
    await server.shutdown();
  }
});

test('reading stops while too much audio waits for the engine, and resumes when it drains', async () => {
  const { server, fake, url } = await start({ maxQueuedAudioSec: 0.5 });
  try {
    const c = await TestClient.connect(`${url}/v1/stream`);
    await c.nextType('ready');
    const s = fake.sessions[0];
    const second = Buffer.alloc(32000);
    for (let i = 0; i < 200; i++) c.send(second);
    await sleep(300);
    // Paused after 0.5 s of queued audio; what ws had already read may still arrive, but far from all of it.
    assert.ok(s.bytes < 100 * second.length, `read ${s.bytes} bytes`);
    assert.ok(c.ws.bufferedAmount > 0 || s.bytes < 200 * second.length);
    s.queuedSec = 0;
    await sleep(300);
    const partway = s.bytes;
    assert.ok(partway > second.length, 'reading resumed');
    // The engine keeps up from now on: everything arrives, eof included (it queues behind the audio).
    const drain = setInterval(() => (s.queuedSec = 0), 10);
    c.send({ type: 'eof' });
    assert.equal((await c.closeInfo()).code, 1000);
    clearInterval(drain);
    assert.equal(s.bytes, 200 * second.length);
  } finally {
    await server.shutdown();
  }
});

test('a stream without audio for idleTimeoutSec gets its finals, IDLE_TIMEOUT and close 1008', async () => {
  const { server, url } = await start({ idleTimeoutSec: 0.2 });
  try {
    const c = await TestClient.connect(`${url}/v1/stream`);
    c.send(Buffer.alloc(640));
    const close = await c.closeInfo();
    assert.deepEqual(c.types(), ['ready', 'final', 'error']);
    assert.equal(c.messages[2].code, 'IDLE_TIMEOUT');
    assert.deepEqual(close, { code: 1008, reason: 'IDLE_TIMEOUT' });
  } finally {
    await server.shutdown();
  }
});

test('a stream open longer than maxStreamSec ends with STREAM_TOO_LONG after its finals', async () => {
  const { server, url } = await start({ maxStreamSec: 1 });
  try {
    const c = await TestClient.connect(`${url}/v1/stream`);
    const t0 = Date.now();
    while (Date.now() - t0 < 1500 && c.ws.readyState === 1) {
      c.send(Buffer.alloc(320));
      await sleep(50);
    }
    const close = await c.closeInfo();
    assert.deepEqual(close, { code: 1008, reason: 'STREAM_TOO_LONG' });
    assert.deepEqual(c.types().slice(-2), ['final', 'error']);
  } finally {
    await server.shutdown();
  }
});

test('a reader that lets maxSendBufferBytes pile up is cut off with SLOW_CONSUMER', async () => {
  const { server, fake, url } = await start({ maxSendBufferBytes: 65536 });
  try {
    const c = await TestClient.connect(`${url}/v1/stream`);
    await c.nextType('ready');
    c.ws.pause();
    const s = fake.sessions[0];
    const big = final('x'.repeat(60000));
    for (let i = 0; i < 200 && !s.closed; i++) {
      s.emit(big);
      await sleep(2);
    }
    assert.equal(s.closed, true);
    c.ws.resume();
    assert.deepEqual(await c.closeInfo(), { code: 1008, reason: 'SLOW_CONSUMER' });
    assert.match((await server.ctx.metrics.render()).body, /asr_errors_total\{code="SLOW_CONSUMER"\} 1/);
  } finally {
    await server.shutdown();
  }
});

test('a message over maxMessageBytes: an error message with the code, then close 1009 with the code as reason', async () => {
  const { server, fake, url } = await start({ maxMessageBytes: 4096 });
  try {
    const c = await TestClient.connect(`${url}/v1/stream`);
    await c.nextType('ready');
    c.send(Buffer.alloc(1000));
    c.send(Buffer.alloc(4097));
    assert.deepEqual(await c.closeInfo(), { code: 1009, reason: 'MESSAGE_TOO_LARGE' });
    assert.deepEqual(c.messages.slice(1), [{ type: 'error', code: 'MESSAGE_TOO_LARGE', message: 'a message is larger than 4096 bytes', limit: 4096 }]);
    await sleep(20);
    assert.equal(fake.sessions[0].closed, true);
    assert.equal(server.ctx.admission.active, 0);
    // Vosk's dialect: its last result carries the error; the close frame the same code and reason.
    const v = await TestClient.connect(`${url}/vosk`);
    v.send(Buffer.alloc(5000));
    assert.deepEqual(await v.closeInfo(), { code: 1009, reason: 'MESSAGE_TOO_LARGE' });
    assert.equal((v.messages.at(-1)?.error as { code?: string } | undefined)?.code, 'MESSAGE_TOO_LARGE');
    // A text frame that is not UTF-8 breaks the protocol (1007): the close carries BAD_MESSAGE.
    const u = await TestClient.connect(`${url}/v1/stream`);
    await u.nextType('ready');
    u.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.deepEqual(await u.closeInfo(), { code: 1007, reason: 'BAD_MESSAGE' });
    assert.equal(u.messages.at(-1)?.code, 'BAD_MESSAGE');
    const m = (await server.ctx.metrics.render()).body;
    assert.match(m, /asr_errors_total\{code="MESSAGE_TOO_LARGE"\} 2/);
    assert.match(m, /asr_errors_total\{code="BAD_MESSAGE"\} 1/);
  } finally {
    await server.shutdown();
  }
});

test('a client that vanishes closes its session and frees its place', async () => {
  const { server, fake, url } = await start({ maxStreams: 1 });
  try {
    const c = await TestClient.connect(`${url}/v1/stream`);
    await c.nextType('ready');
    c.send(Buffer.alloc(1000));
    await sleep(20);
    c.ws.terminate();
    await sleep(100);
    assert.equal(fake.sessions[0].closed, true);
    assert.equal(server.ctx.admission.active, 0);
    const c2 = await TestClient.connect(`${url}/v1/stream`);
    await c2.nextType('ready');
    c2.send({ type: 'eof' });
    assert.equal((await c2.closeInfo()).code, 1000);
  } finally {
    await server.shutdown();
  }
});

test('a session that cannot be created ends the stream with its code', async () => {
  const { server, url } = await start();
  try {
    const c = await TestClient.connect(`${url}/v1/stream?grammar=missing`);
    assert.deepEqual(await c.closeInfo(), { code: 1008, reason: 'ENGINE_GRAMMAR_NOT_FOUND' });
    assert.equal(c.messages[0].code, 'ENGINE_GRAMMAR_NOT_FOUND');
    const d = await TestClient.connect(`${url}/v1/stream?sample_rate=abc`);
    assert.deepEqual(await d.closeInfo(), { code: 1008, reason: 'ENGINE_OPTION' });
  } finally {
    await server.shutdown();
  }
});

test('config before audio reopens the session; after audio it is refused and the stream goes on', async () => {
  const { server, fake, url } = await start();
  try {
    const c = await TestClient.connect(`${url}/v1/stream`);
    await c.nextType('ready');
    c.send({ type: 'config', sample_rate: 8000 });
    const r2 = await c.nextType('ready');
    assert.equal(r2.sample_rate, 8000);
    assert.equal(fake.sessions.length, 2);
    assert.equal(fake.sessions[0].closed, true);
    c.send(Buffer.alloc(100));
    c.send({ type: 'config', sample_rate: 16000 });
    assert.equal((await c.nextType('error')).code, 'CONFIG_AFTER_AUDIO');
    c.send({ type: 'config', sample_rate: 8000 });
    assert.equal((await c.nextType('ready')).sample_rate, 8000);
    c.send({ type: 'grammar', name: 'yesno' });
    assert.equal((await c.nextType('grammar')).name, 'yesno');
    c.send({ type: 'grammar', name: 'bad' });
    assert.equal((await c.nextType('error')).code, 'ENGINE_GRAMMAR_NOT_FOUND');
    c.send({ type: 'eof' });
    assert.equal((await c.nextType('final')).text, 'bytes100');
    assert.equal((await c.closeInfo()).code, 1000);
  } finally {
    await server.shutdown();
  }
});

test('draining gives open streams their finals, SHUTTING_DOWN and close 1001; new ones are refused', async () => {
  const { server, url } = await start();
  const c = await TestClient.connect(`${url}/v1/stream`);
  await c.nextType('ready');
  c.send(Buffer.alloc(320));
  await sleep(20);
  const stopped = server.shutdown();
  assert.deepEqual(await c.closeInfo(), { code: 1001, reason: 'SHUTTING_DOWN' });
  assert.deepEqual(c.types(), ['ready', 'final', 'error']);
  await stopped;
});

test('Vosk: config gets no reply, each audio message exactly one, eof the last result and close 1000', async () => {
  const { server, fake, url } = await start();
  try {
    fake.openDelayMs = 50;
    const c = await TestClient.connect(`${url}/vosk`);
    c.send({ config: { sample_rate: 8000.0, words: 0 } });
    for (let i = 0; i < 5; i++) c.send(Buffer.alloc(999));
    c.send('not json');
    await c.next((m) => 'error' in m);
    const s = fake.sessions[0];
    s.emit(final('seven'));
    c.send(Buffer.alloc(2));
    s.emit({ type: 'partial', text: 'ni', words: [] });
    c.send(Buffer.alloc(2));
    c.send('{"eof" : 1}');
    const close = await c.closeInfo();
    assert.equal(close.code, 1000);
    assert.deepEqual(c.messages.slice(0, 5), Array(5).fill({ partial: '' }));
    assert.deepEqual(c.messages[5], { partial: '', error: { code: 'BAD_MESSAGE', message: c.messages[5].error && (c.messages[5].error as { message: string }).message } });
    assert.deepEqual(c.messages[6], { text: 'seven' });
    assert.deepEqual(c.messages[7], { partial: 'ni' });
    assert.deepEqual(c.messages[8], { text: 'bytes4999' });
    assert.equal(c.messages.length, 9);
    assert.equal(s.options.sampleRate, 8000);
  } finally {
    await server.shutdown();
  }
});

test('Vosk at the bare URL, with eof before any audio', async () => {
  const { server, url } = await start();
  try {
    const c = await TestClient.connect(`${url}/`);
    c.send('{"eof" : 1}');
    assert.equal((await c.closeInfo()).code, 1000);
    assert.deepEqual(c.messages, [{ result: [{ conf: 1, end: 1, start: 0, word: 'bytes0' }], text: 'bytes0' }]);
  } finally {
    await server.shutdown();
  }
});
