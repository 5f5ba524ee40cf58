// /vosk end to end, driven the way vosk-server's own test clients drive it: a config message, audio in 8000-byte
// messages each answered by exactly one reply, then {"eof" : 1} answered by the final result and a normal close.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SPEECH_PCM, batchText, checkTranscript, speechAt, startServer, type Running } from './harness.ts';
import { TestClient, type Msg } from './ws-client.ts';

let srv: Running;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.close();
});

/** Sends a config, then the audio in `chunk`-byte messages waiting for each reply (lockstep), then eof. */
async function voskSession(path: string, config: Msg | null, audio: Buffer, chunk: number): Promise<{ replies: Msg[]; last: Msg; close: { code: number } }> {
  const c = await TestClient.connect(`${srv.ws}${path}`);
  if (config !== null) c.send({ config });
  const replies: Msg[] = [];
  for (let off = 0; off < audio.length; off += chunk) {
    c.send(audio.subarray(off, off + chunk));
    replies.push(await c.next());
  }
  c.send('{"eof" : 1}');
  const last = await c.next();
  const close = await c.closeInfo();
  assert.equal(c.messages.length, replies.length + 1, 'one reply per message, none for config');
  return { replies, last, close };
}

const resultText = (replies: Msg[], last: Msg) =>
  [...replies, last]
    .filter((m) => 'text' in m)
    .map((m) => m.text)
    .filter((x) => x !== '')
    .join(' ');

test('each audio message gets one partial or result; eof gets the final result, then close 1000', async (t) => {
  const { replies, last, close } = await voskSession('/vosk', { sample_rate: 16000.0 }, SPEECH_PCM, 8000);
  assert.equal(close.code, 1000);
  assert.equal(replies.length, Math.ceil(SPEECH_PCM.length / 8000));
  for (const r of replies) assert.ok(typeof r.partial === 'string' || typeof r.text === 'string', JSON.stringify(r));
  assert.equal(typeof last.text, 'string');
  for (const m of [...replies, last]) {
    for (const w of (m.result as Msg[] | undefined) ?? []) assert.deepEqual(Object.keys(w), ['conf', 'end', 'start', 'word']);
  }
  await checkTranscript(t, srv.engine, '16 kHz', () => resultText(replies, last), () => batchText(srv.engine, SPEECH_PCM));
});

test('8 kHz audio with words off, at the bare URL as vosk-server serves it', async (t) => {
  const { replies, last, close } = await voskSession('/', { sample_rate: 8000, words: 0 }, speechAt(8000, 's16le'), 4000);

  assert.equal(close.code, 1000);
  for (const m of [...replies, last]) assert.equal(m.result, undefined);
  const pcm8k = speechAt(8000, 's16le');
  await checkTranscript(t, srv.engine, '8 kHz', () => resultText(replies, last), () => batchText(srv.engine, pcm8k, { sampleRate: 8000 }));
});

test('a phrase list restricts recognition; max_alternatives gives an n-best list', async (t) => {
  const p = await voskSession('/vosk', { phrase_list: ['seven three nine', 'one two three', '[unk]'] }, SPEECH_PCM, 6001);
  assert.equal(p.close.code, 1000);
  const a = await voskSession('/vosk', { max_alternatives: 3 }, SPEECH_PCM, 8000);
  const alts = [...a.replies, a.last].filter((m) => 'alternatives' in m);
  assert.ok(alts.length > 0);
  for (const m of alts) {
    const list = m.alternatives as Msg[];
    assert.ok(list.length >= 1 && list.length <= 3);
    for (const x of list) assert.deepEqual(Object.keys(x).sort(), ['confidence', 'text']);
  }
  await checkTranscript(t, srv.engine, 'phrase list', () => resultText(p.replies, p.last));
});

test('a text message that is neither config nor eof gets an error reply, and the stream goes on', async () => {
  const c = await TestClient.connect(`${srv.ws}/vosk`);
  c.send('hello');
  const r = await c.next();
  assert.equal((r.error as Msg).code, 'BAD_MESSAGE');
  assert.equal(r.partial, '');
  c.send(SPEECH_PCM.subarray(0, 8001));
  const reply = await c.next();
  assert.ok('partial' in reply || 'text' in reply, JSON.stringify(reply));
  c.send('{"eof" : 1}');
  const last = await c.next((m) => 'text' in m);
  assert.equal(typeof last.text, 'string');
  const close = await c.closeInfo();
  assert.equal(close.code, 1000);
  assert.ok(last.error === undefined || (last.error as Msg).code === 'AUDIO_MISALIGNED');
});

test('a bad sample rate closes with its code, as a Vosk error message', async () => {
  const c = await TestClient.connect(`${srv.ws}/vosk`);
  c.send({ config: { sample_rate: 5 } });
  c.send(SPEECH_PCM.subarray(0, 8000));
  assert.deepEqual(await c.closeInfo(), { code: 1007, reason: 'AUDIO_BAD_RATE' });
  assert.equal((c.messages[0].error as Msg).code, 'AUDIO_BAD_RATE');
});
