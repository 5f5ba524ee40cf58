// push: hand-computed potentials, start-state handling, and agreement with `fstpush --push_weights`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../../../decoder/fst/connect.ts';
import { arcsOf } from '../../../../decoder/fst/fst.ts';
import { ALL_PROPS, computeProperties } from '../../../../decoder/fst/properties.ts';
import { push } from '../../../../decoder/fst/push.ts';
import { LogSemiring, TropicalSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { OpenFstWorkspace, isomorphicLine, openFstSkipReason } from '../../../support/openfst.ts';
import { randomFst } from '../../../support/random-fst.ts';
import { baseSeed } from '../../../support/random.ts';

const example = '0 1 1 1 1\n1 2 2 2 2\n0 2 3 3 4\n2 3\n';

test('push to the initial state moves each potential onto the start arcs', () => {
  const f = compileText(example);
  push(f);
  assert.equal(printText(f), '0\t1\t1\t1\t6\n0\t2\t3\t3\t7\n1\t2\t2\t2\n2\n');
});

test('push with removeTotalWeight leaves a total weight of one', () => {
  const f = compileText(example);
  push(f, { removeTotalWeight: true });
  assert.equal(printText(f), '0\t1\t1\t1\n0\t2\t3\t3\t1\n1\t2\t2\t2\n2\n');
});

test('push to the final states moves weight onto final weights', () => {
  const f = compileText(example);
  push(f, { toFinal: true });
  assert.equal(printText(f), '0\t1\t1\t1\n0\t2\t3\t3\t1\n1\t2\t2\t2\n2\t6\n');
  const g = compileText(example);
  push(g, { toFinal: true, removeTotalWeight: true });
  assert.equal(printText(g), '0\t1\t1\t1\n0\t2\t3\t3\t1\n1\t2\t2\t2\n2\n');
});

test('push adds an epsilon start arc when the start state lies on a cycle', () => {
  const f = compileText('0 0 1 1 1\n0 1 2 2 1\n1 2\n');
  push(f);
  assert.equal(f.numStates(), 3);
  assert.equal(f.start(), 2);
  assert.deepEqual(arcsOf(f, 2), [{ ilabel: 0, olabel: 0, weight: 3, nextstate: 0 }]);
});

test('push makes outgoing weights of every non-start state sum to one in the log semiring', () => {
  for (let i = 0; i < 30; i++) {
    const seed = baseSeed() + i;
    const f = randomFst(seed, { semiring: LogSemiring, cyclic: false, maxStates: 8 });
    // Arcs into dead ends keep their weights (their destinations have zero potential): trim first.
    connect(f);
    push(f);
    for (let s = 0; s < f.numStates(); s++) {
      if (s === f.start()) continue;
      let sum = f.final(s);
      for (const a of arcsOf(f, s)) sum = LogSemiring.plus(sum, a.weight);
      if (sum === Infinity) continue;
      assert.ok(Math.abs(sum) < 1e-4, `seed ${seed}: state ${s} sums to ${sum}`);
    }
  }
});

test('push agrees with fstpush --push_weights on random FSTs', { skip: openFstSkipReason() }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const lines: string[] = [];
    const seeds: number[] = [];
    for (let i = 0; i < 220; i++) {
      const seed = baseSeed() + 30_000 + i;
      seeds.push(seed);
      const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
      const cyclic = i % 4 < 2;
      const f = randomFst(seed, { semiring: sr, acceptor: i % 2 === 0, cyclic, maxStates: 8 });
      if (sr === LogSemiring && cyclic) {
        // Log path sums over cycles converge only when cycles are heavy enough.
        for (let s = 0; s < f.numStates(); s++) {
          arcsOf(f, s).forEach((a, k) => f.setArc(s, k, a.ilabel, a.olabel, 1.5 + a.weight / 2, a.nextstate));
        }
      }
      const toFinal = i % 5 === 1 || i % 5 === 3;
      const removeTotal = i % 7 < 3;
      const flags = ['--push_weights', '--delta=1e-6'];
      if (toFinal) flags.push('--to_final');
      if (removeTotal) flags.push('--remove_total_weight');
      const ours = VectorFst.from(f);
      push(ours, { delta: 1e-6, toFinal, removeTotalWeight: removeTotal });
      assert.equal(ours.properties(ALL_PROPS, false) & ~computeProperties(ours), 0, `seed ${seed}: cached properties`);
      lines.push(
        ws.compileLine(`in${i}`, f),
        `fstpush ${flags.join(' ')} in${i}.fst push${i}.fst || exit 1`,
        ws.compileLine(`ours${i}`, ours),
        isomorphicLine(`push${i}.fst`, `ours${i}.fst`, `iso${i}.txt`),
      );
    }
    ws.script(lines);
    seeds.forEach((seed, i) => {
      assert.equal(ws.read(`iso${i}.txt`).trim(), '0', `seed ${seed}: differs from fstpush`);
    });
  } finally {
    ws.dispose();
  }
});

test('push of an empty FST does nothing', () => {
  const f = new VectorFst(TropicalSemiring);
  push(f);
  assert.equal(f.numStates(), 0);
});
