// Limits, auth and metrics end to end: every limit answers with its code (HTTP status or close code), API keys
// guard HTTP and WebSocket alike, and /metrics shows the traffic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ODD_CHUNKS, SPEECH_PCM, SPEECH_WAV, metricValue, startServer } from './harness.ts';
import { TestClient } from './ws-client.ts';

type Json = Record<string, unknown>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('API keys: 401 over HTTP and close 1008 over WebSocket without one; header or token with one', async () => {
  const srv = await startServer({ apiKeys: 'k1,k2' });
  try {
    const h = { authorization: 'Bearer k2' };
    assert.equal((await fetch(`${srv.http}/healthz`)).status, 200);
    assert.equal((await fetch(`${srv.http}/readyz`)).status, 200);
    assert.equal((await fetch(`${srv.http}/metrics`)).status, 200);
    const no = await fetch(`${srv.http}/v1/grammars`);
    assert.equal(no.status, 401);
    assert.equal(((await no.json()) as Json).code, 'UNAUTHORIZED');
    assert.equal((await fetch(`${srv.http}/v1/grammars`, { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.equal((await fetch(`${srv.http}/v1/grammars`, { headers: h })).status, 200);
    const tr = await fetch(`${srv.http}/v1/transcribe`, { method: 'POST', body: SPEECH_WAV, headers: { 'content-type': 'audio/wav' } });
    assert.equal(tr.status, 401);
    const oa = await fetch(`${srv.http}/v1/audio/transcriptions`, { method: 'POST', body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    assert.equal(oa.status, 401);

    for (const path of ['/v1/stream', '/vosk', '/v1/stream?token=wrong']) {
      const c = await TestClient.connect(`${srv.ws}${path}`);
      assert.deepEqual(await c.closeInfo(), { code: 1008, reason: 'UNAUTHORIZED' }, path);
    }
    const byHeader = await TestClient.connect(`${srv.ws}/v1/stream`, h);
    await byHeader.nextType('ready');
    byHeader.send({ type: 'eof' });
    assert.equal((await byHeader.closeInfo()).code, 1000);
    const byToken = await TestClient.connect(`${srv.ws}/vosk?token=k1`);
    byToken.send('{"eof" : 1}');
    assert.equal((await byToken.closeInfo()).code, 1000);
  } finally {
    await srv.close();
  }
  const locked = await startServer({ apiKeys: 'k1', metricsAuth: true });
  try {
    assert.equal((await fetch(`${locked.http}/metrics`)).status, 401);
    assert.equal((await fetch(`${locked.http}/metrics`, { headers: { authorization: 'Bearer k1' } })).status, 200);
  } finally {
    await locked.close();
  }
});

test('limits: sessions, message size, upload size, grammar size, idle time, stream duration', async () => {
  const srv = await startServer({
    maxStreams: 2,
    retryAfterSec: 3,
    maxMessageBytes: 8192,
    maxUploadBytes: 40000,
    idleTimeoutSec: 0.4,
    maxStreamSec: 1.5,
    engine: { maxGrammarSourceBytes: 2048 },
  });
  try {
    // Sessions: two streams hold both places; a third WebSocket gets 1013, an HTTP request 503 + Retry-After.
    const a = await TestClient.connect(`${srv.ws}/v1/stream`);
    const b = await TestClient.connect(`${srv.ws}/vosk`);
    await a.nextType('ready');
    b.send(SPEECH_PCM.subarray(0, 3200));
    await b.next();
    const c = await TestClient.connect(`${srv.ws}/v1/stream`);
    assert.deepEqual(await c.closeInfo(), { code: 1013, reason: 'TOO_MANY_STREAMS' });
    assert.equal(c.messages[0].retry_after_ms, 3000);
    const busy = await fetch(`${srv.http}/v1/transcribe`, { method: 'POST', body: SPEECH_WAV.subarray(0, 30000), headers: { 'content-type': 'audio/wav' } });
    assert.equal(busy.status, 503);
    assert.equal(busy.headers.get('retry-after'), '3');
    assert.equal(((await busy.json()) as Json).code, 'TOO_MANY_STREAMS');
    assert.equal((await fetch(`${srv.http}/readyz`)).status, 200);
    a.send({ type: 'eof' });
    b.send('{"eof" : 1}');
    await a.closeInfo();
    await b.closeInfo();

    // Message size: an error message with the limit, then close 1009 with the code as reason.
    const big = await TestClient.connect(`${srv.ws}/v1/stream`);
    await big.nextType('ready');
    big.send(Buffer.alloc(8193));
    assert.deepEqual(await big.closeInfo(), { code: 1009, reason: 'MESSAGE_TOO_LARGE' });
    assert.deepEqual([big.messages.at(-1)?.code, big.messages.at(-1)?.limit], ['MESSAGE_TOO_LARGE', 8192]);

    // Upload size: 413 with the limit, in both HTTP dialects.
    const up = await fetch(`${srv.http}/v1/transcribe`, { method: 'POST', body: SPEECH_WAV, headers: { 'content-type': 'audio/wav' } });
    assert.equal(up.status, 413);
    assert.deepEqual(await up.json(), { limit: 40000, code: 'UPLOAD_TOO_LARGE', message: 'the body is too large' });
    const oa = await fetch(`${srv.http}/v1/audio/transcriptions`, { method: 'POST', body: SPEECH_WAV, headers: { 'content-type': 'multipart/form-data; boundary=x' } });
    assert.equal(oa.status, 413);
    assert.equal(((await oa.json()) as { error: Json }).error.code, 'UPLOAD_TOO_LARGE');

    // Grammar size: the engine's limit, over HTTP and inline in a stream.
    const g = await fetch(`${srv.http}/v1/grammars/huge`, { method: 'PUT', body: 'one two\n'.repeat(400), headers: { 'content-type': 'text/plain' } });
    assert.equal(g.status, 413);
    assert.equal(((await g.json()) as Json).code, 'ENGINE_GRAMMAR_TOO_LARGE');
    const inline = await TestClient.connect(`${srv.ws}/v1/stream`);
    await inline.nextType('ready');
    inline.send({ type: 'grammar', phrases: Array(400).fill('one two') });
    assert.equal((await inline.nextType('error')).code, 'ENGINE_GRAMMAR_TOO_LARGE');

    // Idle: finals for what was sent, then IDLE_TIMEOUT and 1008.
    inline.send(SPEECH_PCM.subarray(0, 8000));
    assert.deepEqual(await inline.closeInfo(), { code: 1008, reason: 'IDLE_TIMEOUT' });
    assert.equal(inline.messages.at(-1)?.code, 'IDLE_TIMEOUT');

    // Duration: audio keeps coming, the stream ends at maxStreamSec with STREAM_TOO_LONG.
    const long = await TestClient.connect(`${srv.ws}/v1/stream`);
    await long.nextType('ready');
    const t0 = Date.now();
    while (long.ws.readyState === 1 && Date.now() - t0 < 3000) {
      long.send(SPEECH_PCM.subarray(0, 3200));
      await sleep(100);
    }
    assert.deepEqual(await long.closeInfo(), { code: 1008, reason: 'STREAM_TOO_LONG' });
    assert.ok(Date.now() - t0 >= 1400);
  } finally {
    await srv.close();
  }
});

test('queued audio: a client sending far faster than real time is held back by TCP, not buffered without bound', async () => {
  // 35 s of audio sent at once: past the engine's 30 s backlog limit unless the server stops reading in time.
  const srv = await startServer({ maxQueuedAudioSec: 0.5 });
  try {
    const c = await TestClient.connect(`${srv.ws}/v1/stream`);
    await c.nextType('ready');
    const burst = Buffer.concat(Array(22).fill(SPEECH_PCM));
    await c.sendChunks(burst, [32000]);
    c.send({ type: 'eof' });
    assert.equal((await c.closeInfo(30000)).code, 1000);
    assert.deepEqual(c.messages.filter((m) => m.type === 'error'), []);
    assert.ok(srv.engine.stats().audioSec > 34);
  } finally {
    await srv.close();
  }
});

test('/metrics shows sessions, audio, latency, batches, errors and process metrics, and they move', async () => {
  const srv = await startServer();
  try {
    const before = await (await fetch(`${srv.http}/metrics`)).text();
    for (const name of ['asr_active_streams', 'asr_sessions_total', 'asr_audio_seconds_total', 'asr_real_time_factor', 'asr_queue_depth', 'asr_batch_size_count', 'asr_final_latency_seconds_count', 'asr_time_to_first_partial_seconds_count', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) {
      assert.match(before, new RegExp(`^${name}`, 'm'), name);
    }
    const c = await TestClient.connect(`${srv.ws}/v1/stream`);
    await c.nextType('ready');
    c.send('nonsense');
    c.send({ type: 'grammar', phrases: ['one two three', 'seven three nine'] });
    await c.nextType('grammar');
    await c.sendChunks(SPEECH_PCM, ODD_CHUNKS, 1);
    c.send({ type: 'eof' });
    await c.closeInfo();
    await fetch(`${srv.http}/v1/transcribe`, { method: 'POST', body: SPEECH_WAV, headers: { 'content-type': 'audio/wav' } });
    await fetch(`${srv.http}/v1/grammars/x`, { method: 'PUT', body: 'one two\nthree', headers: { 'content-type': 'text/plain' } });
    const m = await (await fetch(`${srv.http}/metrics`)).text();
    assert.equal(metricValue(m, 'asr_sessions_total', { protocol: 'stream' }) - metricValue(before, 'asr_sessions_total', { protocol: 'stream' }), 1);
    assert.equal(metricValue(m, 'asr_sessions_total', { protocol: 'transcribe' }), 1);
    assert.ok(Math.abs(metricValue(m, 'asr_audio_seconds_total', { protocol: 'stream' }) - 3.509) < 0.01);
    assert.ok(metricValue(m, 'asr_engine_audio_seconds_total') >= 3.2);
    assert.equal(metricValue(m, 'asr_active_streams', { protocol: 'stream' }), 0);
    assert.equal(metricValue(m, 'asr_errors_total', { code: 'BAD_MESSAGE' }), 1);
    assert.ok(metricValue(m, 'asr_final_latency_seconds_count', { after: 'eof' }) >= 1);
    assert.ok(metricValue(m, 'asr_batch_size_count') > metricValue(before, 'asr_batch_size_count'));
    assert.ok(metricValue(m, 'asr_real_time_factor') > 0);
    assert.equal(metricValue(m, 'asr_request_real_time_factor_count', { protocol: 'transcribe' }), 1);
    assert.equal(metricValue(m, 'asr_grammar_compile_seconds_count', { source: 'put' }), 1);
    assert.equal(metricValue(m, 'asr_grammar_compile_seconds_count', { source: 'stream' }), 1);
    assert.equal(metricValue(m, 'asr_grammars', { kind: 'user' }), 1);
  } finally {
    await srv.close();
  }
});

test('unknown routes and WebSocket paths are 404 NOT_FOUND', async () => {
  const srv = await startServer();
  try {
    const r = await fetch(`${srv.http}/v2/nothing`);
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as Json).code, 'NOT_FOUND');
    await assert.rejects(TestClient.connect(`${srv.ws}/v2/stream`), /404/);
  } finally {
    await srv.close();
  }
});
