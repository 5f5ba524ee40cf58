// replace: hand cases checked against fstreplace, label options, shadowing, dependency cycles and limits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { replace } from '../../../../decoder/fst/replace.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

// Root 9 reads 1, calls rule 10, reads 2, calls rule 11; rule 11 reads 6 then calls rule 10.
const root = compileText('0 1 1 10\n1 2 2 11\n2\n');
const r10 = compileText('0 1 5 5\n1 0.5\n');
const r11 = compileText('0 1 6 10\n1\n');
const rules = [[9, root], [10, r10], [11, r11]] as const;

test('replace expands nonterminal arcs recursively with input-labelled calls by default', () => {
  assert.equal(
    printText(replace(9, rules)),
    '0\t1\t1\t0\n1\t2\t5\t5\n2\t3\t0\t0\t0.5\n3\t4\t2\t0\n4\t5\t6\t0\n5\t6\t5\t5\n6\t7\t0\t0\t0.5\n7\t8\t0\t0\n8\n',
  );
});

test('replace labels call and return arcs as asked', () => {
  assert.equal(
    printText(replace(9, rules, { callArcLabeling: 'output' })),
    '0\t1\t0\t10\n1\t2\t5\t5\n2\t3\t0\t0\t0.5\n3\t4\t0\t11\n4\t5\t0\t10\n5\t6\t5\t5\n6\t7\t0\t0\t0.5\n7\t8\t0\t0\n8\n',
  );
  assert.equal(
    printText(replace(9, rules, { callArcLabeling: 'both', returnArcLabeling: 'both', returnLabel: 99 })),
    '0\t1\t1\t10\n1\t2\t5\t5\n2\t3\t99\t99\t0.5\n3\t4\t2\t11\n4\t5\t6\t10\n5\t6\t5\t5\n6\t7\t99\t99\t0.5\n7\t8\t99\t99\n8\n',
  );
  assert.equal(
    printText(replace(9, rules, { returnArcLabeling: 'input', returnLabel: 7 })),
    '0\t1\t1\t0\n1\t2\t5\t5\n2\t3\t7\t0\t0.5\n3\t4\t2\t0\n4\t5\t6\t0\n5\t6\t5\t5\n6\t7\t7\t0\t0.5\n7\t8\t7\t0\n8\n',
  );
  // A return label of 0 means no label, whatever the labelling.
  assert.equal(printText(replace(9, rules, { returnArcLabeling: 'both' })), printText(replace(9, rules)));
  const eps = replace(9, rules, { epsilonOnReplace: true, callArcLabeling: 'both', returnArcLabeling: 'both', returnLabel: 99 });
  assert.equal(printText(eps), '0\t1\t0\t0\n1\t2\t5\t5\n2\t3\t0\t0\t0.5\n3\t4\t0\t0\n4\t5\t0\t0\n5\t6\t5\t5\n6\t7\t0\t0\t0.5\n7\t8\t0\t0\n8\n');
});

test('replace makes a separate copy of a rule for each call site', () => {
  const twice = compileText('0 1 1 10\n1 2 2 10\n2\n');
  assert.equal(
    printText(replace(9, [[9, twice], [10, r10]])),
    '0\t1\t1\t0\n1\t2\t5\t5\n2\t3\t0\t0\t0.5\n3\t4\t2\t0\n4\t5\t5\t5\n5\t6\t0\t0\t0.5\n6\n',
  );
});

test('replace drops calls into an empty rule and lets later rules shadow earlier ones', () => {
  assert.equal(printText(replace(9, [[9, root], [10, new VectorFst()], [11, r11]])), '');
  const other = compileText('0 1 8 8\n1\n');
  const out = replace(9, [[9, compileText('0 1 1 10\n1\n')], [10, r10], [10, other]]);
  assert.equal(printText(out), '0\t1\t1\t0\n1\t2\t8\t8\n2\t3\t0\t0\n3\n');
});

test('replace with a root that calls nothing copies the root', () => {
  const f = compileText('0 1 1 2 0.5\n1 1 3 4\n1 1.5\n');
  assert.equal(printText(replace(3, [[3, f]])), printText(f));
  assert.equal(replace(3, [[3, new VectorFst()]]).numStates(), 0);
  assert.equal(replace(3, []).numStates(), 0);
});

test('replace rejects dependency cycles, even through rules the root never reaches', () => {
  const self = compileText('0 1 1 12\n1\n');
  assert.throws(() => replace(12, [[12, self]]), codeIs('FST_ARGUMENT'));
  assert.throws(() => replace(9, [[9, root], [12, self]]), codeIs('FST_ARGUMENT'));
  const a = compileText('0 1 1 13\n1\n');
  const b = compileText('0 1 1 12\n1\n');
  assert.throws(() => replace(12, [[12, a], [13, b]]), codeIs('FST_ARGUMENT'));
});

test('replace rejects a missing root, bad labels, bad options and mixed semirings', () => {
  assert.throws(() => replace(8, rules), codeIs('FST_ARGUMENT'));
  assert.throws(() => replace(0, [[0, root]]), codeIs('FST_ARGUMENT'));
  assert.throws(() => replace(9, rules, { callArcLabeling: 'left' as 'input' }), codeIs('FST_ARGUMENT'));
  assert.throws(() => replace(9, rules, { returnLabel: -2 }), codeIs('FST_ARGUMENT'));
  assert.throws(() => replace(9, [[9, root], [10, compileText('0\n', { semiring: LogSemiring })]]), codeIs('FST_SEMIRING'));
});

test('replace enforces maxDepth', () => {
  assert.equal(replace(9, rules, { maxDepth: 2 }).numStates(), 9);
  assert.throws(() => replace(9, rules, { maxDepth: 1 }), codeIs('FST_LIMIT'));
});
