// /v1/stream end to end: the real server and engine on loopback, real speech in odd chunk sizes, resampling,
// grammar swaps, finalize, and bad input that must neither crash the process nor disturb another stream.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ODD_CHUNKS, SILENCE_PCM, SPEECH_PCM, batchText, checkTranscript, speechAt, startServer, type Running } from './harness.ts';
import { TestClient, type Msg } from './ws-client.ts';

let srv: Running;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.close();
});

const finalsText = (c: TestClient) =>
  c.messages
    .filter((m) => m.type === 'final')
    .map((m) => m.text)
    .filter((t) => t !== '')
    .join(' ');

function checkFinal(m: Msg, durationSec: number): void {
  assert.equal(typeof m.text, 'string');
  assert.ok(['OK', 'NO_MATCH', 'NO_SPEECH'].includes(m.result as string));
  assert.ok((m.start as number) >= 0 && (m.end as number) >= (m.start as number) && (m.end as number) <= durationSec + 0.3);
  for (const w of m.words as Msg[]) {
    assert.deepEqual(Object.keys(w).sort(), ['confidence', 'end', 'start', 'word']);
    assert.ok((w.start as number) <= (w.end as number) && (w.confidence as number) >= 0 && (w.confidence as number) <= 1);
  }
}

/** Streams `bytes` in odd chunks at about 4× real time, then eof; resolves with the client once closed. */
async function streamAll(url: string, bytes: Buffer, bytesPerSec: number): Promise<TestClient> {
  const c = await TestClient.connect(url);
  await c.nextType('ready');
  let sent = 0;
  for (let i = 0; sent < bytes.length; i++) {
    const n = ODD_CHUNKS[i % ODD_CHUNKS.length];
    c.send(bytes.subarray(sent, sent + n));
    sent += n;
    if (i % 6 === 5) await new Promise((r) => setTimeout(r, (1000 * 12000) / bytesPerSec / 4));
  }
  c.send({ type: 'eof' });
  assert.deepEqual(await c.closeInfo(), { code: 1000, reason: '' });
  return c;
}

test('real speech in odd chunk sizes: ready, partials, finals with word timings, eof, close 1000', async (t) => {
  const c = await streamAll(`${srv.ws}/v1/stream?grammar=digits`, SPEECH_PCM, 32000);
  const types = c.types();
  assert.equal(types[0], 'ready');
  assert.equal(types.at(-1), 'eof');
  assert.ok(types.includes('final'));
  assert.deepEqual(new Set(types), new Set(types.filter((x) => ['ready', 'partial', 'final', 'eof'].includes(x))));
  assert.equal(c.messages[0].sample_rate, 16000);
  assert.equal(c.messages[0].grammar, 'digits');
  for (const m of c.messages.filter((x) => x.type === 'final')) checkFinal(m, SPEECH_PCM.length / 32000);
  for (const m of c.messages.filter((x) => x.type === 'partial')) assert.ok(typeof m.text === 'string' && m.text !== '');
  await checkTranscript(t, srv.engine, 'odd chunks, same as the engine\'s batch result', () => finalsText(c), () => batchText(srv.engine, SPEECH_PCM));
});

test('any rate and both encodings are resampled: 8 kHz s16le by query, 44.1 kHz f32le by config message', async (t) => {
  const a = await streamAll(`${srv.ws}/v1/stream?sample_rate=8000`, speechAt(8000, 's16le'), 16000);
  assert.equal(a.messages[0].sample_rate, 8000);
  const b = await TestClient.connect(`${srv.ws}/v1/stream`);
  await b.nextType('ready');
  b.send({ type: 'config', sample_rate: 44100, encoding: 'f32le' });
  const ready = await b.nextType('ready');
  assert.equal(ready.sample_rate, 44100);
  assert.equal(ready.encoding, 'f32le');
  await b.sendChunks(speechAt(44100, 'f32le'), [4099, 17, 8191]);
  b.send({ type: 'eof' });
  assert.equal((await b.closeInfo()).code, 1000);
  assert.ok(b.messages.some((m) => m.type === 'final'));
  await checkTranscript(t, srv.engine, '8 kHz s16le', () => finalsText(a), () => batchText(srv.engine, speechAt(8000, 's16le'), { sampleRate: 8000 }));
  await checkTranscript(t, srv.engine, '44.1 kHz f32le', () => finalsText(b), () =>
    batchText(srv.engine, speechAt(44100, 'f32le'), { sampleRate: 44100, encoding: 'f32le' }),
  );
});

