// The decoder on the general English trigram LM (TLG of ~0.94M states): transcripts, timing, confidences, partials.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { compileGrammar, type CompiledGraph } from '../../../../decoder/graph/tlg.ts';
import { TokenTable } from '../../../../decoder/graph/tokens.ts';
import { decoderConfig } from '../../../../decoder/search/config.ts';
import { MatrixDecodable } from '../../../../decoder/search/decodable.ts';
import { WfstDecoder } from '../../../../decoder/search/decoder.ts';
import { DecodingGraph } from '../../../../decoder/search/decoding-graph.ts';
import { synthesizePosteriors } from '../../../../decoder/search/synthetic-posteriors.ts';
import { correctWords } from '../../../support/word-alignment.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const LM = join(ROOT, '..', 'shared', 'data', 'lm', 'en-us-20k-3g.arpa.gz');
const skip = existsSync(LM) ? false : `the English LM is missing (${LM})`;

const SENTENCES = [
  'the child almost hurt the small dog',
  'at that high level the air is pure',
  'sunday is the best part of the week',
  'we talked about the weather for an hour',
  'please call me tomorrow morning',
  'the house was built in the last century',
  'she said that the meeting would start at noon',
  'there is no reason to be afraid of the dark',
];

let graph: DecodingGraph | undefined;
let compiled: CompiledGraph | undefined;
function en(): DecodingGraph {
  if (graph === undefined) {
    const text = gunzipSync(readFileSync(LM)).toString('utf8');
    compiled = compileGrammar({ kind: 'arpa', text }, TokenTable.default());
    graph = DecodingGraph.from(compiled);
  }
  return graph;
}

test('English sentences decode to their transcript, each word timed within one frame', { skip }, () => {
  const g = en();
  const words = compiled?.words;
  for (const s of SENTENCES) for (const w of s.split(' ')) assert.ok((words?.find(w) ?? 0) > 0, `"${w}" is not in the LM`);
  const dec = new WfstDecoder(g, decoderConfig());
  let exact = 0;
  SENTENCES.forEach((s, i) => {
    const u = synthesizePosteriors(s, g.tokens, { seed: 600 + i });
    dec.init(0);
    dec.advance(new MatrixDecodable(u.logProbs, u.numTokens));
    const r = dec.finalize();
    assert.equal(r.code, 'OK', s);
    if (r.text !== s) return;
    exact++;
    r.words.forEach((w, k) => {
      assert.ok(Math.abs(w.startSec - u.words[k].startFrame * 0.02) <= 0.02 + 1e-9, `${s}: ${w.word} at ${w.startSec}`);
      assert.ok(Math.abs(w.endSec - (u.words[k].endFrame + 1) * 0.02) <= 0.02 + 1e-9, `${s}: ${w.word} to ${w.endSec}`);
    });
  });
  assert.ok(exact >= SENTENCES.length - 1, `${exact} of ${SENTENCES.length} sentences exact`);
});

test('English, noisy posteriors: wrong words get lower confidence than right ones', { skip }, () => {
  const g = en();
  const dec = new WfstDecoder(g, decoderConfig());
  const right: number[] = [];
  const wrong: number[] = [];
  for (let rep = 0; rep < 4; rep++) {
    SENTENCES.forEach((s, i) => {
      const u = synthesizePosteriors(s, g.tokens, { seed: 700 + 31 * rep + i, confusion: 0.3, peak: [0.2, 0.9] });
      dec.init(0);
      dec.advance(new MatrixDecodable(u.logProbs, u.numTokens));
      const r = dec.finalize();
      if (r.code !== 'OK') return;
      const ok = correctWords(s.split(' '), r.words.map((w) => w.word));
      r.words.forEach((w, k) => (ok[k] ? right : wrong).push(w.confidence));
    });
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(wrong.length >= 8, `only ${wrong.length} wrong words`);
  assert.ok(mean(wrong) < mean(right) - 0.15, `wrong ${mean(wrong)} vs right ${mean(right)}`);
  let below = 0;
  for (const w of wrong) for (const r of right) below += w < r ? 1 : w === r ? 0.5 : 0;
  assert.ok(below / (wrong.length * right.length) > 0.75, `AUC ${below / (wrong.length * right.length)}`);
});

test('English, a long utterance: partial results stay cheap and the traceback store stays small', { skip }, () => {
  const g = en();
  const text = [...SENTENCES, ...SENTENCES].join(' ');
  const u = synthesizePosteriors(text, g.tokens, { seed: 800 });
  const dec = new WfstDecoder(g, decoderConfig());
  const d = new MatrixDecodable(u.logProbs, u.numTokens);
  let maxLinks = 0;
  let stable: string[] = [];
  while (dec.nextFrame < u.numFrames) {
    dec.advance(d, 10);
    maxLinks = Math.max(maxLinks, dec.numLinks);
    const p = dec.partial();
    const words = p.words.map((w) => w.word);
    assert.deepEqual(words.slice(0, stable.length), stable, 'a stable word changed');
    stable = words.slice(0, p.stableWords);
  }
  const r = dec.finalize();
  assert.ok(stable.length >= 100, `only ${stable.length} stable words`);
  assert.ok(maxLinks < 20000, `${maxLinks} links`);
  assert.ok(correctWords(text.split(' '), r.words.map((w) => w.word)).filter(Boolean).length >= 0.95 * r.words.length);
  // A tight memory bound: alternatives are dropped to commit, the store stays near the bound, the transcript holds.
  const tight = new WfstDecoder(g, decoderConfig({ maxTracebackLinks: 300 }));
  let most = 0;
  while (tight.nextFrame < u.numFrames) {
    tight.advance(d, 25);
    most = Math.max(most, tight.numLinks);
  }
  const rt = tight.finalize();
  assert.equal(rt.text, r.text);
  // Between collections the store may hold up to three times the bound plus a frame's links (headroom).
  assert.ok(most < 3000, `${most} links with a bound of 300`);
  assert.ok(tight.stats.commits > dec.stats.commits);
});
