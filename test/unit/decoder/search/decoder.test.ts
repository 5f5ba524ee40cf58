// WfstDecoder on digit and command grammars: transcripts and timing from synthetic posteriors, partial results,
// n-best and confidences, blank skipping, priors, and the edge cases (no frames, silence, no match, bad input).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGrammar, type CompiledGraph } from '../../../../decoder/graph/tlg.ts';
import { TokenTable } from '../../../../decoder/graph/tokens.ts';
import { DIGIT_WORDS } from '../../../../decoder/graph/words.ts';
import { decoderConfig, type DecoderOptions } from '../../../../decoder/search/config.ts';
import { LogProbBuffer, MatrixDecodable } from '../../../../decoder/search/decodable.ts';
import { WfstDecoder } from '../../../../decoder/search/decoder.ts';
import { DecodingGraph } from '../../../../decoder/search/decoding-graph.ts';
import { DecoderError } from '../../../../decoder/search/errors.ts';
import type { UtteranceResult } from '../../../../decoder/search/results.ts';
import { synthesizePosteriors, type SyntheticOptions, type SyntheticUtterance } from '../../../../decoder/search/synthetic-posteriors.ts';
import { correctWords } from '../../../support/word-alignment.ts';
import { COMMANDS_JSGF as COMMANDS } from '../../../support/commands-grammar.ts';

const tokens = TokenTable.default();
const SHIFT_SEC = 0.02;

let digitsGraph: CompiledGraph | undefined;
let commandsGraph: CompiledGraph | undefined;
function digits(): DecodingGraph {
  digitsGraph ??= compileGrammar({ kind: 'words', words: [...DIGIT_WORDS, 'oh'] }, tokens);
  return DecodingGraph.from(digitsGraph);
}
function commands(): DecodingGraph {
  commandsGraph ??= compileGrammar({ kind: 'jsgf', text: COMMANDS }, tokens);
  return DecodingGraph.from(commandsGraph);
}

function decode(graph: DecodingGraph, u: { logProbs: Float32Array; numTokens: number }, opts: DecoderOptions = {}, nbest = 1): UtteranceResult {
  const dec = new WfstDecoder(graph, decoderConfig(opts));
  dec.nbest = nbest;
  dec.advance(new MatrixDecodable(u.logProbs, u.numTokens));
  return dec.finalize();
}

function assertTiming(r: UtteranceResult, u: SyntheticUtterance, what: string): void {
  assert.equal(r.words.length, u.words.length, what);
  r.words.forEach((w, i) => {
    const want = u.words[i];
    assert.ok(Math.abs(w.startSec - want.startFrame * SHIFT_SEC) <= SHIFT_SEC + 1e-9, `${what}: ${w.word} starts at ${w.startSec}, built at frame ${want.startFrame}`);
    assert.ok(Math.abs(w.endSec - (want.endFrame + 1) * SHIFT_SEC) <= SHIFT_SEC + 1e-9, `${what}: ${w.word} ends at ${w.endSec}, built to frame ${want.endFrame}`);
    assert.ok(w.confidence >= 0 && w.confidence <= 1, `${what}: confidence ${w.confidence}`);
  });
}

function codeIs(code: string) {
  return (e: unknown) => e instanceof DecoderError && e.code === code;
}

test('digit strings decode to their transcript, each word timed within one frame of where it was built', () => {
  const g = digits();
  const sentences = ['one two three', 'oh seven seven nine', 'eight', 'five zero six two four one three', 'three three three'];
  sentences.forEach((s, i) => {
    for (const spaces of [true, false]) {
      const u = synthesizePosteriors(s, tokens, { seed: 100 + i, spaces });
      const r = decode(g, u);
      assert.equal(r.code, 'OK', s);
      assert.equal(r.text, s);
      assertTiming(r, u, s);
      assert.ok(r.cost > 0 && Math.abs(r.cost - r.acousticCost - r.graphCost) < 1e-9);
      assert.equal(r.frames, u.numFrames);
    }
  });
});

