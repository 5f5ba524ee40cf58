// The WFST decoder against oracles: shortest path of (posterior acceptor ∘ TLG) by our library and by OpenFst's
// tools, the plain reference twin, and streaming / collection / lattice invariances, on random graphs and posteriors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { arcSort } from '../../decoder/fst/arc-sort.ts';
import { compose } from '../../decoder/fst/compose.ts';
import { ConstFst } from '../../decoder/fst/const-fst.ts';
import { ArcView, type Fst } from '../../decoder/fst/fst.ts';
import { shortestPath } from '../../decoder/fst/shortest-path.ts';
import { compileText, printText } from '../../decoder/fst/text-format.ts';
import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { compileGrammar } from '../../decoder/graph/tlg.ts';
import { DIGIT_WORDS, WordTable } from '../../decoder/graph/words.ts';
import { TokenTable } from '../../decoder/graph/tokens.ts';
import { decoderConfig, type DecoderConfig, type DecoderOptions } from '../../decoder/search/config.ts';
import { MatrixDecodable } from '../../decoder/search/decodable.ts';
import { WfstDecoder } from '../../decoder/search/decoder.ts';
import { DecodingGraph } from '../../decoder/search/decoding-graph.ts';
import { Recognizer } from '../../decoder/search/recognizer.ts';
import { referenceDecode } from '../../decoder/search/reference-decoder.ts';
import type { UtteranceResult } from '../../decoder/search/results.ts';
import { synthesizePosteriors } from '../../decoder/search/synthetic-posteriors.ts';
import { OpenFstWorkspace, openFstSkipReason } from '../support/openfst.ts';
import { randomFst } from '../support/random-fst.ts';
import { Rng, baseSeed } from '../support/random.ts';

const skipOpenFst = openFstSkipReason();
/** Wide enough that nothing is pruned on these small graphs: the decoder must find the exact best path. */
const WIDE: DecoderOptions = { beam: 1e4, maxActive: 1_000_000, minActive: 0, noMatchCostPerFrame: 1e9 };
const COST_TOLERANCE = 1e-4;

interface Case {
  seed: number;
  graph: DecodingGraph;
  logProbs: Float32Array;
  numTokens: number;
}

function tokenTable(n: number): TokenTable {
  const names = ['<blk>', ...'abcdefgh'.slice(0, n - 1).split('')];
  return new TokenTable(names, { space: null });
}

/** Random log-softmax rows; a third of the frames are peaky (one token dominates), as CTC output is. */
function randomPosteriors(rng: Rng, frames: number, tokens: number): Float32Array {
  const out = new Float32Array(frames * tokens);
  for (let t = 0; t < frames; t++) {
    const peaky = rng.bool(0.33);
    const top = rng.int(0, tokens - 1);
    let z = 0;
    const row: number[] = [];
    for (let k = 0; k < tokens; k++) {
      const x = (rng.next() - 0.5) * 4 + (peaky && k === top ? 6 : 0);
      row.push(x);
      z += Math.exp(x);
    }
    for (let k = 0; k < tokens; k++) out[t * tokens + k] = row[k] - Math.log(z);
  }
  return out;
}

/** A random TLG-like graph: input labels are token labels (with epsilons and cycles), output labels words. */
function randomCase(seed: number): Case {
  const rng = new Rng(seed);
  const nTok = rng.int(2, 4);
  const tokens = tokenTable(nTok);
  const f = randomFst(seed, { numLabels: nTok, epsilonProb: 0.25, maxStates: 6, maxArcs: 4 });
  arcSort(f, 'ilabel');
  const words = WordTable.fromWords(['alpha', 'beta', 'gamma', 'delta'].slice(0, nTok));
  const graph = new DecodingGraph(ConstFst.from(f), tokens, words);
  const frames = rng.int(0, 9);
  return { seed, graph, logProbs: randomPosteriors(rng, frames, nTok), numTokens: nTok };
}

