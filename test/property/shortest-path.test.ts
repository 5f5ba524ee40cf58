// shortestPath: no worse than any sampled path, n-best laws on random FSTs; agreement with fstshortestpath.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { ArcView, type Fst } from '../../decoder/fst/fst.ts';
import { Props, computeProperties } from '../../decoder/fst/properties.ts';
import { randGen } from '../../decoder/fst/rand-gen.ts';
import { shortestDistance } from '../../decoder/fst/shortest-distance.ts';
import { shortestPath } from '../../decoder/fst/shortest-path.ts';
import { compileText, printText } from '../../decoder/fst/text-format.ts';
import type { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { randomFst } from '../support/random-fst.ts';
import { baseSeed } from '../support/random.ts';
import { OpenFstWorkspace, openFstSkipReason } from '../support/openfst.ts';

const skip = openFstSkipReason();

interface PathInfo {
  weight: number;
  ilabels: number[];
  olabels: number[];
  /** Input labels with the epsilons kept: `unique` paths differ here (epsilon is a label to it, as to OpenFst). */
  rawIlabels: number[];
}

/** Every successful path of an acyclic FST (a shortest-path or randGen result), epsilons dropped from labels. */
function paths(fst: Fst): PathInfo[] {
  const out: PathInfo[] = [];
  const v = new ArcView();
  const walk = (s: number, w: number, x: number[], y: number[], raw: number[], depth: number) => {
    assert.ok(depth < 10000, 'result is not acyclic');
    if (fst.final(s) !== Infinity) out.push({ weight: w + fst.final(s), ilabels: x, olabels: y, rawIlabels: raw });
    fst.arcs(s, v);
    const arcs: number[][] = [];
    for (let a = v.begin; a < v.end; a++) arcs.push([v.ilabel[a], v.olabel[a], v.weight[a], v.nextstate[a]]);
    for (const [il, ol, aw, t] of arcs) {
      walk(t, w + aw, il ? [...x, il] : x, ol ? [...y, ol] : y, [...raw, il], depth + 1);
    }
  };
  if (fst.start() >= 0) walk(fst.start(), 0, [], [], [], 0);
  return out;
}

/** ⊕ over final states of distance ⊗ final weight: the weight of the best path, by another algorithm. */
function bestWeight(fst: Fst): number {
  const d = shortestDistance(fst);
  let best = Infinity;
  for (let s = 0; s < fst.numStates(); s++) best = Math.min(best, d[s] + fst.final(s));
  return best;
}

function randomCase(seed: number, i: number): VectorFst {
  return randomFst(seed, { cyclic: i % 3 !== 0, acceptor: i % 2 === 0, maxStates: 8, epsilonProb: 0.25 });
}

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(a));

test('shortestPath is no worse than any sampled path and equals the shortest distance', () => {
  for (let i = 0; i < 250; i++) {
    const seed = baseSeed() + i;
    const f = randomCase(seed, i);
    const best = paths(shortestPath(f));
    const total = bestWeight(f);
    if (total === Infinity) {
      assert.equal(best.length, 0, `seed ${seed}`);
      continue;
    }
    assert.equal(best.length, 1, `seed ${seed}`);
    const single = shortestPath(f);
    const known = single.properties(-1, false);
    assert.equal(known & computeProperties(single), known, `seed ${seed}: wrong property bits`);
    assert.ok(close(best[0].weight, total), `seed ${seed}: ${best[0].weight} vs distance ${total}`);
    const samples = paths(randGen(f, { seed, npath: 25, maxLength: 40 }));
    for (const p of samples) assert.ok(best[0].weight <= p.weight + 1e-4, `seed ${seed}: sampled ${p.weight} < ${best[0].weight}`);
  }
});