test('command grammar sentences decode to their transcript with timing, despite noise', () => {
  const g = commands();
  const sentences = [
    'turn on the light',
    'switch off the radio in the living room',
    'set the kitchen temperature to twenty degrees',
    'what time is it',
    'turn off the lights in the hall',
  ];
  sentences.forEach((s, i) => {
    const u = synthesizePosteriors(s, tokens, { seed: 200 + i, confusion: 0.08 });
    const r = decode(g, u);
    assert.equal(r.code, 'OK', s);
    assert.equal(r.text, s);
    assertTiming(r, u, s);
  });
});

test('no frames and all-blank input are NO_SPEECH, never a silent empty OK', () => {
  const g = digits();
  const dec = new WfstDecoder(g, decoderConfig());
  const r0 = dec.finalize();
  assert.equal(r0.code, 'NO_SPEECH');
  assert.equal(r0.frames, 0);
  assert.deepEqual(r0.words, []);
  const u = synthesizePosteriors('', tokens, { seed: 3, edgeFrames: 40 });
  assert.equal(u.numFrames, 80);
  const r1 = decode(g, u);
  assert.equal(r1.code, 'NO_SPEECH');
  assert.equal(r1.text, '');
  const r2 = decode(commands(), u);
  assert.equal(r2.code, 'NO_SPEECH');
});

test('audio the grammar cannot account for is NO_MATCH with a reason and the best guess, not a transcript', () => {
  const cases: [DecodingGraph, string][] = [
    [digits(), 'hello world'],
    [digits(), 'turn on the light'],
    [commands(), 'one two three'],
  ];
  cases.forEach(([g, s], i) => {
    const r = decode(g, synthesizePosteriors(s, tokens, { seed: 300 + i }));
    assert.equal(r.code, 'NO_MATCH', s);
    assert.equal(r.text, '');
    assert.deepEqual(r.words, []);
    assert.ok(r.noMatch !== undefined && ['not-final', 'low-likelihood'].includes(r.noMatch.reason), s);
    assert.ok(r.noMatch.excessCostPerFrame > decoderConfig().noMatchCostPerFrame || r.noMatch.reason === 'not-final');
  });
  // A sentence cut short: the grammar must invent the rest.
  const r = decode(commands(), synthesizePosteriors('turn on the', tokens, { seed: 7 }));
  assert.equal(r.code, 'NO_MATCH');
  assert.equal(r.noMatch?.guess.startsWith('turn on the'), true);
});

test('NaN or infinite log-probabilities are a coded error (DECODER_INPUT_VALUE) with the frame and token', () => {
  const buf = new LogProbBuffer(tokens.size);
  const u = synthesizePosteriors('one', tokens, { seed: 1 });
  buf.append(u.logProbs.slice(0, 5 * tokens.size), 5);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const rows = u.logProbs.slice(5 * tokens.size, 8 * tokens.size);
    rows[tokens.size + 4] = bad;
    assert.throws(
      () => buf.append(rows, 3),
      (e: unknown) => codeIs('DECODER_INPUT_VALUE')(e) && (e as DecoderError).details.frame === 6 && (e as DecoderError).details.token === 4,
    );
  }
  assert.equal(buf.numFramesReady(), 5, 'nothing appended from a bad chunk');
  assert.throws(() => buf.append(new Float32Array(7), 1), codeIs('DECODER_INPUT_SHAPE'));
  const dec = new WfstDecoder(digits(), decoderConfig());
  assert.throws(() => dec.advance(new MatrixDecodable(new Float32Array(10), 5)), codeIs('DECODER_INPUT_SHAPE'));
  dec.finalize();
  assert.throws(() => dec.advance(buf), codeIs('DECODER_STATE'));
  assert.throws(() => dec.finalize(), codeIs('DECODER_STATE'));
});

