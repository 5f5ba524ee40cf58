// WfstDecoder.partial with its cached stable prefix against the reference full-traceback walk, frame by frame.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGrammar } from '../../../../decoder/graph/tlg.ts';
import { TokenTable } from '../../../../decoder/graph/tokens.ts';
import { DIGIT_WORDS } from '../../../../decoder/graph/words.ts';
import { decoderConfig, type DecoderOptions } from '../../../../decoder/search/config.ts';
import { MatrixDecodable } from '../../../../decoder/search/decodable.ts';
import { WfstDecoder } from '../../../../decoder/search/decoder.ts';
import { DecodingGraph } from '../../../../decoder/search/decoding-graph.ts';
import { Rng } from '../../../support/random.ts';
import { synthesizePosteriors, type SyntheticOptions } from '../../../../decoder/search/synthetic-posteriors.ts';
import { COMMANDS_JSGF as COMMANDS } from '../../../support/commands-grammar.ts';

const tokens = TokenTable.default();
const WORDS = [...DIGIT_WORDS, 'oh'];

/** Uniform numbers in [0, 1) for the transcripts (the property tests' seeded generator). */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/**
 * Decodes `texts` one utterance after another on one decoder, one frame at a time, and checks after every frame that
 * `partial` equals the reference walk and did not fall back to it. Returns the most stable words seen.
 */
function checkAgainstReference(graph: DecodingGraph, texts: string[], opts: DecoderOptions, syn: SyntheticOptions, what: string): number {
  const dec = new WfstDecoder(graph, decoderConfig(opts));
  let fallbacks = 0;
  const reference = dec.partialByFullTraceback.bind(dec);
  dec.partialByFullTraceback = () => {
    fallbacks++;
    return reference();
  };
  let maxStable = 0;
  let start = 0;
  for (const [k, text] of texts.entries()) {
    const u = synthesizePosteriors(text, tokens, { ...syn, seed: (syn.seed ?? 1) + k });
    if (k > 0) dec.init(start);
    // Stream frame numbers: this utterance's frames follow the previous one's, after that many unread frames.
    const padded = new Float32Array((start + u.numFrames) * u.numTokens);
    padded.set(u.logProbs, start * u.numTokens);
    const pd = new MatrixDecodable(padded, u.numTokens);
    assert.deepEqual(dec.partial(), reference(), `${what}: utterance ${k}, before any frame`);
    while (dec.nextFrame < start + u.numFrames) {
      dec.advance(pd, 1);
      const before = fallbacks;
      const fast = dec.partial();
      assert.equal(fallbacks, before, `${what}: utterance ${k}, frame ${dec.nextFrame}: partial fell back to the full walk`);
      assert.deepEqual(fast, reference(), `${what}: utterance ${k}, frame ${dec.nextFrame}`);
      // Twice in a row, and after the reference used the shared scratch aligner.
      assert.deepEqual(dec.partial(), fast, `${what}: utterance ${k}, frame ${dec.nextFrame}, repeated`);
      maxStable = Math.max(maxStable, fast.stableWords);
    }
    dec.finalize();
    assert.deepEqual(dec.partial(), reference(), `${what}: utterance ${k}, after finalize`);
    start += u.numFrames;
  }
  return maxStable;
}

function digitText(r: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
}

test('partial with the cached stable prefix equals the full traceback walk on noisy digit streams', () => {
  const graph = DecodingGraph.from(compileGrammar({ kind: 'words', words: WORDS }, tokens));
  const noisy: SyntheticOptions = { peak: [0.3, 0.95], blankPeak: [0.6, 0.999], confusion: 0.15, competitors: 5 };
  const cases: [DecoderOptions, SyntheticOptions][] = [
    [{}, {}],
    [{}, noisy],
    [{ gcIntervalFrames: 1 }, noisy],
    [{ gcIntervalFrames: 3, latticeBeam: 0 }, noisy],
    [{ gcIntervalFrames: 7, maxTracebackLinks: 16 }, noisy],
    [{ beam: 24, gcIntervalFrames: 5 }, { ...noisy, confusion: 0.3 }],
  ];
  for (const [seed, [opts, syn]] of cases.entries()) {
    const r = rng(100 + seed);
    const texts = [digitText(r, 25), digitText(r, 3), digitText(r, 12)];
    const what = `digits case ${seed} ${JSON.stringify(opts)}`;
    const stable = checkAgainstReference(graph, texts, opts, { ...syn, seed: 7 * seed + 1 }, what);
    assert.ok(stable > 0, `${what}: no word ever became stable`);
  }
});

test('partial with the cached stable prefix equals the full traceback walk on a command grammar', () => {
  const graph = DecodingGraph.from(compileGrammar({ kind: 'jsgf', text: COMMANDS }, tokens));
  const texts = ['turn on the light in the living room', 'set the hall temperature to twenty degrees', 'switch off the fan'];
  for (const [k, opts] of [{}, { gcIntervalFrames: 2 }, { gcIntervalFrames: 4, maxTracebackLinks: 16 }].entries()) {
    checkAgainstReference(graph, texts, opts, { seed: 11 + k, confusion: 0.1, peak: [0.4, 0.95] }, `commands case ${k}`);
  }
});
