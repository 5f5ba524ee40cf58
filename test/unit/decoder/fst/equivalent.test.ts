// equivalent: preconditions, weighted and unweighted comparisons, and agreement with fstequivalent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { determinize } from '../../../../decoder/fst/determinize.ts';
import { equivalent } from '../../../../decoder/fst/equivalent.ts';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { minimize } from '../../../../decoder/fst/minimize.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { LogSemiring, TropicalSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { OpenFstWorkspace, openFstSkipReason } from '../../../support/openfst.ts';
import { randomFst, splitStates, type RandomFstOptions } from '../../../support/random-fst.ts';
import { baseSeed } from '../../../support/random.ts';

const acc = (text: string, semiring = TropicalSemiring) => compileText(text, { acceptor: true, semiring });
const missing = (name: string) => (e: unknown) =>
  e instanceof FstError && e.code === 'FST_PROPERTY' && e.details.missing === name;

test('equivalent compares unweighted acceptors by language', () => {
  const a = acc('0 1 1\n1 2 2\n2\n0 2 3\n');
  const b = acc('0 1 3\n0 2 1\n2 1 2\n1\n');
  assert.equal(equivalent(a, b), true);
  assert.equal(equivalent(a, acc('0 1 1\n1 2 2\n2\n')), false);
});

test('equivalent compares weights of every string within delta', () => {
  const a = acc('0 1 1 1\n1 2 2 2\n2 0.5\n');
  const b = acc('0 1 1 3\n1 2 2\n2 0.5\n');
  assert.equal(equivalent(a, b), true);
  assert.equal(equivalent(a, acc('0 1 1 3\n1 2 2\n2 0.75\n')), false);
  assert.equal(equivalent(a, acc('0 1 1 3.0001\n1 2 2\n2 0.5\n')), true);
  assert.equal(equivalent(a, acc('0 1 1 3.1\n1 2 2\n2 0.5\n'), { delta: 0.5 }), true);
});

test('equivalent ignores arcs of weight zero', () => {
  const a = acc('0 1 1\n1\n');
  const b = acc('0 1 1\n0 2 2 Infinity\n1\n2\n');
  assert.equal(equivalent(a, b), true);
});

test('equivalent checks its preconditions', () => {
  const good = acc('0 1 1\n1\n');
  assert.throws(() => equivalent(acc('0 1 0\n1\n'), good), missing('NO_EPSILONS'));
  assert.throws(() => equivalent(good, acc('0 1 1\n0 2 1\n1\n2\n')), missing('I_DETERMINISTIC'));
  assert.throws(() => equivalent(good, compileText('0 1 1 2\n1\n')), missing('ACCEPTOR'));
  assert.throws(
    () => equivalent(good, acc('0 1 1\n1\n', LogSemiring)),
    (e: unknown) => e instanceof FstError && e.code === 'FST_SEMIRING',
  );
});

test('equivalent agrees with fstequivalent on random pairs', { skip: openFstSkipReason() }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const lines: string[] = [];
    const cases: { seed: number; ours: boolean }[] = [];
    let trueCount = 0;
    for (let i = 0; cases.length < 220; i++) {
      const seed = baseSeed() + 50_000 + i;
      const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
      const cyclic = i % 4 === 1 && sr === TropicalSemiring;
      const opts: RandomFstOptions = {
        semiring: sr,
        acceptor: true,
        epsilonProb: 0,
        cyclic,
        weighted: !cyclic && i % 7 !== 0,
        weightedFinals: i % 7 !== 0,
        maxStates: 6,
        numLabels: 2,
      };
      const a = determinize(randomFst(seed, opts));
      let b: VectorFst;
      switch (i % 4) {
        case 0:
          b = splitStates(a, seed);
          break;
        case 1:
          b = VectorFst.from(a);
          minimize(b);
          break;
        case 2:
          b = determinize(randomFst(seed + 1_000_000, opts));
          break;
        default: {
          const c = randomFst(seed, opts);
          const last = c.numStates() - 1;
          c.setFinal(last, c.final(last) === sr.zero ? 1 : sr.zero);
          b = determinize(c);
        }
      }
      // Minimization may add an epsilon start arc; equivalence needs epsilon-free inputs.
      if (!(b.properties(Props.NO_EPSILONS, true) & Props.NO_EPSILONS)) continue;
      const k = cases.length;
      const ours = equivalent(a, b);
      if (ours) trueCount++;
      cases.push({ seed, ours });
      lines.push(
        ws.compileLine(`a${k}`, a),
        ws.compileLine(`b${k}`, b),
        `fstequivalent a${k}.fst b${k}.fst 2> err${k}.txt; echo $? > rc${k}.txt`,
      );
    }
    ws.script(lines);
    cases.forEach(({ seed, ours }, k) => {
      const rc = ws.read(`rc${k}.txt`).trim();
      assert.ok(rc === '0' || rc === '2', `seed ${seed}: fstequivalent failed: ${ws.read(`err${k}.txt`)}`);
      assert.equal(ours, rc === '0', `seed ${seed}: ours says ${ours}`);
    });
    assert.ok(trueCount > 40 && trueCount < 200, `unbalanced cases: ${trueCount} equivalent`);
  } finally {
    ws.dispose();
  }
});
