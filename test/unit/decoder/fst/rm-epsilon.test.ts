// rmEpsilon: hand cases checked against fstrmepsilon, both semirings, epsilon cycles, options and edge cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { arcsOf } from '../../../../decoder/fst/fst.ts';
import { Props, computeProperties } from '../../../../decoder/fst/properties.ts';
import { LogSemiring, TropicalSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { rmEpsilon } from '../../../../decoder/fst/rm-epsilon.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

function rm(text: string, opts: Parameters<typeof rmEpsilon>[1] = {}, log = false): VectorFst {
  const f = compileText(text, { semiring: log ? LogSemiring : TropicalSemiring });
  rmEpsilon(f, opts);
  return f;
}

test('rmEpsilon folds epsilon paths into the following arc and into final weights', () => {
  const f = rm('0 1 0 0 0.5\n1 2 1 1 1\n0 2 0 0 2\n2 3 0 0 0.25\n3 1.5\n2 0.5\n');
  assert.equal(printText(f), '0\t1\t1\t1\t1.5\n0\t2.5\n1\t0.5\n');
  assert.ok(f.properties(Props.NO_EPSILONS) & Props.NO_EPSILONS);
  assert.ok(computeProperties(f) & Props.NO_EPSILONS);
});

test('rmEpsilon without connect keeps states reached only by epsilons', () => {
  const f = rm('0 1 0 0 0.5\n1 2 1 1 1\n0 2 0 0 2\n2 3 0 0 0.25\n3 1.5\n2 0.5\n', { connect: false });
  assert.equal(f.numStates(), 4);
  assert.equal(printText(f), '0\t2\t1\t1\t1.5\n0\t2.5\n1\t2\t1\t1\t1\n2\t0.5\n3\t1.5\n');
});

test('rmEpsilon handles an epsilon cycle in the tropical semiring', () => {
  const f = rm('0 1 0 0 1\n1 0 0 0 1\n1 2 5 5\n2\n');
  assert.equal(printText(f), '0\t1\t5\t5\t1\n1\n');
});

test('rmEpsilon sums parallel epsilon paths in the log semiring', () => {
  const f = rm('0 1 0 0 1\n0 1 0 0 1\n1 2 1 1\n2\n', {}, true);
  assert.equal(f.numStates(), 2);
  const [arc] = arcsOf(f, 0);
  assert.ok(Math.abs(arc.weight - (1 - Math.log(2))) < 1e-6, `weight ${arc.weight}`);
});

test('rmEpsilon sums an epsilon self-loop in the log semiring to its closure', () => {
  const f = rm('0 0 0 0 1\n0 1 1 1\n1\n', {}, true);
  // d = ⊕_k k·1 = -log(1 / (1 - e^-1)).
  assert.equal(printText(f), '0\t1\t1\t1\t-0.458674312\n1\n');
});

test('rmEpsilon keeps arcs with an epsilon on one side only', () => {
  const f = rm('0 1 0 7\n1 2 0 0 1\n2 3 4 0\n3 0 0 0 2\n3\n');
  assert.equal(printText(f), '0\t1\t0\t7\n1\t2\t4\t0\t1\n2\t1\t0\t7\t2\n2\n');
});

test('rmEpsilon merges arcs with equal labels and destination', () => {
  const f = rm('0 1 0 0 1\n0 2 5 5 3\n1 2 5 5 1\n2\n');
  assert.equal(printText(f), '0\t1\t5\t5\t2\n1\n');
  const g = rm('0 1 0 0 1\n0 2 5 5 3\n1 2 5 5 1\n2\n', {}, true);
  assert.equal(g.numStates(), 2);
  assert.ok(Math.abs(g.final(1)) < 1e-9);
});

test('rmEpsilon of an FST with only epsilon arcs leaves a final start state', () => {
  const f = rm('0 1 0 0 0.5\n1 2 0 0 0.25\n2 1\n');
  assert.equal(printText(f), '0\t1.75\n');
});

test('rmEpsilon leaves an FST without a start unchanged and rejects a bad delta', () => {
  const f = new VectorFst();
  rmEpsilon(f);
  assert.equal(f.numStates(), 0);
  assert.throws(() => rmEpsilon(compileText('0\n'), { delta: -1 }), codeIs('FST_ARGUMENT'));
});

test('rmEpsilon gives up on a tropical epsilon cycle of negative weight', () => {
  const f = compileText('0 1 0 0 -1\n1 0 0 0 0\n1 2 1 1\n2\n');
  assert.throws(() => rmEpsilon(f), codeIs('FST_LIMIT'));
});
