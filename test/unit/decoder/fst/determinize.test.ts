// determinize: hand-made cases, agreement with the plain reference twin, and with fstdeterminize on random FSTs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { determinize } from '../../../../decoder/fst/determinize.ts';
import { determinizeReference } from '../../../../decoder/fst/determinize-reference.ts';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { arcsOf, type Fst } from '../../../../decoder/fst/fst.ts';
import { ALL_PROPS, Props, computeProperties } from '../../../../decoder/fst/properties.ts';
import { LogSemiring, TropicalSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { OpenFstWorkspace, isomorphicLine, openFstSkipReason } from '../../../support/openfst.ts';
import { delayedOutputTransducer, randomFst, type RandomFstOptions } from '../../../support/random-fst.ts';
import { baseSeed } from '../../../support/random.ts';

const isCode = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

test('determinize merges same-label arcs and divides out the common weight', () => {
  const f = compileText('0 1 1 1 1\n0 2 1 1 2\n1 3 2 2 3\n2 3 3 3 1\n3 0.5\n');
  const d = determinize(f);
  assert.equal(printText(d), '0\t1\t1\t1\t1\n1\t2\t2\t2\t3\n1\t2\t3\t3\t2\n2\t0.5\n');
  assert.ok(d.properties(Props.I_DETERMINISTIC, false) & Props.I_DETERMINISTIC);
});

test('determinize sums paths in the log semiring', () => {
  const f = compileText('0 1 1 1 1\n0 1 1 1 1\n1\n', { semiring: LogSemiring });
  const d = determinize(f);
  assert.equal(d.numStates(), 2);
  const [arc] = arcsOf(d, 0);
  assert.ok(Math.abs(arc.weight - (1 - Math.log(2))) < 1e-6);
});

test('determinize delays transducer output until it is common and spells final residuals on a chain', () => {
  // Input 1 1 1 outputs 5 6 9 or 7 8 9; the next label decides. The residual "6 9" is emitted after the input.
  const f = compileText('0 1 1 5 1\n1 2 1 6\n2 6 1 9\n6 4 2 0 0.5\n0 3 1 7 2\n3 5 1 8\n5 7 1 9\n7 4 3 0\n4 0.25\n');
  const d = determinize(f);
  assert.equal(
    printText(d),
    '0\t1\t1\t0\t1\n1\t2\t1\t0\n2\t3\t1\t0\n3\t4\t2\t5\t0.5\n3\t5\t3\t7\t1\n4\t6\t0\t6\t0.25\n5\t6\t0\t8\t0.25\n6\t7\t0\t9\n7\n',
  );
});

test('determinize treats input epsilons as ordinary symbols, as OpenFst does', () => {
  const f = compileText('0 1 0 0 1\n0 2 0 0 3\n1 3 1 1\n2 3 2 2\n3\n');
  const d = determinize(f);
  assert.equal(printText(d), '0\t1\t0\t0\t1\n1\t2\t1\t1\n1\t2\t2\t2\t2\n2\n');
});

test('determinize of a non-functional transducer is FST_NONFUNCTIONAL', () => {
  const f = compileText('0 1 1 1\n0 2 1 2\n1 3 2 0\n2 3 2 0\n3\n');
  assert.throws(() => determinize(f), isCode('FST_NONFUNCTIONAL'));
  const g = compileText('0 1 1 1\n0 2 1 2\n1\n2\n');
  assert.throws(() => determinize(g), isCode('FST_NONFUNCTIONAL'));
});

test('determinize stops at maxStates with FST_LIMIT on a non-determinizable input', () => {
  // Two weighted cycles on the same label with different weights violate the twins property.
  const f = compileText('0 1 1 1\n0 2 1 1\n1 1 2 2 1\n2 2 2 2 2\n1 3 3 3\n2 3 4 4\n3\n');
  assert.throws(() => determinize(f, { maxStates: 50 }), isCode('FST_LIMIT'));
  assert.throws(() => determinize(f, { delta: 0 }), isCode('FST_ARGUMENT'));
});

test('determinize of an FST without a start state is empty', () => {
  const d = determinize(new VectorFst());
  assert.equal(d.numStates(), 0);
  assert.equal(d.start(), -1);
});

test('determinize agrees exactly with its plain reference twin on random FSTs', () => {
  let transducers = 0;
  for (let i = 0; i < 300; i++) {
    const seed = baseSeed() + i;
    const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
    const cyclic = i % 4 === 1 && sr === TropicalSemiring;
    const opts: RandomFstOptions = { semiring: sr, cyclic, weighted: !cyclic, maxStates: 8, numLabels: 3 };
    const f = i % 5 === 4 ? delayedOutputTransducer(seed, opts) : randomFst(seed, { ...opts, acceptor: i % 2 === 0 });
    let fast: VectorFst | string;
    let slow: VectorFst | string;
    try {
      fast = determinize(f, { maxStates: 400 });
    } catch (e) {
      fast = (e as FstError).code;
    }
    try {
      slow = determinizeReference(f, { maxStates: 400 });
    } catch (e) {
      slow = (e as FstError).code;
    }
    if (typeof fast === 'string' || typeof slow === 'string') {
      assert.equal(fast, slow, `seed ${seed}: error codes differ`);
      continue;
    }
    if (!(f.properties(Props.ACCEPTOR, true) & Props.ACCEPTOR)) transducers++;
    assert.equal(printText(fast), printText(slow), `seed ${seed}: fast and reference results differ`);
    const cached = fast.properties(ALL_PROPS, false);
    assert.equal(cached & ~computeProperties(fast), 0, `seed ${seed}: cached properties do not hold`);
  }
  assert.ok(transducers > 20, 'too few transducers were compared');
});

interface OracleCase {
  seed: number;
  fst: Fst;
  ours: VectorFst | string;
}

function oracleCases(): OracleCase[] {
  const cases: OracleCase[] = [];
  const add = (seed: number, fst: Fst) => {
    let ours: VectorFst | string;
    try {
      ours = determinize(fst, { maxStates: 1000 });
    } catch (e) {
      if (!(e instanceof FstError)) throw e;
      ours = e.code;
    }
    cases.push({ seed, fst, ours });
  };
  const base = baseSeed() + 10_000;
  for (let i = 0; i < 60; i++) {
    add(base + i, randomFst(base + i, { acceptor: true, cyclic: false, maxStates: 9 }));
  }
  for (let i = 60; i < 100; i++) {
    add(base + i, randomFst(base + i, { semiring: LogSemiring, acceptor: true, cyclic: false, maxStates: 9 }));
  }
  for (let i = 100; i < 140; i++) {
    add(base + i, randomFst(base + i, { acceptor: true, cyclic: true, weighted: false, maxStates: 8 }));
  }
  for (let i = 140; i < 180; i++) {
    const sr = i % 2 === 0 ? LogSemiring : TropicalSemiring;
    const cyclic = i % 4 === 1;
    add(base + i, delayedOutputTransducer(base + i, { semiring: sr, cyclic, weighted: !cyclic, maxStates: 7 }));
  }
  for (let i = 180; i < 230; i++) {
    const cyclic = i % 3 === 0;
    add(base + i, randomFst(base + i, { cyclic, weighted: !cyclic, maxStates: 6, numLabels: 4 }));
  }
  return cases;
}

test('determinize is isomorphic to fstdeterminize and fails where it fails', { skip: openFstSkipReason() }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const cases = oracleCases();
    const lines: string[] = [];
    cases.forEach((c, i) => {
      lines.push(ws.compileLine(`in${i}`, c.fst));
      lines.push(`timeout 2 fstdeterminize in${i}.fst det${i}.fst 2> err${i}.txt; echo $? > rc${i}.txt`);
      if (typeof c.ours !== 'string') {
        lines.push(ws.compileLine(`ours${i}`, c.ours));
        lines.push(`if [ "$(cat rc${i}.txt)" = 0 ]; then ${isomorphicLine(`det${i}.fst`, `ours${i}.fst`, `iso${i}.txt`)}; fi`);
      }
    });
    ws.script(lines);
    let compared = 0;
    let failedBoth = 0;
    cases.forEach((c, i) => {
      const rc = ws.read(`rc${i}.txt`).trim();
      const err = ws.read(`err${i}.txt`);
      if (typeof c.ours === 'string') {
        assert.notEqual(rc, '0', `seed ${c.seed}: ours threw ${c.ours} but fstdeterminize succeeded`);
        if (c.ours === 'FST_NONFUNCTIONAL') assert.match(err, /non-functional/, `seed ${c.seed}: OpenFst failed otherwise`);
        else assert.equal(c.ours, 'FST_LIMIT', `seed ${c.seed}`);
        failedBoth++;
        return;
      }
      assert.equal(rc, '0', `seed ${c.seed}: fstdeterminize failed (${err.trim()}) but ours succeeded`);
      assert.equal(ws.read(`iso${i}.txt`).trim(), '0', `seed ${c.seed}: not isomorphic`);
      compared++;
    });
    assert.ok(compared >= 200, `only ${compared} results compared`);
    assert.ok(failedBoth >= 5, 'the non-functional cases were not exercised');
  } finally {
    ws.dispose();
  }
});