/** The frame-by-frame posterior acceptor: states 0 … T, an arc t → t+1 for every token, weighted by its frame cost. */
function posteriorAcceptor(c: Case, config: DecoderConfig): VectorFst {
  const T = c.logProbs.length / c.numTokens;
  const a = new VectorFst();
  a.addStates(T + 1);
  a.setStart(0);
  a.setFinal(T, 0);
  const blank = c.graph.tokens.blank;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < c.numTokens; k++) {
      const cost = -config.acousticScale * c.logProbs[t * c.numTokens + k] + (k === blank ? config.blankPenalty : 0);
      a.addArc(t, k + 1, k + 1, cost, t + 1);
    }
  }
  return a;
}

/** The single path of a shortest-path result: its total weight and output labels (empty FST → null). */
function pathOf(fst: Fst): { cost: number; words: number[] } | null {
  const s0 = fst.start();
  if (s0 < 0) return null;
  const v = new ArcView();
  let s = s0;
  let cost = 0;
  const words: number[] = [];
  for (let steps = 0; steps < 100000; steps++) {
    fst.arcs(s, v);
    if (v.end === v.begin) break;
    assert.equal(v.end - v.begin, 1, 'a shortest path has one arc a state');
    cost += v.weight[v.begin];
    if (v.olabel[v.begin] !== 0) words.push(v.olabel[v.begin]);
    s = v.nextstate[v.begin];
  }
  return { cost: cost + fst.final(s), words };
}

/** Cost of the second-best path with other words, or Infinity (to know when the best word sequence is unique). */
function runnerUp(lattice: Fst, best: number[]): number {
  const two = shortestPath(lattice, { nshortest: 8 });
  // Enumerate the (tree-shaped) result's paths.
  const v = new ArcView();
  let second = Infinity;
  const walk = (s: number, cost: number, words: number[], depth: number) => {
    if (depth > 10000) return;
    if (two.final(s) !== Infinity) {
      const c = cost + two.final(s);
      if (words.join() !== best.join() && c < second) second = c;
    }
    two.arcs(s, v);
    const arcs: number[][] = [];
    for (let a = v.begin; a < v.end; a++) arcs.push([v.olabel[a], v.weight[a], v.nextstate[a]]);
    for (const [ol, w, d] of arcs) walk(d, cost + w, ol ? [...words, ol] : words, depth + 1);
  };
  if (two.start() >= 0) walk(two.start(), 0, [], 0);
  return second;
}

function decode(c: Case, opts: DecoderOptions = {}): UtteranceResult {
  const dec = new WfstDecoder(c.graph, decoderConfig({ ...WIDE, ...opts }));
  dec.advance(new MatrixDecodable(c.logProbs, c.numTokens));
  return dec.finalize();
}

/** The word labels of a result: the transcript, or the best guess of a NO_MATCH. */
function labelsOf(r: UtteranceResult, c: Case): number[] {
  const text = r.code === 'NO_MATCH' ? (r.noMatch?.guess ?? '') : r.text;
  return text === '' ? [] : text.split(' ').map((w) => c.graph.words?.find(w) ?? -1);
}

test('with a wide beam, the best path and its cost are those of shortestpath(posteriors ∘ TLG) (our library)', () => {
  let compared = 0;
  let wordsCompared = 0;
  for (let i = 0; i < 150; i++) {
    const seed = baseSeed() + 7000 + i;
    const c = randomCase(seed);
    const config = decoderConfig(WIDE);
    const lattice = compose(posteriorAcceptor(c, config), c.graph.fst);
    const want = pathOf(shortestPath(lattice));
    const got = decode(c);
    if (want === null) {
      assert.notEqual(got.code, 'OK', `seed ${seed}: no path, yet OK`);
      continue;
    }
    assert.ok(Math.abs(got.cost - want.cost) <= COST_TOLERANCE, `seed ${seed}: cost ${got.cost} vs ${want.cost}`);
    compared++;
    if (got.code === 'NO_SPEECH') continue;
    if (runnerUp(lattice, want.words) > want.cost + 1e-3) {
      assert.deepEqual(labelsOf(got, c), want.words, `seed ${seed}`);
      wordsCompared++;
    }
  }
  assert.ok(compared >= 80 && wordsCompared >= 50, `only ${compared} costs, ${wordsCompared} word strings compared`);
});

