// The engine with the toy acoustic model: sessions, chunking, finalize/eof, grammar swaps, codes, batching; every
// behaviour with model and search on the event loop and in worker threads, and the two compared.
// The toy model's weights are random, so transcripts are arbitrary but deterministic: tests compare runs.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { AudioError } from '../../../audio/errors.ts';
import { DecoderError } from '../../../decoder/search/errors.ts';
import { GraphError } from '../../../decoder/graph/errors.ts';
import { ModelError } from '../../../models/errors.ts';
import { Engine, type EngineConfig, type FinalEvent, type SessionEvent, type SessionOptions } from '../../../engine/engine.ts';
import { EngineError } from '../../../engine/errors.ts';
import { buildWav } from '../../fixtures/wav-builder.ts';
import { Rng } from '../../support/random.ts';

const TOY = fileURLToPath(new URL('../../fixtures/toy-acoustic-model', import.meta.url));
const A = ['sea', 'set', 'sat'];
const B = ['tea', 'toast', 'oats', 'eat'];
/** Every 0.4 s of utterance ends it: deterministic endpoints for a model that never outputs silence. */
const EVERY_400MS = { rules: [{ minUtteranceSec: 0.4 }] };

const engines: Engine[] = [];
after(async () => {
  for (const e of engines) await e.close();
});
async function toyEngine(over: Partial<EngineConfig> = {}): Promise<Engine> {
  const e = await Engine.create({
    modelDir: TOY,
    decodeWorkers: workers,
    modelWorker: workers > 0,
    defaultGrammar: 'a',
    grammars: { a: { kind: 'words', words: A }, b: { kind: 'words', words: B } },
    ...over,
  });
  engines.push(e);
  return e;
}
/** Decode worker threads of the engines the current suite creates. */
let workers = 0;
const sharedByMode = new Map<number, Engine>();
async function engine(): Promise<Engine> {
  let e = sharedByMode.get(workers);
  if (e === undefined) {
    e = await toyEngine();
    sharedByMode.set(workers, e);
  }
  return e;
}

function noise(seconds: number, seed: number, rate = 16000): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() - 0.5) * 0.8 * (0.5 + 0.5 * Math.sin(i / 900));
  return out;
}
function s16(x: Float32Array): Uint8Array {
  const b = new Uint8Array(x.length * 2);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < x.length; i++) dv.setInt16(2 * i, Math.round(Math.max(-1, Math.min(1, x[i])) * 32767), true);
  return b;
}
function fromS16(b: Uint8Array): Float32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Float32Array.from({ length: b.length / 2 }, (_, i) => dv.getInt16(2 * i, true) / 32768);
}
function f32(x: Float32Array): Uint8Array {
  return new Uint8Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
}
const code = (c: string) => (e: unknown) =>
  (e instanceof EngineError || e instanceof AudioError || e instanceof GraphError || e instanceof DecoderError || e instanceof ModelError) && e.code === c;

/** Runs a session over `bytes` sent in pieces of the given sizes (cycled), then eof; returns its events. */
async function stream(e: Engine, opts: SessionOptions, bytes: Uint8Array, sizes: number[] = [bytes.length]): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  const s = await e.createSession(opts, (ev) => events.push(ev));
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length];
    s.acceptAudio(bytes.subarray(i, i + n));
    i += n;
  }
  await s.end();
  return events;
}
const finals = (evs: SessionEvent[]) => evs.filter((e): e is FinalEvent => e.type === 'final');
const strip = (f: FinalEvent[]) => f.map((x) => ({ ...x, words: x.words.map((w) => ({ ...w, confidence: Math.round(w.confidence * 1e4) / 1e4 })) }));