test('grammar swap mid-stream; a grammar that fails to compile is an error event and the old one stays', async (t) => {
  const c = await TestClient.connect(`${srv.ws}/v1/stream?grammar=yesno`);
  assert.equal((await c.nextType('ready')).grammar, 'yesno');
  // First utterance under yesno; the swap is sent while its audio is still being recognised.
  await c.sendChunks(Buffer.concat([SPEECH_PCM, SILENCE_PCM]), ODD_CHUNKS);
  c.send({ type: 'grammar', name: 'digits' });
  const g = await c.nextType('grammar');
  assert.equal(g.name, 'digits');
  assert.equal(typeof g.compile_ms, 'number');
  assert.equal(g.effective_at, 'next_utterance');
  c.send({ type: 'grammar', jsgf: '#JSGF V1.0;\ngrammar broken;\npublic <a> = seven ( three | nine ;\n' });
  const err = await c.nextType('error');
  assert.equal(err.code, 'GRAMMAR_SYNTAX');
  assert.equal(typeof err.line, 'number');
  assert.equal(typeof err.column, 'number');
  c.send({ type: 'grammar', phrases: ['seven three nine', 'one two three'] });
  assert.match(String((await c.nextType('grammar')).name), /^inline:/);
  c.send({ type: 'grammar', name: 'digits' });
  await c.nextType('grammar');
  c.send({ type: 'finalize' });
  // The finalize's final is the one that reaches the end of the audio sent (endpoint finals may come before it).
  const firstSec = (SPEECH_PCM.length + SILENCE_PCM.length) / 32000;
  const f1 = await c.next((m) => m.type === 'final' && (m.end as number) >= firstSec - 0.2);
  checkFinal(f1, firstSec + 0.1);
  // Second utterance: decoded with digits, the last grammar that compiled.
  await c.sendChunks(Buffer.concat([SPEECH_PCM, SILENCE_PCM]), ODD_CHUNKS);
  c.send({ type: 'eof' });
  await c.nextType('eof');
  assert.equal((await c.closeInfo()).code, 1000);
  const second = () =>
    c.messages
      .slice(c.messages.indexOf(f1) + 1)
      .filter((m) => m.type === 'final' && m.text !== '')
      .map((m) => m.text)
      .join(' ');
  await checkTranscript(t, srv.engine, 'the utterance after the swap', second);
});

test('grammar messages sent just before eof are answered (grammar or error) before the eof message', async () => {
  const c = await TestClient.connect(`${srv.ws}/v1/stream`);
  await c.nextType('ready');
  await c.sendChunks(SPEECH_PCM, ODD_CHUNKS);
  // Not compiled before: the compile is still running when eof arrives.
  c.send({ type: 'grammar', phrases: ['seven three nine', 'nine three seven', 'three nine seven please'] });
  c.send({ type: 'grammar', jsgf: '#JSGF V1.0;\ngrammar b;\npublic <a> = seven [ three ;\n' });
  c.send({ type: 'eof' });
  assert.deepEqual(await c.closeInfo(), { code: 1000, reason: '' });
  const answers = c.messages.filter((m) => m.type === 'grammar' || m.type === 'error' || m.type === 'eof');
  assert.deepEqual(
    answers.map((m) => (m.type === 'error' ? `error:${String(m.code)}` : m.type)),
    ['grammar', 'error:GRAMMAR_SYNTAX', 'eof'],
  );
  assert.match(String(answers[0].name), /^inline:/);
  assert.equal(answers[1].line, 3);
});