test('partial results: the best path so far, a stable prefix that never changes, and a cost that does not grow', () => {
  const g = digits();
  const s = 'one two three four five six seven eight nine zero one two three four five six seven eight nine zero';
  const u = synthesizePosteriors(s, tokens, { seed: 11, confusion: 0.05 });
  const dec = new WfstDecoder(g, decoderConfig());
  const d = new MatrixDecodable(u.logProbs, u.numTokens);
  let stable: string[] = [];
  let maxLinks = 0;
  while (dec.nextFrame < u.numFrames) {
    dec.advance(d, 5);
    const p = dec.partial();
    const words = p.words.map((w) => w.word);
    assert.deepEqual(words.slice(0, stable.length), stable, `stable prefix changed at frame ${dec.nextFrame}`);
    stable = words.slice(0, p.stableWords);
    assert.ok(p.stableWords <= words.length);
    maxLinks = Math.max(maxLinks, dec.numLinks);
  }
  const r = dec.finalize();
  assert.equal(r.text, s);
  assert.deepEqual(r.words.map((w) => w.word).slice(0, stable.length), stable);
  assert.ok(stable.length >= 15, `only ${stable.length} words became stable before the end`);
  // The traceback store holds only the unsettled window, not the whole utterance.
  assert.ok(maxLinks < 400, `${maxLinks} links held`);
});

test('n-best alternatives on request, best first, posteriors summing to one', () => {
  const g = digits();
  const u = synthesizePosteriors('nine five one', tokens, { seed: 5, confusion: 0.35, peak: [0.3, 0.8] });
  const r = decode(g, u, {}, 5);
  assert.equal(r.code, 'OK');
  assert.ok(r.alternatives.length >= 2, `${r.alternatives.length} alternatives`);
  assert.equal(r.alternatives[0].text, r.text);
  assert.ok(Math.abs(r.alternatives[0].cost - r.cost) < 1e-6);
  for (let i = 1; i < r.alternatives.length; i++) assert.ok(r.alternatives[i].cost >= r.alternatives[i - 1].cost - 1e-9);
  assert.equal(new Set(r.alternatives.map((a) => a.text)).size, r.alternatives.length, 'distinct');
  const z = r.alternatives.reduce((a, x) => a + x.posterior, 0);
  assert.ok(Math.abs(z - 1) < 1e-9);
  assert.deepEqual(decode(g, u, {}, 1).alternatives, []);
});

test('confidence: on noisy posteriors, wrongly decoded words get lower confidence than right ones', () => {
  const g = digits();
  const right: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < 60; i++) {
    const ref = Array.from({ length: 5 }, (_, k) => DIGIT_WORDS[(i * 7 + k * 3) % 10]);
    const u = synthesizePosteriors(ref.join(' '), tokens, { seed: 400 + i, confusion: 0.8, peak: [0.1, 0.6] });
    const r = decode(g, u);
    if (r.code !== 'OK') continue;
    const ok = correctWords(ref, r.words.map((w) => w.word));
    r.words.forEach((w, k) => (ok[k] ? right : wrong).push(w.confidence));
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(wrong.length >= 5 && right.length >= 100, `${wrong.length} wrong, ${right.length} right words`);
  assert.ok(mean(wrong) < mean(right) - 0.1, `mean confidence wrong ${mean(wrong)} vs right ${mean(right)}`);
  // Ranking: a wrong word is usually less confident than a right one.
  let below = 0;
  for (const w of wrong) for (const r of right) below += w < r ? 1 : w === r ? 0.5 : 0;
  assert.ok(below / (wrong.length * right.length) > 0.7, `AUC ${below / (wrong.length * right.length)}`);
});

test('blank skipping skips blank frames and keeps transcripts and timing', () => {
  const g = digits();
  let skipped = 0;
  let frames = 0;
  ['four four', 'one oh one', 'seven six five'].forEach((s, i) => {
    const u = synthesizePosteriors(s, tokens, { seed: 500 + i });
    const dec = new WfstDecoder(g, decoderConfig({ blankSkipThreshold: 0.95 }));
    dec.advance(new MatrixDecodable(u.logProbs, u.numTokens));
    skipped += dec.stats.skippedFrames;
    frames += dec.stats.frames;
    const r = dec.finalize();
    assert.equal(r.text, s);
    assertTiming(r, u, s);
    // The skipped frames' blank costs are charged to the path: the cost is close to the full search's.
    const full = decode(g, u);
    assert.ok(Math.abs(r.cost - full.cost) < 0.5, `${r.cost} vs ${full.cost}`);
  });
  assert.ok(skipped > frames * 0.1, `${skipped} of ${frames} frames skipped`);
});