for (const mode of [0, 2]) {
describe(mode === 0 ? 'model and decoding on the event loop' : `model in a worker thread, decoding in ${mode} worker threads`, () => {
  test('(suite set-up)', () => {
    workers = mode;
  });

  test('an engine reports its model and grammars; bad config and model folders are coded errors', async () => {
    const e = await engine();
    assert.equal(e.ready, true);
    assert.equal(e.model.name, 'toy-acoustic-model');
    assert.equal(e.model.placeholder, false);
    assert.equal(e.model.chunkMs, 100);
    assert.deepEqual(e.grammars.list().filter((g) => g.origin === 'user').map((g) => g.name), ['a', 'b']);
    assert.ok(typeof e.describe().decoder === 'object');
    await assert.rejects(Engine.create({ bogus: 1 } as never), code('ENGINE_OPTION'));
    await assert.rejects(Engine.create({ modelDir: '/nonexistent/model' }), code('MODEL_IO'));
    await assert.rejects(Engine.create({ modelDir: TOY, defaultGrammar: 'nope' }), code('ENGINE_GRAMMAR_NOT_FOUND'));
    await assert.rejects(Engine.create({ modelDir: TOY, defaultGrammar: 'a', grammars: { a: { kind: 'words', words: A } }, decoder: { beam: -1 } }), code('DECODER_OPTION'));
  });

  test('streamed bytes in odd sizes give the same finals as whole-file transcription', async () => {
    const e = await engine();
    const audio = s16(noise(2.3, 1));
    const whole = await e.transcribe(fromS16(audio), { endpoint: EVERY_400MS });
    assert.ok(whole.segments.length >= 4, `${whole.segments.length} segments`);
    for (const sizes of [[1], [333, 1, 4097], [777], [audio.length]]) {
      const evs = await stream(e, { endpoint: EVERY_400MS }, sizes[0] === 1 ? audio.subarray(0, 9601) : audio, sizes);
      if (sizes[0] === 1) continue; // byte-at-a-time over 0.3 s: checked for not failing only (slow otherwise)
      assert.deepEqual(strip(finals(evs)).map(({ type: _t, ...f }) => f), strip(whole.segments.map((s) => ({ type: 'final' as const, ...s }))).map(({ type: _t, ...f }) => f), `sizes ${sizes}`);
      assert.equal(evs.at(-1)?.type, 'end');
      assert.equal(evs.filter((x) => x.type === 'end').length, 1);
    }
    // Segments tile the stream: each starts where the previous ended.
    for (let k = 1; k < whole.segments.length; k++) assert.equal(whole.segments[k].start, whole.segments[k - 1].end);
    assert.ok(Math.abs(whole.durationSec - 2.3) < 1e-9);
    assert.equal(whole.text, whole.segments.map((s) => s.text).filter((t) => t).join(' '));
    for (const w of whole.words) assert.ok(A.includes(w.word) && w.start < w.end && w.confidence > 0 && w.confidence <= 1);
  });

  test('any input rate is resampled: 44.1 kHz f32le streamed equals transcription of the same samples', async () => {
    const e = await engine();
    const x = noise(1.2, 2, 44100);
    const whole = await e.transcribe(x, { sampleRate: 44100, endpoint: false });
    const evs = await stream(e, { sampleRate: 44100, encoding: 'f32le', endpoint: false }, f32(x), [1001, 4, 7]);
    assert.deepEqual(strip(finals(evs)).map(({ type: _t, ...f }) => f), strip(whole.segments.map((s) => ({ type: 'final' as const, ...s }))).map(({ type: _t, ...f }) => f));
    assert.ok(Math.abs(whole.durationSec - 1.2) < 1e-3);
  });

  test('partials come before their final, are never empty, and events end with exactly one end', async () => {
    const e = await engine();
    const events: SessionEvent[] = [];
    const s = await e.createSession({ endpoint: false }, (ev) => events.push(ev));
    const audio = s16(noise(1.5, 3));
    for (let i = 0; i < audio.length; i += 3200) {
      s.acceptAudio(audio.subarray(i, i + 3200));
      await new Promise((r) => setTimeout(r, 12));
    }
    await s.end();
    const types = events.map((x) => x.type);
    assert.ok(types.includes('partial'), types.join(','));
    assert.ok(types.lastIndexOf('partial') < types.indexOf('final'));
    assert.deepEqual(types.slice(-2), ['final', 'end']);
    for (const p of events) if (p.type === 'partial') assert.ok(p.text.length > 0 && p.words.length > 0);
    assert.equal(s.state, 'ended');
    assert.ok(e.stats().firstPartialMs.count >= 1);
    // partials: false → none.
    const quiet = await stream(e, { partials: false, endpoint: false }, audio, [3200]);
    assert.ok(!quiet.some((x) => x.type === 'partial'));
  });

  test('finalize ends the utterance and keeps the stream; times keep counting from its start', async () => {
    const e = await engine();
    const events: SessionEvent[] = [];
    const s = await e.createSession({ endpoint: false, partials: false }, (ev) => events.push(ev));
    s.finalize(); // nothing yet: a NO_SPEECH final all the same
    s.acceptAudio(s16(noise(1.0, 4)));
    s.finalize();
    s.acceptAudio(s16(noise(0.6, 5)));
    await s.end();
    const f = finals(events);
    assert.equal(f.length, 3);
    assert.equal(f[0].code, 'NO_SPEECH');
    assert.equal(f[0].text, '');
    // The first utterance holds the audio before finalize, up to its last whole 100 ms chunk, minus the look-ahead.
    assert.equal(f[1].start, 0);
    assert.ok(f[1].end >= 0.9 && f[1].end <= 1.0, `first utterance ends at ${f[1].end}`);
    assert.equal(f[2].start, f[1].end);
    assert.ok(Math.abs(f[2].end - 1.6) < 1e-9);
    assert.throws(() => s.finalize(), code('ENGINE_SESSION_STATE'));
    assert.throws(() => s.acceptAudio(new Uint8Array(2)), code('ENGINE_SESSION_STATE'));
  });

  test('a grammar swap takes effect at the next utterance, or re-decodes the current one on request', async () => {
    const e = await engine();
    const a1 = s16(noise(1.0, 6));
    const a2 = s16(noise(1.0, 7));
    const events: SessionEvent[] = [];
    const s = await e.createSession({ endpoint: false, partials: false }, (ev) => events.push(ev));
    s.acceptAudio(a1);
    s.setGrammar('b');
    await new Promise((r) => setTimeout(r, 50));
    s.finalize();
    s.acceptAudio(a2);
    await s.end();
    const g = events.find((x) => x.type === 'grammar');
    assert.deepEqual(g && { ...g, compile_ms: 0 }, { type: 'grammar', name: 'b', compile_ms: 0, effective_at: 'next_utterance' });
    const [f1, f2] = finals(events);
    assert.ok(f1.words.length > 0 && f1.words.every((w) => A.includes(w.word)), f1.text);
    assert.ok(f2.words.length > 0 && f2.words.every((w) => B.includes(w.word)), f2.text);
    assert.ok(events.indexOf(g as SessionEvent) < events.indexOf(f1));

    // restartUtterance: the whole utterance, from its start, in the new grammar; the same as having used it all along.
    const ev2: SessionEvent[] = [];
    const s2 = await e.createSession({ endpoint: false, partials: false }, (ev) => ev2.push(ev));
    s2.acceptAudio(a1);
    await new Promise((r) => setTimeout(r, 50));
    s2.setGrammar({ kind: 'words', words: B }, { restartUtterance: true });
    await new Promise((r) => setTimeout(r, 20));
    await s2.end();
    const g2 = ev2.find((x) => x.type === 'grammar');
    assert.equal(g2?.type === 'grammar' && g2.effective_at, 'current_utterance');
    assert.match(s2.grammar, /^inline:/);
    const direct = await e.transcribe(fromS16(a1), { grammar: 'b', endpoint: false });
    assert.deepEqual(strip(finals(ev2)).map(({ type: _t, ...f }) => f), strip(direct.segments.map((x) => ({ type: 'final' as const, ...x }))).map(({ type: _t, ...f }) => f));
  });

  test('a grammar that fails to compile is an error event; the old grammar stays and the session goes on', async () => {
    const e = await engine();
    const events: SessionEvent[] = [];
    const s = await e.createSession({ endpoint: false, partials: false }, (ev) => events.push(ev));
    s.acceptAudio(s16(noise(0.5, 8)));
    s.setGrammar({ kind: 'jsgf', text: '#JSGF V1.0;\ngrammar g;\npublic <a> = (sea | set;\n' });
    s.setGrammar('no-such-grammar');
    s.setGrammar({ kind: 'arpa', text: '' } as never);
    await new Promise((r) => setTimeout(r, 30));
    await s.end();
    const errs = events.filter((x) => x.type === 'error');
    assert.deepEqual(errs.map((x) => x.type === 'error' && [x.code, x.fatal]), [
      ['GRAMMAR_SYNTAX', false],
      ['ENGINE_GRAMMAR_NOT_FOUND', false],
      ['ENGINE_OPTION', false],
    ]);
    const syntax = errs[0];
    assert.ok(syntax.type === 'error' && syntax.details?.line === 3 && typeof syntax.details.column === 'number');
    assert.equal(s.grammar, 'a');
    const f = finals(events);
    assert.equal(f.length, 1);
    assert.ok(f[0].words.every((w) => A.includes(w.word)));
    assert.equal(events.at(-1)?.type, 'end');
  });

  test('grammar swaps asked for just before end are answered (grammar or error event) before the end event', async () => {
    const e = await engine();
    const events: SessionEvent[] = [];
    const s = await e.createSession({ endpoint: false, partials: false }, (ev) => events.push(ev));
    s.acceptAudio(s16(noise(0.45, 13)));
    // A grammar not compiled before (the compile takes a while), one that does not compile, one that does not exist.
    s.setGrammar({ kind: 'phrases', text: 'oats eat sat\nsea tea\n' });
    s.setGrammar({ kind: 'jsgf', text: '#JSGF V1.0;\ngrammar g;\npublic <a> = sea (tea;\n' });
    s.setGrammar('no-such-grammar');
    await s.end();
    const kinds = events.map((x) => (x.type === 'error' ? `error:${x.code}` : x.type));
    assert.deepEqual(kinds.filter((k) => k !== 'final'), ['grammar', 'error:GRAMMAR_SYNTAX', 'error:ENGINE_GRAMMAR_NOT_FOUND', 'end']);
    assert.equal(kinds.at(-2), 'final');
    assert.match(s.grammar, /^inline:/);
  });

  test('bad audio and bad options are coded errors', async () => {
    const e = await engine();
    // A trailing half sample: reported at end, not fatal; the audio before it is recognised.
    const evs = await stream(e, { partials: false }, s16(noise(0.6, 9)).subarray(0, 16001), [999]);
    const err = evs.find((x) => x.type === 'error');
    assert.ok(err?.type === 'error' && err.code === 'AUDIO_MISALIGNED' && err.fatal === false);
    const end = evs.at(-1);
    assert.ok(end?.type === 'end' && end.audio_sec === 0.5, JSON.stringify(end));
    await assert.rejects(e.createSession({ sampleRate: 12 }), code('AUDIO_BAD_RATE'));
    await assert.rejects(e.createSession({ encoding: 'mp3' as never }), code('ENGINE_OPTION'));
    await assert.rejects(e.createSession({ grammar: 'nope' }), code('ENGINE_GRAMMAR_NOT_FOUND'));
    await assert.rejects(e.createSession({ grammar: { kind: 'jsgf', text: 'not jsgf' } }), code('GRAMMAR_SYNTAX'));
    await assert.rejects(e.createSession({ endpoint: { rules: [{ minTrailingSilenceSec: -1 }] } }), code('DECODER_OPTION'));
    await assert.rejects(e.transcribe(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), code('AUDIO_MALFORMED'));
    const wav = buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, values: Array.from({ length: 800 }, (_, i) => (i * 37) % 2000) });
    await assert.rejects(e.transcribe(wav.subarray(0, wav.length - 100)), code('AUDIO_TRUNCATED'));
    await assert.rejects(e.transcribe(new Uint8Array(5), { raw: { encoding: 's16le', sampleRate: 16000 } }), code('AUDIO_MISALIGNED'));
    await assert.rejects(e.transcribe(new Float32Array(10), { bogus: 1 } as never), code('ENGINE_OPTION'));
    // An 8 kHz WAV is resampled.
    const r = await e.transcribe(wav);
    assert.ok(Math.abs(r.durationSec - 0.1) < 1e-3);
    const s = await e.createSession({});
    assert.throws(() => s.acceptAudio('bytes' as never), code('ENGINE_OPTION'));
    s.close();
  });

  test('limits: backlog, session count, closed engine, closed session', async () => {
    const e = await toyEngine({ maxQueuedAudioSec: 0.5, maxSessions: 2, warmUp: false });
    const events: SessionEvent[] = [];
    const s = await e.createSession({}, (ev) => events.push(ev));
    s.acceptAudio(s16(noise(0.6, 10)));
    assert.throws(() => s.acceptAudio(new Uint8Array(320)), code('ENGINE_BACKLOG'));
    const s2 = await e.createSession({});
    await assert.rejects(e.createSession({}), code('ENGINE_BUSY'));
    s.close();
    s.close();
    assert.equal(e.activeSessions, 1);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(events.length, 0, 'no events after close');
    assert.throws(() => s.acceptAudio(new Uint8Array(2)), code('ENGINE_SESSION_STATE'));
    s2.acceptAudio(s16(noise(0.3, 11)));
    await e.close();
    assert.equal(e.ready, false);
    assert.equal(e.activeSessions, 0);
    await assert.rejects(e.createSession({}), code('ENGINE_NOT_READY'));
    await assert.rejects(e.transcribe(new Float32Array(100)), code('ENGINE_NOT_READY'));
  });

  test('sessions are batched: several sessions share model runs, with the results of unbatched runs', async () => {
    const e = await toyEngine({ batchMaxWaitMs: 20, warmUp: false });
    const inputs = [0, 1, 2, 3, 4, 5].map((k) => s16(noise(1.0 + 0.1 * k, 20 + k)));
    // Alone: one session at a time, every run carries one stream.
    const alone: FinalEvent[][] = [];
    for (const x of inputs) alone.push(finals(await stream(e, { endpoint: EVERY_400MS, alternatives: 3 }, x, [3200])));
    const before = e.stats();
    assert.equal(before.meanBatch, 1);
    // Together: all six fed 100 ms at a time, in step.
    const events = inputs.map((): SessionEvent[] => []);
    const sessions = await Promise.all(inputs.map((_, k) => e.createSession({ endpoint: EVERY_400MS, alternatives: 3 }, (ev) => events[k].push(ev))));
    const longest = Math.max(...inputs.map((x) => x.length));
    for (let i = 0; i < longest; i += 3200) inputs.forEach((x, k) => i < x.length && sessions[k].acceptAudio(x.subarray(i, i + 3200)));
    await Promise.all(sessions.map((s) => s.end()));
    const after = e.stats();
    const runs = after.modelRuns - before.modelRuns;
    const streams = after.streamsRun - before.streamsRun;
    assert.ok(streams / runs >= 3, `mean batch ${(streams / runs).toFixed(2)} over ${runs} runs`);
    const big = after.batchSize.counts.slice(2).reduce((a, b) => a + b, 0) - before.batchSize.counts.slice(2).reduce((a, b) => a + b, 0);
    assert.ok(big > 0, 'some runs carried more than two streams');
    for (let k = 0; k < inputs.length; k++) {
      assert.deepEqual(strip(finals(events[k])), strip(alone[k]), `session ${k}`);
      assert.ok(finals(events[k]).every((f) => f.alternatives !== undefined && f.alternatives.length >= 1));
    }
    assert.equal(after.activeSessions, 0);
    assert.equal(after.queuedAudioSec, 0);
    assert.ok(after.audioSec > 6 && after.rtf > 0);
    assert.ok(after.finalAfterEofMs.count >= 12);
  });

  test('inline grammars given with sessions are compiled once and shared', async () => {
    const e = await engine();
    const before = e.stats().inlineGrammars;
    const g = { kind: 'phrases' as const, text: 'eat toast\ntea set\n' };
    const s1 = await e.createSession({ grammar: g });
    const s2 = await e.createSession({ grammar: { ...g } });
    assert.equal(s1.grammar, s2.grammar);
    assert.equal(e.stats().inlineGrammars, before + 1);
    s1.close();
    s2.close();
  });
});
}

