// Recognizer and Stream: endpointing across utterances, chunking invariance, grammar swaps, modes, options, errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGrammar, type CompiledGraph } from '../../../../decoder/graph/tlg.ts';
import { TokenTable } from '../../../../decoder/graph/tokens.ts';
import { DIGIT_WORDS } from '../../../../decoder/graph/words.ts';
import { DEFAULT_DECODER_CONFIG } from '../../../../decoder/search/config.ts';
import { DecoderError } from '../../../../decoder/search/errors.ts';
import { Recognizer } from '../../../../decoder/search/recognizer.ts';
import type { UtteranceResult } from '../../../../decoder/search/results.ts';
import type { Stream } from '../../../../decoder/search/stream.ts';
import { synthesizePosteriors, type SyntheticUtterance } from '../../../../decoder/search/synthetic-posteriors.ts';

const tokens = TokenTable.default();
const V = tokens.size;
const COMMANDS = `#JSGF V1.0;
grammar commands;
public <c> = (turn | switch) (on | off) the (light | fan | radio);
`;

let digitsG: CompiledGraph | undefined;
let commandsG: CompiledGraph | undefined;
const digits = () => (digitsG ??= compileGrammar({ kind: 'words', words: DIGIT_WORDS }, tokens));
const commands = () => (commandsG ??= compileGrammar({ kind: 'jsgf', text: COMMANDS }, tokens));

function codeIs(code: string) {
  return (e: unknown) => e instanceof DecoderError && e.code === code;
}

/** Frames of pure silence (blank ≈ 1). */
function silence(frames: number): Float32Array {
  const out = new Float32Array(frames * V);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < V; k++) out[t * V + k] = k === tokens.blank ? Math.log(1 - 1e-5 * (V - 1)) : Math.log(1e-5);
  }
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function feed(s: Stream, data: Float32Array, chunk: number): UtteranceResult[] {
  const frames = data.length / V;
  const out: UtteranceResult[] = [];
  for (let t = 0; t < frames; t += chunk) {
    const n = Math.min(chunk, frames - t);
    out.push(...s.accept(data.subarray(t * V, (t + n) * V), n));
  }
  return out;
}

test('endpointing splits utterances at silence; times keep counting from the start of the stream', () => {
  const rec = new Recognizer({ graph: digits() });
  const u1 = synthesizePosteriors('one two', tokens, { seed: 1 });
  const u2 = synthesizePosteriors('three four five', tokens, { seed: 2 });
  const gap = 40; // 0.8 s: past rule 2's 0.5 s of trailing silence
  const s = rec.createStream();
  const ended = feed(s, concat([u1.logProbs, silence(gap), u2.logProbs]), 16);
  assert.equal(ended.length, 1);
  assert.equal(ended[0].code, 'OK');
  assert.equal(ended[0].text, 'one two');
  assert.equal(ended[0].endpointRule, 1);
  const last = s.finish();
  assert.equal(last.text, 'three four five');
  assert.equal(last.endpointRule, -1);
  assert.ok(Math.abs(last.startSec - ended[0].endSec) < 1e-9, 'the next utterance starts where the last ended');
  const offset = u1.numFrames + gap;
  last.words.forEach((w, k) => {
    assert.ok(Math.abs(w.startSec - (offset + u2.words[k].startFrame) * 0.02) <= 0.02 + 1e-9, `${w.word} at ${w.startSec}`);
  });
});

test('endpointed results do not depend on chunk size', () => {
  const rec = new Recognizer({ graph: digits(), decoder: { gcIntervalFrames: 9 } });
  const parts: Float32Array[] = [];
  ['seven', 'eight nine', 'zero'].forEach((t, i) => {
    parts.push(synthesizePosteriors(t, tokens, { seed: 10 + i, confusion: 0.1 }).logProbs, silence(30 + 10 * i));
  });
  const data = concat(parts);
  const runs = [1, 7, data.length / V].map((chunk) => {
    const s = rec.createStream({ nbest: 2 });
    const out = feed(s, data, chunk);
    out.push(s.finish());
    return out;
  });
  assert.deepEqual(runs[1], runs[0]);
  assert.deepEqual(runs[2], runs[0]);
  assert.deepEqual(runs[0].map((r) => r.text).filter((t) => t !== ''), ['seven', 'eight nine', 'zero']);
});

test('rules are per stream: a maximum utterance length, no endpointing, and silence-only utterances', () => {
  const rec = new Recognizer({ graph: digits() });
  const u = synthesizePosteriors('one two three four five six seven eight nine', tokens, { seed: 3 });
  const capped = rec.createStream({ endpoint: { rules: [{ minUtteranceSec: 1 }] } });
  const cut = feed(capped, u.logProbs, 5);
  assert.equal(cut.length, Math.floor(u.numFrames / 50));
  cut.forEach((r) => assert.equal(r.frames, 50));
  capped.finish();
  const none = rec.createStream({ endpoint: false });
  assert.deepEqual(feed(none, concat([u.logProbs, silence(400)]), 50), []);
  assert.equal(none.finish().text, 'one two three four five six seven eight nine');
  // Rule 1: 5 s of silence with nothing said ends an (empty) utterance.
  const quiet = rec.createStream();
  const ended = feed(quiet, silence(260), 20);
  assert.equal(ended.length, 1);
  assert.equal(ended[0].code, 'NO_SPEECH');
  assert.equal(ended[0].endpointRule, 0);
  assert.throws(() => rec.createStream({ endpoint: { rules: [{ minTrailingSilenceSec: -1 }] } }), codeIs('DECODER_OPTION'));
  assert.throws(() => rec.createStream({ endpoint: { maxSec: 3 } as never }), codeIs('DECODER_OPTION'));
});

