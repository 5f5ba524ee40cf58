// Laws of push: it keeps the weighted language, removeTotalWeight normalises it, and pushing twice changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../decoder/fst/connect.ts';
import { arcsOf, type Fst } from '../../decoder/fst/fst.ts';
import { push } from '../../decoder/fst/push.ts';
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

/** Epsilon-free random FSTs; cyclic log ones get heavy arcs so that their path sums converge. */
function pushCase(i: number, cyclicLog = true): { seed: number; fst: VectorFst } {
  const seed = baseSeed() + 5000 + i;
  const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
  const cyclic = i % 2 === 1 && (cyclicLog || sr === TropicalSemiring);
  const f = randomFst(seed, { semiring: sr, acceptor: i % 4 < 2, epsilonProb: 0, cyclic, maxStates: 7 });
  if (sr === LogSemiring && cyclic) {
    for (let s = 0; s < f.numStates(); s++) {
      arcsOf(f, s).forEach((a, k) => f.setArc(s, k, a.ilabel, a.olabel, 1.5 + a.weight / 2, a.nextstate));
    }
  }
  return { seed, fst: f };
}

test('push keeps the weight of every string, towards the start or the finals', () => {
  for (let i = 0; i < 160; i++) {
    const { seed, fst } = pushCase(i);
    const toFinal = i % 5 < 2;
    const p = VectorFst.from(fst);
    push(p, { toFinal, delta: 1e-6 });
    assertSameLanguage(fst, p, false, `seed ${seed} (toFinal ${toFinal})`, 1e-3);
  }
});

test('push with removeTotalWeight divides every string weight by the total weight', () => {
  for (let i = 0; i < 120; i++) {
    // Acyclic, so that the strings of at most maxStates letters are all the strings.
    const { seed, fst } = pushCase(2 * i, false);
    const sr = fst.semiring;
    const before = language(fst, 8, false);
    let total = sr.zero;
    for (const w of before.values()) total = sr.plus(total, w);
    const p = VectorFst.from(fst);
    push(p, { toFinal: i % 2 === 1, removeTotalWeight: true });
    const after = language(p, 8, false);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `seed ${seed}`);
    for (const [k, w] of before) {
      const got = after.get(k) as number;
      assert.ok(Math.abs(got - (w - total)) < 1e-3, `seed ${seed}: "${k}" weighs ${got}, want ${w - total}`);
    }
  }
});

test('pushing a trimmed FST twice is the same as pushing it once', () => {
  for (let i = 0; i < 160; i++) {
    const { seed, fst } = pushCase(i);
    const toFinal = i % 5 < 2;
    // Arcs into dead ends and into the start state from unreachable states are not normalised by a push.
    connect(fst);
    const once = VectorFst.from(fst);
    push(once, { toFinal, delta: 1e-6 });
    const twice = VectorFst.from(once);
    push(twice, { toFinal, delta: 1e-6 });
    assert.ok(isomorphic(once, twice), `seed ${seed}`);
  }
});