test('label priors divide the posteriors and the blank penalty is charged per blank frame', () => {
  const g = digits();
  const u = synthesizePosteriors('two', tokens, { seed: 9 });
  const base = decode(g, u);
  const uniform = new Float32Array(tokens.size).fill(Math.log(1 / tokens.size));
  const withPriors = decode(g, u, { labelLogPriors: uniform });
  // Uniform priors shift every frame's costs alike: same path, cost lower by frames × log(size).
  assert.equal(withPriors.text, base.text);
  assert.ok(Math.abs(base.cost - withPriors.cost - u.numFrames * Math.log(tokens.size)) < 1e-3);
  const penalised = decode(g, u, { blankPenalty: 0.5 });
  assert.equal(penalised.text, 'two');
  assert.ok(penalised.cost > base.cost + 0.5 * (u.numFrames - 10));
  assert.throws(() => new WfstDecoder(g, decoderConfig({ labelLogPriors: new Float32Array(3) })), codeIs('DECODER_OPTION'));
});

test('max-active bounds the tokens kept per frame', () => {
  const g = digits();
  // Random (tie-free) posteriors: Kaldi's rule keeps the tokens no costlier than the (maxActive+1)-th.
  const frames = 60;
  const logProbs = new Float32Array(frames * tokens.size);
  let x = 12345;
  for (let i = 0; i < logProbs.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    logProbs[i] = -((x >>> 8) / (1 << 24)) * 10;
  }
  const u = { numFrames: frames };
  const d = new MatrixDecodable(logProbs, tokens.size);
  const most = (maxActive: number) => {
    const dec = new WfstDecoder(g, decoderConfig({ maxActive, minActive: 1, beam: 1000 }));
    let n = 0;
    while (dec.nextFrame < u.numFrames) {
      dec.advance(d, 1);
      n = Math.max(n, dec.numActive);
    }
    return n;
  };
  assert.ok(most(5) <= 6, `${most(5)} tokens`);
  assert.ok(most(1000) > 30, `${most(1000)} tokens without the limit`);
});

test('per-stream state is small and reported in bytes', () => {
  const g = digits();
  const u = synthesizePosteriors('one two three', tokens, { seed: 1 });
  const dec = new WfstDecoder(g, decoderConfig());
  dec.advance(new MatrixDecodable(u.logProbs, u.numTokens));
  assert.ok(dec.bytes > 0 && dec.bytes < 64 * 1024, `${dec.bytes} bytes`);
  dec.finalize();
  dec.init(0);
  assert.ok(dec.bytes < 64 * 1024);
});

test('a graph the decoder cannot use is DECODER_GRAPH', () => {
  const g = compileGrammar({ kind: 'words', words: ['yes', 'no'] }, tokens);
  const small = new TokenTable(['<blk>', 'y', 'e', 's']);
  assert.throws(() => new DecodingGraph(g.tlg, small, g.words), codeIs('DECODER_GRAPH'));
});

test('synthetic options are honoured (sanity of the test fixture)', () => {
  const opts: SyntheticOptions = { seed: 4, charFrames: [2, 2], gapFrames: [1, 1], edgeFrames: 3 };
  const u = synthesizePosteriors('oh', tokens, opts);
  assert.deepEqual(u.words, [{ word: 'oh', startFrame: 3, endFrame: 7 }]);
  for (let t = 0; t < u.numFrames; t++) {
    let z = 0;
    for (let k = 0; k < u.numTokens; k++) z += Math.exp(u.logProbs[t * u.numTokens + k]);
    assert.ok(Math.abs(z - 1) < 1e-4);
  }
});
