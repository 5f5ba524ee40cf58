// topSort: OpenFst's DFS order, cyclic inputs left unchanged, properties, unreachable states.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Props, computeProperties } from '../../../../decoder/fst/properties.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { topSort } from '../../../../decoder/fst/top-sort.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

test('topSort renumbers in reverse DFS finishing order, arcs keeping their order', () => {
  const f = compileText('0 2 1 1\n2 1 2 2 0.5\n0 1 3 3\n1 1.5\n', { keepStateNumbering: true });
  assert.equal(topSort(f), true);
  assert.equal(printText(f), '0\t1\t1\t1\n0\t2\t3\t3\n1\t2\t2\t2\t0.5\n2\t1.5\n');
  assert.ok(f.properties(Props.TOP_SORTED) & Props.TOP_SORTED);
  assert.ok(computeProperties(f) & Props.TOP_SORTED);
});

test('topSort visits the start first, then unvisited states by id', () => {
  // State 0 is unreachable from the start (2): its DFS tree finishes last, so it is ranked first (as fsttopsort).
  const f = compileText('2 1 1 1\n0 1 2 2\n1\n', { keepStateNumbering: true });
  assert.equal(f.start(), 2);
  assert.equal(topSort(f), true);
  assert.equal(f.start(), 1);
  assert.equal(printText(f), '1\t2\t1\t1\n0\t2\t2\t2\n2\n');
});

test('topSort leaves a cyclic FST unchanged and reports false', () => {
  const f = compileText('0 1 1 1\n1 2 2 2\n2 1 3 3\n2\n');
  const before = printText(f);
  assert.equal(topSort(f), false);
  assert.equal(printText(f), before);
  assert.ok(f.properties(Props.CYCLIC) & Props.CYCLIC);
  const loop = compileText('0 0 1 1\n0\n');
  assert.equal(topSort(loop), false);
});

test('topSort of an empty FST succeeds', () => {
  assert.equal(topSort(new VectorFst()), true);
});