test('model and decode worker threads give exactly the events of running on the event loop', async () => {
  const run = async (decodeWorkers: number): Promise<SessionEvent[][]> => {
    const e = await Engine.create({
      modelDir: TOY,
      decodeWorkers,
      modelWorker: decodeWorkers > 0,
      defaultGrammar: 'a',
      grammars: { a: { kind: 'words', words: A } },
    });
    engines.push(e);
    assert.equal(e.stats().decodeWorkers, decodeWorkers);
    // Compiled before, so that the swap below resolves from the cache at once in both runs: a compile's wall time
    // (in the compile thread) decides which utterance a swap reaches.
    await e.grammars.resolve({ kind: 'words', words: B });
    const inputs = [0, 1, 2].map((k) => s16(noise(1.3 + 0.2 * k, 40 + k)));
    const events = inputs.map((): SessionEvent[] => []);
    const sessions = await Promise.all(inputs.map((_, k) => e.createSession({ endpoint: EVERY_400MS, alternatives: 2 }, (ev) => events[k].push(ev))));
    for (let i = 0; i < 64000; i += 3200) {
      inputs.forEach((x, k) => i < x.length && sessions[k].acceptAudio(x.subarray(i, i + 3200)));
      if (i === 9600) sessions[1].finalize();
      if (i === 12800) sessions[2].setGrammar({ kind: 'words', words: B });
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sessions.map((s) => s.end()));
    return events.map((evs) => evs.map((ev) => (ev.type === 'grammar' ? { ...ev, compile_ms: 0 } : ev)));
  };
  const local = await run(0);
  const threaded = await run(2);
  for (let k = 0; k < local.length; k++) {
    assert.ok(local[k].some((x) => x.type === 'partial') && local[k].some((x) => x.type === 'final'));
    assert.deepEqual(threaded[k], local[k], `session ${k}`);
  }
});

