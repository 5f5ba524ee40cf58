// minimize and its partition refinement: hand-made cases, the reference twin, and agreement with fstminimize.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { determinize } from '../../../../decoder/fst/determinize.ts';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { arcsOf } from '../../../../decoder/fst/fst.ts';
import { minimize } from '../../../../decoder/fst/minimize.ts';
import {
  coarsestPartition,
  coarsestPartitionReference,
  type DfaArrays,
} from '../../../../decoder/fst/partition-refinement.ts';
import { ALL_PROPS, Props, computeProperties } from '../../../../decoder/fst/properties.ts';
import { LogSemiring, TropicalSemiring } from '../../../../decoder/fst/semiring.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { OpenFstWorkspace, isomorphicLine, openFstSkipReason } from '../../../support/openfst.ts';
import { randomFst, splitStates, type RandomFstOptions } from '../../../support/random-fst.ts';
import { Rng, baseSeed } from '../../../support/random.ts';

/**
 * A random input-deterministic FST: randomFst with all but the first arc per input label dropped. Cyclic log
 * FSTs get arc weights in [1.5, 3.5] so that their path sums converge.
 */
function randomDeterministic(seed: number, opts: RandomFstOptions): VectorFst {
  const f = randomFst(seed, opts);
  const g = new VectorFst(f.semiring);
  g.addStates(f.numStates());
  g.setStart(f.start());
  const heavy = f.semiring === LogSemiring && opts.cyclic !== false;
  for (let s = 0; s < f.numStates(); s++) {
    g.setFinal(s, f.final(s));
    const seen = new Set<number>();
    for (const a of arcsOf(f, s)) {
      if (seen.has(a.ilabel)) continue;
      seen.add(a.ilabel);
      g.addArc(s, a.ilabel, a.olabel, heavy ? 1.5 + a.weight / 2 : a.weight, a.nextstate);
    }
  }
  return g;
}

test('minimize merges states with equal futures in an unweighted acceptor', () => {
  const f = compileText('0 1 1\n0 2 2\n1 3 3\n2 4 3\n3\n4\n', { acceptor: true });
  minimize(f);
  assert.equal(printText(f), '0\t1\t1\t1\n0\t1\t2\t2\n1\t2\t3\t3\n2\n');
});

test('minimize pushes weights towards the start so that weighted futures can merge', () => {
  const f = compileText('0 1 1\n0 2 2\n1 3 3 1\n2 4 3 3\n3 2\n4\n', { acceptor: true });
  minimize(f);
  assert.equal(printText(f), '0\t1\t1\t1\t3\n0\t1\t2\t2\t3\n1\t2\t3\t3\n2\n');
});

test('minimize pushes output labels of a transducer towards the start', () => {
  const f = compileText('0 1 1 5\n0 2 2 0\n1 3 3 0\n2 4 3 5\n3\n4\n');
  minimize(f);
  assert.equal(printText(f), '0\t1\t1\t5\n0\t1\t2\t5\n1\t2\t3\t0\n2\n');
});

test('minimize adds an epsilon start arc when the start state is on a weighted cycle', () => {
  const f = compileText('0 0 1 1\n0 1 2 1\n1 2\n', { acceptor: true });
  minimize(f);
  assert.equal(f.numStates(), 3);
  const [arc] = arcsOf(f, f.start());
  assert.deepEqual(arc, { ilabel: 0, olabel: 0, weight: 3, nextstate: 0 });
});

test('minimize rejects a non-deterministic FST with FST_PROPERTY', () => {
  const f = compileText('0 1 1\n0 2 1\n1\n2\n', { acceptor: true });
  assert.throws(
    () => minimize(f),
    (e: unknown) => e instanceof FstError && e.code === 'FST_PROPERTY' && e.details.missing === 'I_DETERMINISTIC',
  );
});

test('minimize of an FST without successful paths leaves it empty', () => {
  const f = compileText('0 1 1\n1 0 2\n', { acceptor: true });
  minimize(f);
  assert.equal(f.numStates(), 0);
});

