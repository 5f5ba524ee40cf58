// Engine threads that die, end to end: the streams and requests that were on the thread end with ENGINE_WORKER_FAILED
// (an error message and close 1011, or a 500), the others go on untouched, a replacement serves new ones, and
// /metrics counts the restarts.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ODD_CHUNKS, SPEECH_PCM, batchText, checkTranscript, metricValue, startServer, type Running } from './harness.ts';
import { TestClient } from './ws-client.ts';

let srv: Running;
before(async () => {
  // Explicit threads: "auto" gives none on a one-core machine.
  srv = await startServer({ engine: { decodeWorkers: 2, modelWorker: true } });
});
after(async () => {
  await srv.close();
});

const finalsText = (c: TestClient) =>
  c.messages
    .filter((m) => m.type === 'final' && m.text !== '')
    .map((m) => m.text)
    .join(' ');

async function open(): Promise<TestClient> {
  const c = await TestClient.connect(`${srv.ws}/v1/stream`);
  await c.nextType('ready');
  return c;
}

async function whole(): Promise<TestClient> {
  const c = await open();
  await c.sendChunks(SPEECH_PCM, ODD_CHUNKS);
  c.send({ type: 'eof' });
  assert.deepEqual(await c.closeInfo(), { code: 1000, reason: '' });
  return c;
}

test('a decode worker that dies ends only the stream decoding there; the others and new ones are served', async (t) => {
  // Each new session goes to the decode worker with the fewest sessions: a to worker 0, b to worker 1.
  const a = await open();
  const b = await open();
  const half = 48001;
  await a.sendChunks(SPEECH_PCM.subarray(0, half), ODD_CHUNKS);
  await b.sendChunks(SPEECH_PCM.subarray(0, half), ODD_CHUNKS);
  assert.equal(await srv.engine.terminateWorker('decode', 0), true);
  assert.deepEqual(await a.closeInfo(), { code: 1011, reason: 'ENGINE_WORKER_FAILED' });
  const err = a.messages.at(-1);
  assert.deepEqual([err?.type, err?.code, err?.worker], ['error', 'ENGINE_WORKER_FAILED', 'decode']);
  await b.sendChunks(SPEECH_PCM.subarray(half), ODD_CHUNKS);
  b.send({ type: 'eof' });
  assert.deepEqual(await b.closeInfo(), { code: 1000, reason: '' });
  assert.ok(!b.messages.some((m) => m.type === 'error'));
  // Two new streams at once: one of them on the replacement worker.
  const [c, d] = await Promise.all([whole(), whole()]);
  const m = await (await fetch(`${srv.http}/metrics`)).text();
  assert.equal(metricValue(m, 'asr_worker_restarts_total', { kind: 'decode' }), 1);
  assert.equal(metricValue(m, 'asr_errors_total', { code: 'ENGINE_WORKER_FAILED' }), 1);
  assert.equal(srv.engine.activeSessions, 0);
  assert.equal(srv.server.ctx.admission.active, 0);
  for (const [name, x] of [['the stream on the other worker', b], ['a new stream', c], ['another new stream', d]] as const) {
    await checkTranscript(t, srv.engine, name, () => finalsText(x), () => batchText(srv.engine, SPEECH_PCM));
  }
});

test('the model worker that dies ends every stream and request on it with a 5xx code; the replacement serves new ones', async (t) => {
  const s = await open();
  await s.sendChunks(SPEECH_PCM.subarray(0, 32001), ODD_CHUNKS);
  // Half a minute of speech: still in the model when its thread dies.
  const long = Buffer.concat(Array(9).fill(SPEECH_PCM));
  const request = fetch(`${srv.http}/v1/transcribe`, { method: 'POST', body: long, headers: { 'content-type': 'application/octet-stream' } });
  while (srv.engine.activeSessions < 2) await new Promise((r) => setTimeout(r, 2));
  assert.equal(await srv.engine.terminateWorker('model'), true);
  const r = await request;
  const body = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 500);
  assert.deepEqual([body.code, body.worker], ['ENGINE_WORKER_FAILED', 'model']);
  assert.deepEqual(await s.closeInfo(), { code: 1011, reason: 'ENGINE_WORKER_FAILED' });
  assert.equal(s.messages.at(-1)?.code, 'ENGINE_WORKER_FAILED');
  const c = await whole();
  const m = await (await fetch(`${srv.http}/metrics`)).text();
  assert.equal(metricValue(m, 'asr_worker_restarts_total', { kind: 'model' }), 1);
  assert.equal((await fetch(`${srv.http}/readyz`)).status, 200);
  await checkTranscript(t, srv.engine, 'a new stream after the replacement', () => finalsText(c), () => batchText(srv.engine, SPEECH_PCM));
});