test('finalize ends the utterance now and the stream goes on', async () => {
  const c = await TestClient.connect(`${srv.ws}/v1/stream`);
  await c.nextType('ready');
  await c.sendChunks(SPEECH_PCM, ODD_CHUNKS);
  c.send({ type: 'finalize' });
  // Endpoint finals may come first; the finalize's final reaches the end of the audio sent.
  const speechSec = SPEECH_PCM.length / 32000;
  const f = await c.next((m) => m.type === 'final' && (m.end as number) >= speechSec - 0.2);
  checkFinal(f, speechSec);
  await c.sendChunks(SPEECH_PCM.subarray(0, 6400), [1000]);
  c.send({ type: 'eof' });
  await c.nextType('eof');
  assert.equal((await c.closeInfo()).code, 1000);
});

test('bad input on one stream is reported there and leaves a concurrent stream untouched', async (t) => {
  const good = streamAll(`${srv.ws}/v1/stream`, SPEECH_PCM, 32000);
  const bad = await TestClient.connect(`${srv.ws}/v1/stream`);
  await bad.nextType('ready');
  bad.send('{"type":');
  bad.send('[]');
  bad.send({ type: 'launch' });
  bad.send({ type: 'config', volume: 11 });
  bad.send({ type: 'grammar', name: 'no-such-grammar' });
  await bad.sendChunks(SPEECH_PCM.subarray(0, 3201), [7, 1, 3]);
  bad.send({ type: 'config', sample_rate: 8000 });
  bad.send({ type: 'eof' });
  bad.send({ type: 'eof' });
  assert.equal((await bad.closeInfo()).code, 1000);
  const codes = bad.messages.filter((m) => m.type === 'error').map((m) => m.code);
  assert.deepEqual(codes.slice(0, 4), ['BAD_MESSAGE', 'BAD_MESSAGE', 'UNKNOWN_MESSAGE_TYPE', 'ENGINE_OPTION']);
  assert.ok(codes.includes('ENGINE_GRAMMAR_NOT_FOUND'));
  assert.ok(codes.includes('CONFIG_AFTER_AUDIO'));
  assert.ok(codes.includes('AUDIO_MISALIGNED'), `a trailing half sample is reported at eof: ${codes}`);
  assert.equal(bad.types().at(-1), 'eof');
  const g = await good;
  assert.equal(g.types().at(-1), 'eof');
  await checkTranscript(t, srv.engine, 'the good stream', () => finalsText(g), () => batchText(srv.engine, SPEECH_PCM));
});

test('options that cannot open a session end the stream with the code as close reason', async () => {
  const cases: Array<[string, number, string]> = [
    ['sample_rate=10', 1007, 'AUDIO_BAD_RATE'],
    ['sample_rate=fast', 1008, 'ENGINE_OPTION'],
    ['encoding=mp3', 1008, 'ENGINE_OPTION'],
    ['grammar=klingon', 1008, 'ENGINE_GRAMMAR_NOT_FOUND'],
    ['alternatives=1000', 1008, 'ENGINE_OPTION'],
    ['volume=3', 1008, 'ENGINE_OPTION'],
  ];
  for (const [q, code, reason] of cases) {
    const c = await TestClient.connect(`${srv.ws}/v1/stream?${q}`);
    assert.deepEqual(await c.closeInfo(), { code, reason }, q);
    assert.equal(c.messages[0].code, reason, q);
  }
});

test('a client that vanishes mid-utterance frees its place; the server goes on serving', async () => {
  const c = await TestClient.connect(`${srv.ws}/v1/stream`);
  await c.nextType('ready');
  await c.sendChunks(SPEECH_PCM.subarray(0, 20001), ODD_CHUNKS);
  c.ws.terminate();
  const t0 = Date.now();
  while (srv.server.ctx.admission.active > 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
  assert.equal(srv.server.ctx.admission.active, 0);
  assert.equal(srv.engine.activeSessions, 0);
  const d = await streamAll(`${srv.ws}/v1/stream`, SPEECH_PCM, 64000);
  assert.equal(d.types().at(-1), 'eof');
});