test('n shortest paths are sorted from the best, no worse than sampled paths, and paths of the input', () => {
  for (let i = 0; i < 200; i++) {
    const seed = baseSeed() + 1000 + i;
    const f = randomCase(seed, i);
    const n = 2 + (i % 5);
    const result = shortestPath(f, { nshortest: n });
    const best = paths(result);
    const ws = best.map((p) => p.weight).sort((a, b) => a - b);
    const total = bestWeight(f);
    if (total === Infinity) {
      assert.equal(ws.length, 0, `seed ${seed}`);
      continue;
    }
    assert.ok(ws.length >= 1 && ws.length <= n, `seed ${seed}: ${ws.length} paths`);
    assert.ok(close(ws[0], total), `seed ${seed}`);
    assert.ok(result.properties(Props.ACYCLIC) & Props.ACYCLIC, `seed ${seed}`);
    const known = result.properties(-1, false);
    assert.equal(known & computeProperties(result), known, `seed ${seed}: wrong property bits`);
    // A sampled path better than the worst of the n best must be one of them (same labels and weight).
    for (const p of paths(randGen(f, { seed, npath: 20, maxLength: 40 }))) {
      if (ws.length === n && p.weight >= ws[n - 1] - 1e-4) continue;
      const key = `${p.ilabels}:${p.olabels}`;
      const found = best.some((q) => `${q.ilabels}:${q.olabels}` === key && close(q.weight, p.weight));
      assert.ok(found, `seed ${seed}: sampled path ${key} (${p.weight}) missing from the n best ${ws}`);
    }
    // Unique paths determinize the reversed FST on the fly; on cyclic inputs with epsilon loops that can take
    // very long (fstshortestpath --unique too), so acyclic acceptors only.
    if (i % 6 === 0) {
      const uniq = paths(shortestPath(f, { nshortest: n, unique: true }));
      const strings = new Set(uniq.map((p) => p.rawIlabels.join(' ')));
      assert.equal(strings.size, uniq.length, `seed ${seed}: a label string occurs twice`);
      assert.ok(close(Math.min(...uniq.map((p) => p.weight)), total), `seed ${seed}`);
      assert.ok(uniq.length <= n, `seed ${seed}`);
    }
  }
});

/**
 * Reference twin of the n-best search on acyclic FSTs: all successful paths enumerated, sorted by weight; with
 * `unique`, only the best path of each input label string (epsilons included, as OpenFst's determinization sees
 * them). Undefined when there are too many paths to enumerate.
 */
function referenceNBest(fst: Fst, n: number, unique: boolean): number[] | undefined {
  const all: PathInfo[] = [];
  const v = new ArcView();
  const walk = (s: number, w: number, raw: number[]): boolean => {
    if (all.length > 20000) return false;
    if (fst.final(s) !== Infinity) all.push({ weight: Math.fround(w + fst.final(s)), ilabels: [], olabels: [], rawIlabels: raw });
    fst.arcs(s, v);
    const arcs: number[][] = [];
    for (let a = v.begin; a < v.end; a++) arcs.push([v.ilabel[a], v.weight[a], v.nextstate[a]]);
    return arcs.every(([il, aw, t]) => walk(t, Math.fround(w + aw), [...raw, il]));
  };
  if (fst.start() >= 0 && !walk(fst.start(), 0, [])) return undefined;
  let best = all;
  if (unique) {
    const byString = new Map<string, PathInfo>();
    for (const p of all) {
      const key = p.rawIlabels.join(' ');
      const q = byString.get(key);
      if (q === undefined || p.weight < q.weight) byString.set(key, p);
    }
    best = [...byString.values()];
  }
  return best.map((p) => p.weight).sort((a, b) => a - b).slice(0, n);
}

