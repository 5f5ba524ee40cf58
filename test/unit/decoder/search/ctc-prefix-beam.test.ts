// CTC prefix beam search against its reference twin: brute-force summing of every alignment of tiny inputs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctcCollapse } from '../../../../decoder/graph/ctc-topology.ts';
import { TokenTable } from '../../../../decoder/graph/tokens.ts';
import { decoderConfig } from '../../../../decoder/search/config.ts';
import { CtcPrefixBeamDecoder } from '../../../../decoder/search/ctc-prefix-beam.ts';
import { MatrixDecodable } from '../../../../decoder/search/decodable.ts';
import { synthesizePosteriors } from '../../../../decoder/search/synthetic-posteriors.ts';
import { Rng, baseSeed } from '../../../support/random.ts';

/** The most probable collapsed string, by enumerating all V^T frame strings. */
function bruteForce(lp: Float32Array, T: number, V: number, blank: number): { string: string; logp: number } {
  const total = new Map<string, number>();
  const frames = new Array<number>(T).fill(0);
  for (let n = 0; n < V ** T; n++) {
    let x = n;
    let logp = 0;
    for (let t = 0; t < T; t++) {
      frames[t] = x % V;
      x = Math.floor(x / V);
      logp += lp[t * V + frames[t]];
    }
    const key = ctcCollapse(frames, blank).join(',');
    total.set(key, (total.get(key) ?? 0) + Math.exp(logp));
  }
  let best = '';
  let p = -1;
  for (const [k, v] of total) {
    if (v > p) {
      p = v;
      best = k;
    }
  }
  return { string: best, logp: Math.log(p) };
}

test('with a beam wide enough, prefix beam search finds the most probable collapsed string and its probability', () => {
  const tokens = new TokenTable(['<blk>', 'a', 'b', 'c'], { space: null });
  const V = tokens.size;
  for (let i = 0; i < 60; i++) {
    const rng = new Rng(baseSeed() + 60 + i);
    const T = rng.int(1, 6);
    const lp = new Float32Array(T * V);
    for (let t = 0; t < T; t++) {
      const row = Array.from({ length: V }, () => rng.next() * 3);
      const z = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      row.forEach((v, k) => (lp[t * V + k] = v - z));
    }
    const want = bruteForce(lp, T, V, tokens.blank);
    const dec = new CtcPrefixBeamDecoder(tokens, decoderConfig(), { beamWidth: 10000, tokenLogProbFloor: -Infinity });
    dec.advance(new MatrixDecodable(lp, V));
    const r = dec.finalize();
    const got = r.text === '' ? '' : [...r.text].map((c) => tokens.find(c)).join(',');
    assert.ok(Math.abs(-r.cost - want.logp) < 1e-4, `case ${i}: ${-r.cost} vs ${want.logp}`);
    if (got !== want.string) {
      // Only a tie may choose differently.
      assert.fail(`case ${i}: ${got} vs ${want.string}`);
    }
  }
});

test('prefix beam search decodes clean posteriors, with n-best and a stable prefix', () => {
  const tokens = TokenTable.default();
  const u = synthesizePosteriors('good morning', tokens, { seed: 2, confusion: 0 });
  const dec = new CtcPrefixBeamDecoder(tokens, decoderConfig(), { beamWidth: 8 });
  dec.nbest = 3;
  const d = new MatrixDecodable(u.logProbs, u.numTokens);
  dec.advance(d, 40);
  const p = dec.partial();
  assert.ok(p.stableWords <= p.words.length);
  dec.advance(d);
  const r = dec.finalize();
  assert.equal(r.text, 'good morning');
  assert.ok(r.alternatives.length >= 2 && r.alternatives[0].text === 'good morning');
  assert.ok(r.words.every((w) => w.confidence > 0.5));
});
