// shortestPath: single and n-best paths as fstshortestpath builds them, unique paths, edge cases, error codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { shortestPath } from '../../../../decoder/fst/shortest-path.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

test('shortestPath numbers the single best path from the final state back to the start', () => {
  const f = compileText('0 1 1 1 0.5\n1 2 2 2 1\n1 0 3 3 2\n2 1.5\n');
  const p = shortestPath(f);
  assert.equal(p.start(), 2);
  assert.equal(printText(p), '2\t1\t1\t1\t0.5\n0\t1.5\n1\t0\t2\t2\t1\n');
});

test('shortestPath finds the best path through a negative arc', () => {
  const f = compileText('0 1 1 1 2\n0 2 2 2 1\n2 1 3 3 -0.5\n1\n');
  assert.equal(printText(shortestPath(f)), '2\t1\t2\t2\t1\n0\n1\t0\t3\t3\t-0.5\n');
});

test('shortestPath with n > 1 builds OpenFst\'s tree of n paths', () => {
  const f = compileText('0 1 1 1 0.5\n1 2 2 2 1\n1 0 3 3 2\n2 1.5\n');
  const p = shortestPath(f, { nshortest: 3 });
  assert.equal(
    printText(p),
    '0\t6\t0\t0\n0\t9\t0\t0\n0\t11\t0\t0\n1\n2\t1\t0\t0\t1.5\n3\t2\t2\t2\t1\n4\t3\t1\t1\t0.5\n5\t4\t3\t3\t2\n' +
      '6\t4\t0\t0\n7\t5\t1\t1\t0.5\n8\t7\t3\t3\t2\n9\t7\t0\t0\n10\t8\t1\t1\t0.5\n11\t10\t0\t0\n',
  );
});

test('shortestPath with n > 1 follows cycles as often as needed', () => {
  const f = compileText('0 0 1 1 1\n0 1 2 2 0.5\n1 0.25\n');
  const p = shortestPath(f, { nshortest: 3 });
  assert.equal(
    printText(p),
    '0\t5\t0\t0\n0\t7\t0\t0\n0\t8\t0\t0\n1\n2\t1\t0\t0\t0.25\n3\t2\t2\t2\t0.5\n4\t3\t1\t1\t1\n5\t3\t0\t0\n' +
      '6\t4\t1\t1\t1\n7\t4\t0\t0\n8\t6\t0\t0\n',
  );
});

test('shortestPath with unique keeps one path per label string', () => {
  const f = compileText('0 1 1 1 1\n0 1 1 1 2\n0 1 2 2 3\n1 2 3 3\n2\n');
  const all = shortestPath(f, { nshortest: 2 });
  assert.match(printText(all), /5\t3\t1\t1\t2\n/);
  const uniq = shortestPath(f, { nshortest: 2, unique: true });
  assert.match(printText(uniq), /5\t3\t2\t2\t3\n/);
  assert.equal(uniq.numStates(), 8);
});

test('shortestPath returns an empty FST when no final state is reachable or n is 0', () => {
  assert.equal(shortestPath(compileText('0 1 1 1\n2\n')).numStates(), 0);
  assert.equal(shortestPath(compileText('0 1 1 1\n2\n'), { nshortest: 3 }).numStates(), 0);
  assert.equal(shortestPath(new VectorFst()).numStates(), 0);
  assert.equal(shortestPath(compileText('0 1 1 1\n1\n'), { nshortest: 0 }).numStates(), 0);
});

test('shortestPath of a final start state is that single state', () => {
  assert.equal(printText(shortestPath(compileText('0 1 1 1 5\n1\n0 2\n'))), '0\t2\n');
});

test('shortestPath rejects the log semiring, bad arguments and unique on a transducer', () => {
  assert.throws(() => shortestPath(compileText('0\n', { semiring: LogSemiring })), codeIs('FST_SEMIRING'));
  assert.throws(() => shortestPath(compileText('0\n'), { nshortest: 1.5 }), codeIs('FST_ARGUMENT'));
  assert.throws(() => shortestPath(compileText('0\n'), { delta: Number.NaN }), codeIs('FST_ARGUMENT'));
  assert.throws(
    () => shortestPath(compileText('0 1 1 2\n1\n'), { nshortest: 2, unique: true }),
    (e: unknown) => e instanceof FstError && e.code === 'FST_PROPERTY' && e.details.missing === 'ACCEPTOR',
  );
});