test('n shortest paths, unique or not, match an exhaustive enumeration on larger acyclic FSTs', () => {
  let compared = 0;
  for (let i = 0; i < 120; i++) {
    const seed = baseSeed() + 4000 + i;
    const f = randomFst(seed, { cyclic: false, acceptor: true, minStates: 10, maxStates: 24, epsilonProb: 0.2 });
    const n = 1 + (i % 9);
    const unique = i % 2 === 0;
    const want = referenceNBest(f, n, unique);
    if (want === undefined) continue;
    const got = paths(shortestPath(f, { nshortest: n, unique })).map((p) => p.weight).sort((a, b) => a - b);
    assert.equal(got.length, want.length, `seed ${seed}: ${got} vs ${want}`);
    for (let k = 0; k < got.length; k++) assert.ok(close(got[k], want[k]), `seed ${seed}: ${got} vs ${want}`);
    compared++;
  }
  assert.ok(compared >= 100, `only ${compared} FSTs enumerated`);
});

/** Runs fstshortestpath with `flags` on every input; returns the printed results. */
function openFstShortestPaths(inputs: VectorFst[], flags: (i: number) => string): VectorFst[] {
  const ws = new OpenFstWorkspace();
  try {
    const lines = ['set -e'];
    inputs.forEach((f, i) => {
      writeFileSync(ws.path(`in${i}.txt`), printText(f));
      lines.push(`fstcompile --keep_state_numbering in${i}.txt | fstshortestpath ${flags(i)} | fstprint > out${i}.txt`);
    });
    ws.script(lines);
    return inputs.map((_, i) => compileText(ws.read(`out${i}.txt`), { keepStateNumbering: true }));
  } finally {
    ws.dispose();
  }
}

test('the single shortest path agrees with fstshortestpath, exactly when it is unique', { skip }, () => {
  const n = 200;
  const inputs = Array.from({ length: n }, (_, i) => randomCase(baseSeed() + 2000 + i, i));
  const refs = openFstShortestPaths(inputs, () => '');
  let compared = 0;
  for (let i = 0; i < n; i++) {
    const seed = baseSeed() + 2000 + i;
    const ours = shortestPath(inputs[i]);
    const mine = paths(ours);
    const theirs = paths(refs[i]);
    assert.equal(mine.length, theirs.length, `seed ${seed}`);
    if (mine.length === 0) continue;
    assert.ok(close(mine[0].weight, theirs[0].weight), `seed ${seed}: ${mine[0].weight} vs ${theirs[0].weight}`);
    // When the second best path is clearly worse the best one is unique: the two results must be the same FST.
    const two = paths(shortestPath(inputs[i], { nshortest: 2 })).map((p) => p.weight).sort((a, b) => a - b);
    if (two.length < 2 || two[1] > two[0] + 1e-3) {
      assert.equal(printText(ours), printText(refs[i]), `seed ${seed}`);
      compared++;
    }
  }
  assert.ok(compared > n / 2, `only ${compared} unique best paths`);
});

test('n shortest paths have the same weights as fstshortestpath --nshortest, with and without --unique', { skip }, () => {
  const n = 200;
  const inputs = Array.from({ length: n }, (_, i) => randomCase(baseSeed() + 3000 + i, i));
  const nbest = (i: number) => 2 + (i % 5);
  // Unique paths need an acceptor (even cases); acyclic ones (i % 3 === 0) keep the determinization small.
  const unique = (i: number) => i % 6 === 0;
  const refs = openFstShortestPaths(inputs, (i) => `--nshortest=${nbest(i)}${unique(i) ? ' --unique' : ''}`);
  for (let i = 0; i < n; i++) {
    const seed = baseSeed() + 3000 + i;
    const ours = shortestPath(inputs[i], { nshortest: nbest(i), unique: unique(i) });
    const mine = paths(ours).map((p) => p.weight).sort((a, b) => a - b);
    const theirs = paths(refs[i]).map((p) => p.weight).sort((a, b) => a - b);
    assert.equal(mine.length, theirs.length, `seed ${seed}: ${mine} vs ${theirs}`);
    for (let k = 0; k < mine.length; k++) assert.ok(close(mine[k], theirs[k]), `seed ${seed}: ${mine} vs ${theirs}`);
  }
});
