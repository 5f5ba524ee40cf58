// Laws of push: it keeps the weighted language, removeTotalWeight normalises it, and pushing twice changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../decoder/fst/connect.ts';
import { arcsOf } from '../../decoder/fst/fst.ts';
import { push } from '../../decoder/fst/push.ts';
import { LogSemiring, TropicalSemiring } from '../../decoder/fst/semiring.ts';
import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { assertSameLanguage, isomorphic, language } from '../support/fst-compare.ts';
import { randomFst } from '../support/random-fst.ts';
import { baseSeed } from '../support/random.ts';

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