test('a worker thread that dies takes only its own sessions with it, coded; a replacement serves new ones', async () => {
  const e = await toyEngine({ decodeWorkers: 2, modelWorker: true, warmUp: false });
  const audio = s16(noise(1.5, 60));
  const alone = finals(await stream(e, { endpoint: EVERY_400MS }, audio, [3200]));
  const feed = async (s: Awaited<ReturnType<Engine['createSession']>>, from: number, to: number) => {
    for (let i = from; i < to; i += 3200) {
      s.acceptAudio(audio.subarray(i, Math.min(i + 3200, to)));
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const failedWith = (evs: SessionEvent[]) => evs.filter((x) => x.type === 'error' && x.fatal).map((x) => x.type === 'error' && x.code);

  // Decode worker 0 dies: the session pinned to it (the first) ends with ENGINE_WORKER_FAILED; the other one, on
  // worker 1, is not disturbed and gets exactly the finals it gets alone.
  const ev1: SessionEvent[] = [];
  const ev2: SessionEvent[] = [];
  const s1 = await e.createSession({ endpoint: EVERY_400MS }, (ev) => ev1.push(ev));
  const s2 = await e.createSession({ endpoint: EVERY_400MS }, (ev) => ev2.push(ev));
  await Promise.all([feed(s1, 0, 16000), feed(s2, 0, 16000)]);
  assert.equal(await e.terminateWorker('decode', 0), true);
  await s1.end().catch(() => {});
  assert.deepEqual(failedWith(ev1), ['ENGINE_WORKER_FAILED']);
  assert.equal(ev1.at(-1)?.type, 'end');
  assert.ok(s1.failure instanceof EngineError && s1.failure.code === 'ENGINE_WORKER_FAILED');
  await feed(s2, 16000, audio.length);
  await s2.end();
  assert.deepEqual(failedWith(ev2), []);
  assert.deepEqual(strip(finals(ev2)), strip(alone));
  assert.equal(e.stats().workerRestarts.decode, 1);
  // New sessions are served by both workers again (the replacement included), with the same results.
  const again = await Promise.all([0, 1, 2].map(() => stream(e, { endpoint: EVERY_400MS }, audio, [3200])));
  for (const evs of again) assert.deepEqual(strip(finals(evs)), strip(alone));

  // The model thread dies: every stream's state is lost, so every session ends with the code (a transcription in
  // flight rejects with it); the replacement loads the model and serves new sessions with the same results.
  const ev3: SessionEvent[] = [];
  const s3 = await e.createSession({ endpoint: EVERY_400MS }, (ev) => ev3.push(ev));
  await feed(s3, 0, 9600);
  const runsBefore = e.stats().modelRuns;
  const long = e.transcribe(fromS16(s16(noise(30, 61))));
  while (e.activeSessions < 2) await new Promise((r) => setTimeout(r, 1));
  const longFails = assert.rejects(long, code('ENGINE_WORKER_FAILED'));
  assert.equal(await e.terminateWorker('model'), true);
  await longFails;
  assert.deepEqual(failedWith(ev3), ['ENGINE_WORKER_FAILED']);
  assert.equal(ev3.at(-1)?.type, 'end');
  assert.equal(e.activeSessions, 0);
  assert.deepEqual(strip(finals(await stream(e, { endpoint: EVERY_400MS }, audio, [3200]))), strip(alone));
  assert.equal(e.stats().workerRestarts.model, 1);
  assert.ok(e.stats().modelRuns > runsBefore, 'run counters stay cumulative across the replacement');

  // The compile thread dies during a compile: that compile fails coded, the next one starts a new thread.
  const phrases = Array.from({ length: 3000 }, (_, i) => `${B[i % 4]} ${A[(i >> 2) % 3]} ${B[(i >> 4) % 4]} ${A[(i >> 6) % 3]}`).join('\n');
  const put = e.grammars.put('many', { kind: 'phrases', text: phrases });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await e.terminateWorker('compile'), true);
  await assert.rejects(put, code('ENGINE_WORKER_FAILED'));
  const info = await e.grammars.put('small', { kind: 'words', words: B });
  assert.equal(info.words, 4);
  assert.equal(e.stats().workerRestarts.compile, 1);
  assert.deepEqual(e.stats().workerRestarts, { model: 1, decode: 1, compile: 1 });
});
