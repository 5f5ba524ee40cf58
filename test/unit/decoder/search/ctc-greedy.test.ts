// Greedy CTC: the collapse of the per-frame best tokens, words split at the space, timed by their characters.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctcCollapse } from '../../../../decoder/graph/ctc-topology.ts';
import { TokenTable } from '../../../../decoder/graph/tokens.ts';
import { decoderConfig } from '../../../../decoder/search/config.ts';
import { CtcGreedyDecoder } from '../../../../decoder/search/ctc-greedy.ts';
import { MatrixDecodable } from '../../../../decoder/search/decodable.ts';
import { synthesizePosteriors } from '../../../../decoder/search/synthetic-posteriors.ts';
import { Rng, baseSeed } from '../../../support/random.ts';

const tokens = TokenTable.default();

test('greedy output is ctcCollapse of the per-frame argmax (reference twin), on random posteriors', () => {
  for (let i = 0; i < 100; i++) {
    const rng = new Rng(baseSeed() + 40 + i);
    const T = rng.int(0, 60);
    const V = tokens.size;
    const lp = new Float32Array(T * V);
    for (let j = 0; j < lp.length; j++) lp[j] = -rng.next() * 8 - (j % V === 0 ? 0 : rng.int(0, 3));
    const argmax: number[] = [];
    for (let t = 0; t < T; t++) {
      let best = 0;
      for (let k = 1; k < V; k++) if (lp[t * V + k] > lp[t * V + best]) best = k;
      argmax.push(best);
    }
    const want = ctcCollapse(argmax, tokens.blank).map((k) => (k === tokens.space ? ' ' : tokens.tokens[k])).join('').trim().split(/ +/).filter(Boolean);
    const dec = new CtcGreedyDecoder(tokens, decoderConfig());
    dec.advance(new MatrixDecodable(lp, V));
    const r = dec.finalize();
    assert.deepEqual(r.words.map((w) => w.word), want);
    assert.equal(r.code, want.length === 0 ? 'NO_SPEECH' : 'OK');
  }
});

test('greedy words are timed by their characters, incrementally', () => {
  const u = synthesizePosteriors("it's a nice day", tokens, { seed: 3, confusion: 0 });
  const dec = new CtcGreedyDecoder(tokens, decoderConfig({ blankPenalty: 0 }));
  const d = new MatrixDecodable(u.logProbs, u.numTokens);
  while (dec.nextFrame < u.numFrames) dec.advance(d, 4);
  assert.equal(dec.partial().text, "it's a nice day");
  const r = dec.finalize();
  r.words.forEach((w, k) => {
    assert.ok(Math.abs(w.startSec - u.words[k].startFrame * 0.02) < 1e-9);
    assert.ok(Math.abs(w.endSec - (u.words[k].endFrame + 1) * 0.02) < 1e-9);
  });
  const e = dec.endpointInput();
  assert.equal(e.containsSpeech, true);
  assert.equal(e.trailingSilenceFrames, 8);
});
