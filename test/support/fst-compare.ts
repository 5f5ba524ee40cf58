// Plain comparisons of small FSTs for property tests: the weighted language up to a length, and isomorphism.

import assert from 'node:assert/strict';
import { arcsOf, type Fst } from '../../decoder/fst/fst.ts';

/** Weights of (input string, output string) pairs, keyed "input -> output" (labels space-separated). */
export type Language = Map<string, number>;

/**
 * Weight (⊕ over paths) of every (input string, output string) pair with at most maxLen input letters. With
 * epsAsLetter, input epsilons count as letters (OpenFst's determinization semantics); otherwise they are
 * skipped (inputs must then have no input-epsilon cycles). Keys are "input -> output".
 * Cost: exponential in maxLen (a depth-first walk of every path); for small test FSTs only.
 */
export function language(fst: Fst, maxLen: number, epsAsLetter: boolean): Language {
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

/** Asserts that `a` and `b` have the same strings of up to 5 input letters, with weights within `tol`. */
export function assertSameLanguage(a: Fst, b: Fst, epsAsLetter: boolean, msg: string, tol = 0.01): void {
  const la = language(a, 5, epsAsLetter);
  const lb = language(b, 5, epsAsLetter);
  assert.deepEqual([...lb.keys()].sort(), [...la.keys()].sort(), `${msg}: different strings`);
  for (const [k, x] of la) {
    const y = lb.get(k) as number;
    assert.ok(Math.abs(x - y) <= tol, `${msg}: weight of "${k}": ${x} vs ${y}`);
  }
}

/** Isomorphism of deterministic FSTs (arcs paired in (ilabel, olabel, weight) order), weights within delta. */
export function isomorphic(a: Fst, b: Fst, delta = 1e-3): boolean {
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
