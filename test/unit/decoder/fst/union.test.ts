// union: OpenFst's construction with and without a known initial-acyclic first FST, edge cases and error codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { SymbolTable } from '../../../../decoder/fst/symbol-table.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { union } from '../../../../decoder/fst/union.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

test('union adds a new start state when the first FST is not known to be initial-acyclic', () => {
  const a = compileText('0 1 1 1 0.5\n1 2 2 2\n2 1.5\n');
  union(a, compileText('0 1 3 3\n1\n'));
  assert.equal(a.start(), 5);
  assert.equal(printText(a), '5\t0\t0\t0\n5\t3\t0\t0\n0\t1\t1\t1\t0.5\n1\t2\t2\t2\n2\t1.5\n3\t4\t3\t3\n4\n');
});

test('union links the two starts directly when the first FST is known to be initial-acyclic', () => {
  const a = compileText('0 1 1 1 0.5\n1 2 2 2\n2 1.5\n');
  a.properties(Props.INITIAL_ACYCLIC, true);
  union(a, compileText('0 1 3 3\n1\n'));
  assert.equal(a.start(), 0);
  assert.equal(printText(a), '0\t1\t1\t1\t0.5\n0\t3\t0\t0\n1\t2\t2\t2\n2\t1.5\n3\t4\t3\t3\n4\n');
  assert.ok(a.properties(Props.EPSILONS) & Props.EPSILONS);
});

test('union with a computed initial-cyclic first FST still adds a new start', () => {
  const a = compileText('0 1 1 1\n1 0 2 2\n1\n');
  a.properties(-1, true);
  union(a, compileText('0 1 3 3\n1\n'));
  assert.equal(a.start(), 4);
  assert.equal(a.numStates(), 5);
});

test('union with an empty second FST leaves the first unchanged', () => {
  const a = compileText('0 1 1 1\n1\n');
  const before = printText(a);
  union(a, new VectorFst());
  assert.equal(printText(a), before);
  assert.equal(a.numStates(), 2);
});

test('union into an empty FST copies the second one', () => {
  const a = new VectorFst();
  union(a, compileText('0 1 3 3 0.5\n1 2\n'));
  assert.equal(printText(a), '0\t1\t3\t3\t0.5\n1\t2\n');
});

test('union of an FST with itself doubles its paths', () => {
  const a = compileText('0 1 1 1\n1\n');
  union(a, a);
  assert.equal(printText(a), '4\t0\t0\t0\n4\t2\t0\t0\n0\t1\t1\t1\n1\n2\t3\t1\t1\n3\n');
});

test('union works in the log semiring', () => {
  const a = compileText('0 1 1 1 0.5\n1\n', { semiring: LogSemiring });
  union(a, compileText('0 0.25\n', { semiring: LogSemiring }));
  assert.equal(a.semiring, LogSemiring);
  assert.equal(printText(a), '3\t0\t0\t0\n3\t2\t0\t0\n0\t1\t1\t1\t0.5\n1\n2\t0.25\n');
});

test('union rejects mixed semirings and different symbol tables', () => {
  assert.throws(() => union(compileText('0\n'), compileText('0\n', { semiring: LogSemiring })), codeIs('FST_SEMIRING'));
  const a = compileText('0 1 1 1\n1\n');
  const b = compileText('0 1 1 1\n1\n');
  a.isymbols = SymbolTable.fromText('<eps> 0\na 1\n');
  b.isymbols = SymbolTable.fromText('<eps> 0\nb 1\n');
  assert.throws(() => union(a, b), codeIs('FST_SYMBOL'));
  b.isymbols = SymbolTable.fromText('<eps> 0\na 1\n');
  union(a, b);
  assert.equal(a.numStates(), 5);
});
