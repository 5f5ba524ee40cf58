// closure: star and plus as OpenFst builds them, the empty FST, and bad arguments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closure, type ClosureType } from '../../../../decoder/fst/closure.ts';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

test('closure plus loops every final state back to the start with its final weight', () => {
  const f = compileText('0 1 1 1\n1 2 2 2\n1 0.5\n2 1.5\n');
  closure(f, 'plus');
  assert.equal(f.start(), 0);
  assert.equal(printText(f), '0\t1\t1\t1\n1\t2\t2\t2\n1\t0\t0\t0\t0.5\n1\t0.5\n2\t0\t0\t0\t1.5\n2\t1.5\n');
});

test('closure star adds a final start state, numbered last, with an epsilon arc to the old start', () => {
  const f = compileText('0 1 1 1 0.25\n1 2\n');
  closure(f, 'star');
  assert.equal(f.start(), 2);
  assert.equal(printText(f), '2\t0\t0\t0\n2\n0\t1\t1\t1\t0.25\n1\t0\t0\t0\t2\n1\t2\n');
  assert.ok(f.properties(Props.INITIAL_ACYCLIC) & Props.INITIAL_ACYCLIC);
});

test('closure star of an empty FST accepts only the empty string', () => {
  const f = new VectorFst();
  closure(f, 'star');
  assert.equal(printText(f), '0\n');
  const g = new VectorFst();
  closure(g, 'plus');
  assert.equal(g.numStates(), 0);
});

test('closure works in the log semiring', () => {
  const f = compileText('0 1 1 1 0.5\n1 0.25\n', { semiring: LogSemiring });
  closure(f, 'star');
  assert.equal(printText(f), '2\t0\t0\t0\n2\n0\t1\t1\t1\t0.5\n1\t0\t0\t0\t0.25\n1\t0.25\n');
});

test('closure rejects an unknown type', () => {
  assert.throws(() => closure(compileText('0\n'), 'kleene' as ClosureType), codeIs('FST_ARGUMENT'));
});