test('with a wide beam, the decoder agrees with fstcompose | fstshortestpath', { skip: skipOpenFst }, () => {
  const n = 40;
  const cases = Array.from({ length: n }, (_, i) => randomCase(baseSeed() + 8000 + i));
  const config = decoderConfig(WIDE);
  const ws = new OpenFstWorkspace();
  try {
    const lines = ['set -e'];
    cases.forEach((c, i) => {
      writeFileSync(ws.path(`a${i}.txt`), printText(posteriorAcceptor(c, config)));
      writeFileSync(ws.path(`g${i}.txt`), printText(c.graph.fst));
      lines.push(
        `fstcompile --keep_state_numbering a${i}.txt > a${i}.fst`,
        `fstcompile --keep_state_numbering g${i}.txt | fstarcsort --sort_type=ilabel > g${i}.fst`,
        `fstcompose a${i}.fst g${i}.fst | fstshortestpath | fstprint > p${i}.txt`,
      );
    });
    ws.script(lines);
    let compared = 0;
    cases.forEach((c, i) => {
      const want = pathOf(compileText(ws.read(`p${i}.txt`), { keepStateNumbering: true }));
      const got = decode(c);
      if (want === null) {
        assert.notEqual(got.code, 'OK', `seed ${c.seed}`);
        return;
      }
      assert.ok(Math.abs(got.cost - want.cost) <= COST_TOLERANCE, `seed ${c.seed}: cost ${got.cost} vs OpenFst ${want.cost}`);
      compared++;
    });
    assert.ok(compared >= 20, `only ${compared} compared`);
  } finally {
    ws.dispose();
  }
});

test('with a wide beam, the decoder equals its plain reference twin (random graphs, longer inputs)', () => {
  for (let i = 0; i < 100; i++) {
    const seed = baseSeed() + 9000 + i;
    const base = randomCase(seed);
    const rng = new Rng(seed);
    const c = { ...base, logProbs: randomPosteriors(rng, rng.int(10, 40), base.numTokens) };
    const ref = referenceDecode(c.graph.fst, c.graph.tokens, new MatrixDecodable(c.logProbs, c.numTokens), decoderConfig(WIDE));
    const got = decode(c);
    if (ref === null) continue;
    assert.ok(Math.abs(got.cost - ref.cost) <= COST_TOLERANCE, `seed ${seed}: cost ${got.cost} vs reference ${ref.cost}`);
    assert.equal(got.code === 'NO_MATCH' && got.noMatch?.reason === 'not-final', !ref.final, `seed ${seed}`);
  }
});

test('a real TLG (digit loop) with random posteriors: the decoder finds shortestpath(posteriors ∘ TLG)', () => {
  const tokens = TokenTable.default();
  const g = compileGrammar({ kind: 'words', words: DIGIT_WORDS }, tokens);
  const graph = DecodingGraph.from(g);
  const rng = new Rng(baseSeed() + 11);
  for (let i = 0; i < 6; i++) {
    // Posteriors of a real utterance, made noisier, so that the best path is non-trivial.
    const u = synthesizePosteriors('one two nine', tokens, { seed: baseSeed() + i, confusion: 0.3, peak: [0.2, 0.6] });
    const c: Case = { seed: i, graph, logProbs: u.logProbs, numTokens: u.numTokens };
    const config = decoderConfig(WIDE);
    const want = pathOf(shortestPath(compose(posteriorAcceptor(c, config), graph.fst)));
    assert.ok(want !== null);
    const got = decode(c);
    assert.ok(Math.abs(got.cost - want.cost) <= COST_TOLERANCE, `case ${i}: ${got.cost} vs ${want.cost}`);
    assert.deepEqual(labelsOf(got, c), want.words);
    void rng;
  }
});

