// Laws of minimize: it keeps the weighted language, never adds states to an acceptor, and is idempotent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../decoder/fst/connect.ts';
import { determinize } from '../../decoder/fst/determinize.ts';
import { arcsOf, type Fst } from '../../decoder/fst/fst.ts';
import { minimize } from '../../decoder/fst/minimize.ts';
import { Props } from '../../decoder/fst/properties.ts';
import { LogSemiring, TropicalSemiring } from '../../decoder/fst/semiring.ts';
import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { randomFst } from '../support/random-fst.ts';
import { baseSeed } from '../support/random.ts';

type Language = Map<string, number>;

/**
 * Weight (⊕ over paths) of every (input string, output string) pair with at most maxLen input letters. With
 * epsAsLetter, input epsilons count as letters (OpenFst's determinization semantics); otherwise they are
 * skipped (inputs must then have no input-epsilon cycles). Keys are "input -> output".
 */
function language(fst: Fst, maxLen: number, epsAsLetter: boolean): Language {
  const sr = fst.semiring;
  const res: Language = new Map();
  const walk = (s: number, inp: string, len: number, out: string, w: number, depth: number): void => {
    const f = fst.final(s);
    if (f !== sr.zero) {
      const key = `${inp} ->${out}`;
      res.set(key, sr.plus(res.get(key) ?? sr.zero, sr.times(w, f)));
    }
    if (depth > maxLen + 12) return;
    for (const a of arcsOf(fst, s)) {
      const letter = a.ilabel !== 0 || epsAsLetter;
      if (letter && len >= maxLen) continue;
      const wa = sr.times(w, a.weight);
      if (wa === sr.zero) continue;
      const o = a.olabel !== 0 ? `${out} ${a.olabel}` : out;
      walk(a.nextstate, letter ? `${inp} ${a.ilabel}` : inp, letter ? len + 1 : len, o, wa, depth + 1);
    }
  };
  if (fst.start() >= 0) walk(fst.start(), '', 0, '', sr.one, 0);
  return res;
}

function assertSameLanguage(a: Fst, b: Fst, epsAsLetter: boolean, msg: string, tol = 0.01): void {
  const la = language(a, 5, epsAsLetter);
  const lb = language(b, 5, epsAsLetter);
  assert.deepEqual([...lb.keys()].sort(), [...la.keys()].sort(), `${msg}: different strings`);
  for (const [k, x] of la) {
    const y = lb.get(k) as number;
    assert.ok(Math.abs(x - y) <= tol, `${msg}: weight of "${k}": ${x} vs ${y}`);
  }
}

/** Isomorphism of deterministic FSTs (arcs paired in (ilabel, olabel, weight) order), weights within delta. */
function isomorphic(a: Fst, b: Fst, delta = 1e-3): boolean {
  if (a.numStates() !== b.numStates()) return false;
  if (a.start() < 0 || b.start() < 0) return a.start() === b.start();
  const near = (x: number, y: number) => x === y || Math.abs(x - y) <= delta;
  const map = new Int32Array(a.numStates()).fill(-1);
  const used = new Uint8Array(b.numStates());
  const queue: [number, number][] = [];
  const pair = (s: number, t: number): boolean => {
    if (map[s] === t) return true;
    if (map[s] >= 0 || used[t]) return false;
    map[s] = t;
    used[t] = 1;
    queue.push([s, t]);
    return true;
  };
  pair(a.start(), b.start());
  const order = (x: { ilabel: number; olabel: number; weight: number }, y: typeof x) =>
    x.ilabel - y.ilabel || x.olabel - y.olabel || x.weight - y.weight;
  for (let i = 0; i < queue.length; i++) {
    const [s, t] = queue[i];
    if (!near(a.final(s), b.final(t))) return false;
    const as = arcsOf(a, s).sort(order);
    const bs = arcsOf(b, t).sort(order);
    if (as.length !== bs.length) return false;
    for (let k = 0; k < as.length; k++) {
      if (as[k].ilabel !== bs[k].ilabel || as[k].olabel !== bs[k].olabel) return false;
      if (!near(as[k].weight, bs[k].weight) || !pair(as[k].nextstate, bs[k].nextstate)) return false;
    }
  }
  return true;
}

/**
 * Deterministic inputs: determinized epsilon-free random FSTs (acceptors or transducers; acyclic weighted, or
 * cyclic tropical with unweighted arcs), or undefined when determinization leaves two epsilon arcs at a state.
 */
function deterministicCase(i: number): { seed: number; fst: VectorFst | undefined; acceptor: boolean } {
  const seed = baseSeed() + 3000 + i;
  const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
  const cyclic = sr === TropicalSemiring && i % 2 === 1;
  const acceptor = i % 4 !== 3;
  const f = randomFst(seed, { semiring: sr, acceptor, epsilonProb: 0, cyclic, weighted: !cyclic, maxStates: 7 });
  let d: VectorFst;
  try {
    d = determinize(f, { maxStates: 2000 });
  } catch {
    return { seed, fst: undefined, acceptor };
  }
  const det = d.properties(Props.I_DETERMINISTIC, true) & Props.I_DETERMINISTIC;
  return { seed, fst: det ? d : undefined, acceptor };
}

test('minimize keeps the weight and output of every string', () => {
  let compared = 0;
  for (let i = 0; i < 160; i++) {
    const { seed, fst } = deterministicCase(i);
    if (fst === undefined) continue;
    const m = VectorFst.from(fst);
    minimize(m);
    assertSameLanguage(fst, m, false, `seed ${seed}`);
    compared++;
  }
  assert.ok(compared >= 120, `only ${compared} inputs`);
});

test('minimize never adds states to an acceptor, except the pushed start state', () => {
  for (let i = 0; i < 160; i++) {
    const { seed, fst, acceptor } = deterministicCase(i);
    if (fst === undefined || !acceptor) continue;
    const trimmed = VectorFst.from(fst);
    connect(trimmed);
    const startOnCycle = !(trimmed.properties(Props.INITIAL_ACYCLIC, true) & Props.INITIAL_ACYCLIC);
    const m = VectorFst.from(fst);
    minimize(m);
    assert.ok(m.numStates() <= trimmed.numStates() + (startOnCycle ? 1 : 0), `seed ${seed}`);
    assert.ok(m.properties(Props.I_DETERMINISTIC, true) & Props.I_DETERMINISTIC, `seed ${seed}`);
  }
});

test('minimize is idempotent', () => {
  for (let i = 0; i < 160; i++) {
    const { seed, fst } = deterministicCase(i);
    if (fst === undefined) continue;
    const once = VectorFst.from(fst);
    minimize(once);
    const twice = VectorFst.from(once);
    minimize(twice);
    assert.ok(isomorphic(once, twice), `seed ${seed}`);
  }
});

test('minimize leaves no two states with the same future in an unweighted acceptor', () => {
  for (let i = 0; i < 100; i++) {
    const seed = baseSeed() + 4000 + i;
    const f = determinize(randomFst(seed, { acceptor: true, weighted: false, weightedFinals: false, maxStates: 8 }));
    minimize(f);
    // In a minimal DFA, the languages of two distinct states differ; compare them up to a length bound.
    const futures = new Set<string>();
    for (let s = 0; s < f.numStates(); s++) {
      const g = VectorFst.from(f);
      g.setStart(s);
      futures.add([...language(g, 6, true).keys()].sort().join('|'));
    }
    assert.equal(futures.size, f.numStates(), `seed ${seed}`);
  }
});
