// reverse: hand cases for OpenFst's numbering, the no-superinitial variant, properties and both semirings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_STATE } from '../../../../decoder/fst/fst.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { reverse } from '../../../../decoder/fst/reverse.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

test('reverse adds a superinitial state 0 and shifts every state by one', () => {
  const f = compileText('0 1 1 2 0.5\n1 2 2 3 1\n1 0 3 4 2\n2 1.5\n');
  const r = reverse(f);
  assert.equal(r.start(), 0);
  assert.equal(r.numStates(), 4);
  assert.equal(printText(r), '0\t3\t0\t0\t1.5\n1\t2\t3\t4\t2\n1\n2\t1\t1\t2\t0.5\n3\t2\t2\t3\t1\n');
});

test('reverse of a reverse accepts the original paths with their weights', () => {
  const f = compileText('0 1 1 1 0.25\n1 2 2 2\n0 2 3 3 2\n2 0.5\n');
  const rr = reverse(reverse(f));
  // An epsilon hop in front and one before the final weight; the language is unchanged (fstreverse twice).
  assert.equal(rr.numStates(), 5);
  assert.equal(printText(rr), '0\t2\t0\t0\n1\n2\t3\t1\t1\t0.25\n2\t4\t3\t3\t2\n3\t4\t2\t2\n4\t1\t0\t0\t0.5\n');
});

test('reverse keeps the numbering when one final state off any cycle can be the start', () => {
  const f = compileText('0 1 1 1 0.5\n1 2 2 2 1\n2 3\n');
  const r = reverse(f, { requireSuperinitial: false });
  assert.equal(r.numStates(), 3);
  assert.equal(r.start(), 2);
  // The old final weight moves onto the arcs leaving the new start; the old start is final with one.
  assert.equal(printText(r), '2\t1\t2\t2\t4\n0\n1\t0\t1\t1\t0.5\n');
});

test('reverse still adds a superinitial state when the only final state is on a cycle or weighs one', () => {
  const cyc = compileText('0 1 1 1\n1 1 2 2\n1 3\n');
  assert.equal(reverse(cyc, { requireSuperinitial: false }).numStates(), 3);
  const one = compileText('0 1 1 1\n1\n');
  assert.equal(reverse(one, { requireSuperinitial: false }).numStates(), 3);
  const two = compileText('0 1 1 1\n1 2\n0 3\n');
  assert.equal(reverse(two, { requireSuperinitial: false }).numStates(), 3);
});

test('reverse of a single final start state without superinitial keeps its final weight', () => {
  const f = compileText('0 1 1 1\n1 0 2 2\n0 2\n');
  // State 0 is on a cycle: a superinitial state is needed.
  assert.equal(reverse(f, { requireSuperinitial: false }).numStates(), 3);
  const g = compileText('0 2\n');
  const r = reverse(g, { requireSuperinitial: false });
  assert.equal(printText(r), '0\t2\n');
});

test('reverse of an empty FST is a single non-final start state', () => {
  const r = reverse(new VectorFst());
  assert.equal(r.numStates(), 1);
  assert.equal(r.start(), 0);
  assert.equal(r.final(0), Infinity);
  assert.notEqual(r.start(), NO_STATE);
});

test('reverse works in the log semiring and keeps the semiring and symbol tables', () => {
  const f = compileText('0 1 1 1 0.5\n1 0.25\n', { semiring: LogSemiring });
  const r = reverse(f);
  assert.equal(r.semiring, LogSemiring);
  assert.equal(printText(r), '0\t2\t0\t0\t0.25\n1\n2\t1\t1\t1\t0.5\n');
});

test('reverse records acyclicity from the input and an acyclic start', () => {
  const f = compileText('0 1 1 1\n1\n');
  f.properties(-1, true);
  const r = reverse(f);
  assert.ok(r.properties(Props.ACYCLIC) & Props.ACYCLIC);
  assert.ok(r.properties(Props.INITIAL_ACYCLIC) & Props.INITIAL_ACYCLIC);
  assert.equal(r.properties(-1, true) & Props.ACCEPTOR, Props.ACCEPTOR);
});
