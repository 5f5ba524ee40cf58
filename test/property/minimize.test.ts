// Laws of minimize: it keeps the weighted language, never adds states to an acceptor, and is idempotent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../decoder/fst/connect.ts';
import { determinize } from '../../decoder/fst/determinize.ts';
import { minimize } from '../../decoder/fst/minimize.ts';
import { Props } from '../../decoder/fst/properties.ts';
import { LogSemiring, TropicalSemiring } from '../../decoder/fst/semiring.ts';
import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { assertSameLanguage, isomorphic, language } from '../support/fst-compare.ts';
import { randomFst } from '../support/random-fst.ts';
import { baseSeed } from '../support/random.ts';

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
