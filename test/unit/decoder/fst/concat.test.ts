// concat: OpenFst's construction, its edge cases and error codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat } from '../../../../decoder/fst/concat.ts';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

test('concat moves the final weights of the first FST onto epsilon arcs into the second', () => {
  const a = compileText('0 1 1 1\n1 2 2 2\n1 0.5\n2 1.5\n');
  concat(a, compileText('0 1 3 3 0.25\n1 2\n'));
  assert.equal(printText(a), '0\t1\t1\t1\n1\t2\t2\t2\n1\t3\t0\t0\t0.5\n2\t3\t0\t0\t1.5\n3\t4\t3\t3\t0.25\n4\t2\n');
  assert.equal(a.final(1), Infinity);
});

test('concat after an empty first FST leaves it empty', () => {
  const a = new VectorFst();
  concat(a, compileText('0 1 3 3\n1\n'));
  assert.equal(a.numStates(), 0);
});

test('concat with an empty second FST appends nothing to accept and clears the finals', () => {
  const a = compileText('0 1 1 1\n1\n');
  const b = new VectorFst();
  b.addStates(2);
  concat(a, b);
  assert.equal(a.numStates(), 4);
  assert.equal(a.final(1), Infinity);
  assert.equal(printText(a), '0\t1\t1\t1\n');
});

test('concat of an FST with itself', () => {
  const a = compileText('0 1 1 1\n1\n');
  concat(a, a);
  assert.equal(printText(a), '0\t1\t1\t1\n1\t2\t0\t0\n2\t3\t1\t1\n3\n');
});

test('concat keeps acyclicity known on both sides and works in the log semiring', () => {
  const a = compileText('0 1 1 1 0.5\n1\n', { semiring: LogSemiring });
  const b = compileText('0 1 2 2\n1 0.25\n', { semiring: LogSemiring });
  a.properties(-1, true);
  b.properties(-1, true);
  concat(a, b);
  assert.ok(a.properties(Props.ACYCLIC) & Props.ACYCLIC);
  assert.ok(a.properties(Props.ACCEPTOR) & Props.ACCEPTOR);
  assert.equal(printText(a), '0\t1\t1\t1\t0.5\n1\t2\t0\t0\n2\t3\t2\t2\n3\t0.25\n');
});

test('concat rejects mixed semirings', () => {
  assert.throws(() => concat(compileText('0\n'), compileText('0\n', { semiring: LogSemiring })), codeIs('FST_SEMIRING'));
});
