// randGen: every generated path is a path of the input, seeds reproduce, options, dead ends and bad arguments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { ArcView, type Fst } from '../../../../decoder/fst/fst.ts';
import { Props, computeProperties } from '../../../../decoder/fst/properties.ts';
import { randGen } from '../../../../decoder/fst/rand-gen.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { randomFst } from '../../../support/random-fst.ts';
import { baseSeed } from '../../../support/random.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof FstError && e.code === code;

interface Path {
  ilabels: number[];
  olabels: number[];
  weights: number[];
  final: number;
}

/** The chains of a randGen result, each as labels and weights. */
function chains(out: Fst): Path[] {
  const v = new ArcView();
  const paths: Path[] = [];
  const s0 = out.start();
  if (s0 < 0) return paths;
  if (out.final(s0) !== Infinity) paths.push({ ilabels: [], olabels: [], weights: [], final: out.final(s0) });
  out.arcs(s0, v);
  for (let a = v.begin; a < v.end; a++) {
    const p: Path = { ilabels: [], olabels: [], weights: [], final: 0 };
    let s = s0;
    let k = a;
    const view = new ArcView();
    for (;;) {
      out.arcs(s, view);
      p.ilabels.push(view.ilabel[k]);
      p.olabels.push(view.olabel[k]);
      p.weights.push(view.weight[k]);
      s = view.nextstate[k];
      out.arcs(s, view);
      if (view.end === view.begin) break;
      assert.equal(view.end - view.begin, 1, 'a chain state has one arc');
      k = view.begin;
    }
    p.final = out.final(s);
    paths.push(p);
  }
  return paths;
}

/** True when `p` is a path of `fst` from its start to a final state, weights included. */
function isPathOf(fst: Fst, p: Path): boolean {
  const v = new ArcView();
  let states = new Set([fst.start()]);
  for (let i = 0; i < p.ilabels.length; i++) {
    const next = new Set<number>();
    for (const s of states) {
      fst.arcs(s, v);
      for (let a = v.begin; a < v.end; a++) {
        if (v.ilabel[a] === p.ilabels[i] && v.olabel[a] === p.olabels[i] && v.weight[a] === p.weights[i]) next.add(v.nextstate[a]);
      }
    }
    states = next;
  }
  return [...states].some((s) => fst.final(s) === p.final && p.final !== Infinity);
}

test('randGen paths are successful paths of the input, weights included', () => {
  for (let i = 0; i < 50; i++) {
    const seed = baseSeed() + i;
    const f = randomFst(seed, { maxStates: 8, epsilonProb: 0.3 });
    f.properties(Props.ACCEPTOR, true);
    const out = randGen(f, { seed, npath: 10, maxLength: 40, weighted: i % 2 === 1 });
    for (const p of chains(out)) assert.ok(isPathOf(f, p), `seed ${seed}: ${JSON.stringify(p)}`);
    const known = out.properties(-1, false);
    assert.equal(known & computeProperties(out), known, `seed ${seed}: wrong property bits`);
  }
});

test('randGen is reproducible from its seed and varies with it', () => {
  const f = randomFst(baseSeed(), { maxStates: 8 });
  const a = printText(randGen(f, { seed: 7, npath: 20, maxLength: 30 }));
  assert.equal(printText(randGen(f, { seed: 7, npath: 20, maxLength: 30 })), a);
  const outs = new Set([1, 2, 3, 4, 5].map((seed) => printText(randGen(f, { seed, npath: 20, maxLength: 30 }))));
  assert.ok(outs.size > 1);
});

test('randGen yields npath chains when every walk succeeds', () => {
  const f = compileText('0 1 1 1\n0 1 2 2\n1 2 3 3\n2\n');
  const out = randGen(f, { seed: 1, npath: 25 });
  assert.equal(chains(out).length, 25);
  assert.equal(out.numStates(), 1 + 25 * 2);
});

test('randGen stops uniformly between arcs and the final option', () => {
  // At state 0: one loop and stop, each with probability 1/2, so about half of the walks take an arc (the
  // empty walks all end on the shared start state, which just becomes final).
  const f = compileText('0 0 1 1\n0\n');
  const paths = chains(randGen(f, { seed: 3, npath: 2000 }));
  const nonEmpty = paths.filter((p) => p.ilabels.length > 0).length;
  assert.ok(Math.abs(nonEmpty / 2000 - 0.5) < 0.05, `non-empty fraction ${nonEmpty / 2000}`);
  const long = paths.filter((p) => p.ilabels.length >= 2).length;
  assert.ok(Math.abs(long / 2000 - 0.25) < 0.05, `fraction with two or more arcs ${long / 2000}`);
});

test('randGen weighted selection follows exp(-weight) and never takes an infinite arc', () => {
  const f = compileText(`0 1 1 1 ${Math.log(4)}\n0 1 2 2\n0 1 3 3 Infinity\n1\n`);
  const paths = chains(randGen(f, { seed: 5, npath: 4000, weighted: true }));
  assert.equal(paths.length, 4000);
  const ones = paths.filter((p) => p.ilabels[0] === 1).length;
  assert.ok(Math.abs(ones / 4000 - 0.2) < 0.03, `label 1 fraction ${ones / 4000}`);
  assert.ok(paths.every((p) => p.ilabels[0] !== 3));
});

test('randGen drops walks that reach maxLength arcs or a dead end', () => {
  const f = compileText('0 1 1 1\n1 2 2 2\n2\n');
  assert.equal(randGen(f, { seed: 1, npath: 5, maxLength: 2 }).numStates(), 0);
  assert.equal(chains(randGen(f, { seed: 1, npath: 5, maxLength: 3 })).length, 5);
  const dead = compileText('0 1 1 1\n1 1 2 2\n0 2 3 3\n2\n');
  const paths = chains(randGen(dead, { seed: 2, npath: 50 }));
  assert.ok(paths.length > 0 && paths.every((p) => p.ilabels.length === 1 && p.ilabels[0] === 3));
});

test('randGen of an empty FST is empty, and bad arguments are rejected', () => {
  assert.equal(randGen(new VectorFst(), { seed: 1 }).numStates(), 0);
  assert.throws(() => randGen(compileText('0\n'), { seed: Number.NaN }), codeIs('FST_ARGUMENT'));
  assert.throws(() => randGen(compileText('0\n'), { seed: 1, npath: -1 }), codeIs('FST_ARGUMENT'));
});