test('feeding posteriors in chunks of 1, 7 or all frames gives identical results', () => {
  const tokens = TokenTable.default();
  const g = compileGrammar({ kind: 'words', words: DIGIT_WORDS }, tokens);
  for (const opts of [{}, { blankSkipThreshold: 0.95 }, { maxActive: 30 }] as DecoderOptions[]) {
    const rec = new Recognizer({ graph: g, decoder: { ...opts, gcIntervalFrames: 7 } });
    for (let i = 0; i < 4; i++) {
      const u = synthesizePosteriors('three oh seven four', tokens, { seed: baseSeed() + 50 + i, confusion: 0.2 });
      const results = [1, 7, u.numFrames].map((chunk) => {
        const s = rec.createStream({ endpoint: false, nbest: 3 });
        const partials: string[] = [];
        for (let t = 0; t < u.numFrames; t += chunk) {
          const n = Math.min(chunk, u.numFrames - t);
          s.accept(u.logProbs.subarray(t * u.numTokens, (t + n) * u.numTokens), n);
          if ((t + n) % 7 === 0) partials.push(JSON.stringify(s.partial()));
        }
        return { final: s.finish(), partials };
      });
      assert.deepEqual(results[1], results[0], `chunk 7 vs 1, options ${JSON.stringify(opts)}`);
      assert.deepEqual(results[2].final, results[0].final, `chunk all vs 1, options ${JSON.stringify(opts)}`);
    }
  }
  // Random graphs as well.
  for (let i = 0; i < 30; i++) {
    const c = randomCase(baseSeed() + 12000 + i);
    const rec = new Recognizer({ graph: c.graph, decoder: { gcIntervalFrames: 3 } });
    const finals = [1, 7, Math.max(1, c.logProbs.length / c.numTokens)].map((chunk) => {
      const s = rec.createStream({ endpoint: false });
      const T = c.logProbs.length / c.numTokens;
      for (let t = 0; t < T; t += chunk) {
        const n = Math.min(chunk, T - t);
        s.accept(c.logProbs.subarray(t * c.numTokens, (t + n) * c.numTokens), n);
      }
      return s.finish();
    });
    assert.deepEqual(finals[1], finals[0], `seed ${c.seed}`);
    assert.deepEqual(finals[2], finals[0], `seed ${c.seed}`);
  }
});

test('collection cadence and the lattice beam do not change the best path, its cost or its timing', () => {
  const tokens = TokenTable.default();
  const g = DecodingGraph.from(compileGrammar({ kind: 'words', words: DIGIT_WORDS }, tokens));
  for (let i = 0; i < 8; i++) {
    const u = synthesizePosteriors('five five eight two one', tokens, { seed: baseSeed() + 70 + i, confusion: 0.25 });
    const run1 = (opts: DecoderOptions) => {
      const dec = new WfstDecoder(g, decoderConfig(opts));
      dec.advance(new MatrixDecodable(u.logProbs, u.numTokens));
      if (opts.gcIntervalFrames === 1) assert.ok(dec.stats.commits > 0, 'the collection path ran');
      const r = dec.finalize();
      return { text: r.text, cost: r.cost.toFixed(6), times: r.words.map((w) => [w.startSec, w.endSec]) };
    };
    const base = run1({});
    assert.deepEqual(run1({ gcIntervalFrames: 1 }), base, `case ${i}: collecting every frame`);
    assert.deepEqual(run1({ gcIntervalFrames: 100000 }), base, `case ${i}: never collecting`);
    assert.deepEqual(run1({ latticeBeam: 0 }), base, `case ${i}: no lattice`);
  }
  // Random graphs with a wide beam: Viterbi ties aside, the lattice only adds alternatives.
  for (let i = 0; i < 60; i++) {
    const c = randomCase(baseSeed() + 13000 + i);
    const a = decode(c, { latticeBeam: 0, gcIntervalFrames: 1 });
    const b = decode(c, { latticeBeam: 20, gcIntervalFrames: 1000 });
    assert.ok(Math.abs(a.cost - b.cost) <= COST_TOLERANCE || (a.cost === Infinity && b.cost === Infinity), `seed ${c.seed}`);
  }
});