test('grammar swap: the next utterance decodes against the new graph, with no pause in input', () => {
  const rd = new Recognizer({ graph: digits() });
  const rc = new Recognizer({ graph: commands() });
  const s = rd.createStream();
  const u1 = synthesizePosteriors('four two', tokens, { seed: 4 });
  const u2 = synthesizePosteriors('turn off the radio', tokens, { seed: 5 });
  const half = Math.floor(u1.numFrames / 2);
  const out = s.accept(u1.logProbs.subarray(0, half * V), half);
  assert.deepEqual(s.setRecognizer(rc), []);
  assert.equal(s.currentRecognizer, rd, 'the current utterance keeps its graph');
  out.push(...feed(s, concat([u1.logProbs.subarray(half * V), silence(40), u2.logProbs]), 10));
  assert.equal(out.length, 1);
  assert.equal(out[0].text, 'four two');
  assert.equal(s.currentRecognizer, rc);
  assert.equal(s.finish().text, 'turn off the radio');
});

test('grammar swap of the current utterance re-decodes it from its start', () => {
  const rd = new Recognizer({ graph: digits() });
  const rc = new Recognizer({ graph: commands() });
  const u = synthesizePosteriors('switch on the fan', tokens, { seed: 6 });
  const s = rd.createStream();
  const half = Math.floor(u.numFrames / 2);
  s.accept(u.logProbs.subarray(0, half * V), half);
  assert.doesNotMatch(s.partial().text, /switch/);
  s.setRecognizer(rc, { restartUtterance: true });
  assert.match(s.partial().text, /^switch on/);
  s.accept(u.logProbs.subarray(half * V), u.numFrames - half);
  const r = s.finish();
  assert.equal(r.text, 'switch on the fan');
  assert.equal(r.startSec, 0);
  // Restarting needs the frames, and the tokens must match.
  const lean = rd.createStream({ keepUtteranceFrames: false });
  lean.accept(u.logProbs.subarray(0, half * V), half);
  assert.throws(() => lean.setRecognizer(rc, { restartUtterance: true }), codeIs('DECODER_STATE'));
  const other = new TokenTable(['<blk>', 'a', 'b']);
  assert.throws(() => s.setRecognizer(new Recognizer({ tokens: other })), codeIs('DECODER_STATE'));
  const t = rd.createStream();
  assert.throws(() => t.setRecognizer(new Recognizer({ tokens: other })), codeIs('DECODER_GRAPH'));
});

test('graph-free modes through streams: greedy and prefix beam give open-vocabulary words', () => {
  const text = 'hello wonderful world';
  const u: SyntheticUtterance = synthesizePosteriors(text, tokens, { seed: 8, confusion: 0 });
  for (const mode of ['greedy', 'prefix-beam'] as const) {
    const rec = new Recognizer({ tokens, mode });
    const s = rec.createStream({ endpoint: false, nbest: 3 });
    feed(s, u.logProbs, 7);
    assert.equal(s.partial().text, text, mode);
    const r = s.finish();
    assert.equal(r.code, 'OK');
    assert.equal(r.text, text, mode);
    r.words.forEach((w, k) => {
      assert.ok(Math.abs(w.startSec - u.words[k].startFrame * 0.02) <= 0.02 + 1e-9, `${mode}: ${w.word} at ${w.startSec}`);
      assert.ok(w.confidence > 0 && w.confidence <= 1);
    });
  }
});

test('recognizer and stream options are validated; errors are coded', () => {
  assert.throws(() => new Recognizer({ graph: digits(), beam: 3 } as never), codeIs('DECODER_OPTION'));
  assert.throws(() => new Recognizer({ tokens, mode: 'wfst' }), codeIs('DECODER_OPTION'));
  assert.throws(() => new Recognizer({}), codeIs('DECODER_OPTION'));
  assert.throws(() => new Recognizer({ graph: digits(), decoder: { beam: -1 } }), codeIs('DECODER_OPTION'));
  assert.throws(() => new Recognizer({ graph: digits(), tokens: new TokenTable(['<blk>', 'a']) }), codeIs('DECODER_GRAPH'));
  assert.throws(() => new Recognizer({ tokens, mode: 'prefix-beam', prefixBeam: { beamWidth: 0 } }), codeIs('DECODER_OPTION'));
  const rec = new Recognizer({ graph: digits() });
  assert.equal((rec.describe().decoder as { beam: number }).beam, DEFAULT_DECODER_CONFIG.beam);
  assert.throws(() => rec.createStream({ nbest: 0 }), codeIs('DECODER_OPTION'));
  assert.throws(() => rec.createStream({ colour: 'red' } as never), codeIs('DECODER_OPTION'));
  const s = rec.createStream();
  const bad = silence(2);
  bad[3] = NaN;
  assert.throws(() => s.accept(bad, 2), codeIs('DECODER_INPUT_VALUE'));
  assert.throws(() => s.accept(new Float32Array(5), 1), codeIs('DECODER_INPUT_SHAPE'));
  assert.equal(s.framesReceived, 0);
  s.accept(silence(3), 3);
  s.endUtterance();
  s.finish();
  assert.throws(() => s.accept(silence(1), 1), codeIs('DECODER_STATE'));
  assert.throws(() => s.finish(), codeIs('DECODER_STATE'));
});

test('a stream reports its memory: decoder state plus kept frames', () => {
  const rec = new Recognizer({ graph: digits() });
  const s = rec.createStream();
  const u = synthesizePosteriors('six', tokens, { seed: 9 });
  s.accept(u.logProbs, u.numFrames);
  assert.ok(s.bytes > u.numFrames * V * 4 && s.bytes < 128 * 1024, `${s.bytes} bytes`);
});