test('minimize merges the copies made by state splitting', () => {
  for (let i = 0; i < 40; i++) {
    const seed = baseSeed() + i;
    const sr = i % 2 ? LogSemiring : TropicalSemiring;
    // Log path sums over cycles converge only to within delta, and differently in the split copy: keep log
    // inputs acyclic and quantize coarsely so that rounding noise cannot separate equal weights.
    const f = randomDeterministic(seed, { semiring: sr, acceptor: i % 3 !== 0, cyclic: sr === TropicalSemiring, maxStates: 7 });
    const delta = sr === LogSemiring ? 1 / 1024 : undefined;
    const a = VectorFst.from(f);
    minimize(a, { delta });
    const b = splitStates(f, seed);
    // Pushing adds a start state when the start lies on a cycle, and splitting can break such cycles.
    const cycleAtStart = !(f.properties(Props.INITIAL_ACYCLIC, true) & Props.INITIAL_ACYCLIC) ||
      !(b.properties(Props.INITIAL_ACYCLIC, true) & Props.INITIAL_ACYCLIC);
    minimize(b, { delta });
    if (cycleAtStart) assert.ok(Math.abs(b.numStates() - a.numStates()) <= 1, `seed ${seed}`);
    else assert.equal(b.numStates(), a.numStates(), `seed ${seed}`);
    assert.ok(a.properties(Props.I_DETERMINISTIC, true) & Props.I_DETERMINISTIC, `seed ${seed}`);
  }
});

test('coarsestPartition agrees with its Moore-refinement reference twin on random DFAs', () => {
  for (let i = 0; i < 300; i++) {
    const seed = baseSeed() + i;
    const rng = new Rng(seed);
    const n = rng.int(1, 30);
    const numLabels = rng.int(1, 4);
    const numFinalClasses = rng.int(1, 3);
    const arcStart = new Int32Array(n + 1);
    const label: number[] = [];
    const next: number[] = [];
    const finalClass = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      for (let l = 0; l < numLabels; l++) {
        if (rng.bool(0.7)) {
          label.push(l);
          next.push(rng.int(0, Math.min(n - 1, rng.int(0, 3) === 0 ? n - 1 : s + 2)));
        }
      }
      arcStart[s + 1] = label.length;
      finalClass[s] = rng.bool(0.3) ? rng.int(0, numFinalClasses - 1) : -1;
    }
    const dfa: DfaArrays = {
      numStates: n,
      arcStart,
      label: Int32Array.from(label),
      next: Int32Array.from(next),
      numLabels,
      finalClass,
      numFinalClasses,
    };
    const fast = coarsestPartition(dfa);
    const slow = coarsestPartitionReference(dfa);
    assert.equal(fast.numBlocks, slow.numBlocks, `seed ${seed}`);
    assert.deepEqual(Array.from(fast.block), Array.from(slow.block), `seed ${seed}`);
  }
});

function oracleInputs(): { seed: number; fst: VectorFst }[] {
  const out: { seed: number; fst: VectorFst }[] = [];
  const base = baseSeed() + 20_000;
  for (let i = 0; i < 240; i++) {
    const seed = base + i;
    const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
    const acceptor = i % 2 === 0;
    const cyclic = i % 4 < 2;
    const weighted = i % 5 !== 0;
    const opts: RandomFstOptions = { semiring: sr, acceptor, cyclic, weighted, weightedFinals: weighted, maxStates: 7 };
    let f: VectorFst;
    if (i % 8 === 3 && !(sr === LogSemiring && cyclic)) {
      // Determinized inputs have more equivalent states than random deterministic ones.
      try {
        f = determinize(randomFst(seed, { ...opts, cyclic: false, numLabels: 2 }), { maxStates: 200 });
      } catch {
        continue;
      }
      if (!(f.properties(Props.I_DETERMINISTIC, true) & Props.I_DETERMINISTIC)) continue;
    } else {
      f = randomDeterministic(seed, opts);
      if (i % 3 === 1) f = splitStates(f, seed);
    }
    out.push({ seed, fst: f });
  }
  return out;
}

test('minimize is isomorphic to fstminimize on random deterministic FSTs', { skip: openFstSkipReason() }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const inputs = oracleInputs();
    const lines: string[] = [];
    inputs.forEach(({ fst }, i) => {
      const ours = VectorFst.from(fst);
      minimize(ours);
      assert.equal(ours.properties(ALL_PROPS, false) & ~computeProperties(ours), 0, `seed ${inputs[i].seed}: cached properties`);
      lines.push(
        ws.compileLine(`in${i}`, fst),
        `fstminimize in${i}.fst min${i}.fst || exit 1`,
        ws.compileLine(`ours${i}`, ours),
        isomorphicLine(`min${i}.fst`, `ours${i}.fst`, `iso${i}.txt`),
      );
    });
    ws.script(lines);
    inputs.forEach(({ seed }, i) => {
      assert.equal(ws.read(`iso${i}.txt`).trim(), '0', `seed ${seed}: not isomorphic to fstminimize`);
    });
    assert.ok(inputs.length >= 200, `only ${inputs.length} inputs`);
  } finally {
    ws.dispose();
  }
});
