// T: the CTC topology maps every frame string to its CTC collapse, and repeats need a blank (unlike EESEN's T).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArcView, type Fst, type Label } from '../../../../decoder/fst/fst.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { ctcAlignment, ctcCollapse, ctcTopology } from '../../../../decoder/graph/ctc-topology.ts';
import { TokenTable, type TokenId } from '../../../../decoder/graph/tokens.ts';

/** Every output label string `fst` gives the input `frames` (epsilon-input arcs followed), with its least cost. */
function outputsOf(fst: Fst, frames: readonly Label[]): Map<string, number> {
  const out = new Map<string, number>();
  const view = new ArcView();
  const visit = (s: number, pos: number, labels: number[], cost: number, depth: number) => {
    if (depth > 200) throw new Error('epsilon cycle');
    if (pos === frames.length && fst.final(s) !== Infinity) {
      const key = labels.join(' ');
      const c = cost + fst.final(s);
      if (!(c >= (out.get(key) ?? Infinity))) out.set(key, c);
    }
    fst.arcs(s, view);
    const arcs = [];
    for (let a = view.begin; a < view.end; a++) {
      arcs.push([view.ilabel[a], view.olabel[a], view.weight[a], view.nextstate[a]]);
    }
    for (const [il, ol, w, t] of arcs) {
      if (il !== 0 && (pos >= frames.length || il !== frames[pos])) continue;
      const next = ol === 0 ? labels : [...labels, ol];
      visit(t, il === 0 ? pos : pos + 1, next, cost + w, depth + 1);
    }
  };
  if (fst.start() >= 0) visit(fst.start(), 0, [], 0, 0);
  return out;
}

const tokens = TokenTable.default();
const id = (name: string) => tokens.find(name);
const frameLabels = (names: string) => names.split(' ').map((n) => tokens.label(id(n)));
const labelsOf = (text: string) => [...text].map((c) => String(tokens.label(tokens.charToken(c)))).join(' ');

/** EESEN's ctc_token_fst.py, transcribed: the ε-arc from each token state back to the start lets a token repeat. */
function eesenTopology(t: TokenTable): VectorFst {
  const fst = new VectorFst();
  fst.addStates(3);
  fst.setStart(0);
  fst.addArc(0, 0, 0, 0, 1);
  fst.addArc(1, t.blankLabel, 0, 0, 1);
  fst.addArc(2, t.blankLabel, 0, 0, 2);
  fst.addArc(2, 0, 0, 0, 0);
  for (let x = 0; x < t.size; x++) {
    if (x === t.blank) continue;
    const s = fst.addState();
    fst.addArc(1, t.label(x), t.label(x), 0, s);
    fst.addArc(s, t.label(x), 0, 0, s);
    fst.addArc(s, 0, 0, 0, 2);
  }
  fst.setFinal(0, 0);
  return fst;
}

test('T has one state per non-blank token plus the start, N² arcs, all final, sorted and input-deterministic', () => {
  const T = ctcTopology(tokens);
  assert.equal(T.numStates(), tokens.size);
  let arcs = 0;
  for (let s = 0; s < T.numStates(); s++) {
    arcs += T.numArcs(s);
    assert.equal(T.final(s), 0);
  }
  assert.equal(arcs, tokens.size * tokens.size);
  const p = T.properties(Props.I_DETERMINISTIC | Props.I_LABEL_SORTED | Props.NO_I_EPSILONS | Props.UNWEIGHTED, true);
  assert.equal(p, Props.I_DETERMINISTIC | Props.I_LABEL_SORTED | Props.NO_I_EPSILONS | Props.UNWEIGHTED);
  assert.equal(T.isymbols?.symbol(1), '<blk>');
  assert.equal(ctcTopology(tokens, LogSemiring).semiring, LogSemiring);
});

test('repeated frames collapse: "b o o k" is "bok", and only a blank lets "o" repeat ("b o <blk> o k" is "book")', () => {
  const T = ctcTopology(tokens);
  assert.deepEqual([...outputsOf(T, frameLabels('b o o k')).keys()], [labelsOf('bok')]);
  assert.deepEqual([...outputsOf(T, frameLabels('b o <blk> o k')).keys()], [labelsOf('book')]);
  assert.deepEqual([...outputsOf(T, frameLabels('<blk> b b o o <blk> <blk> o o k k <blk>')).keys()], [labelsOf('book')]);
});

test("EESEN's topology also reads \"b o o k\" as \"book\": the fault ours does not copy", () => {
  const eesen = outputsOf(eesenTopology(tokens), frameLabels('b o o k'));
  assert.ok(eesen.has(labelsOf('book')), 'EESEN T reads o o as two o');
  assert.ok(eesen.has(labelsOf('bok')));
  const ours = outputsOf(ctcTopology(tokens), frameLabels('b o o k'));
  assert.ok(!ours.has(labelsOf('book')));
});

test('T maps every frame string over a small table to exactly its CTC collapse', () => {
  const small = new TokenTable(['<blk>', 'a', 'b', '<space>']);
  const T = ctcTopology(small);
  const n = small.size;
  let checked = 0;
  for (let len = 0; len <= 6; len++) {
    for (let code = 0; code < n ** len; code++) {
      const frames: TokenId[] = [];
      for (let i = 0, c = code; i < len; i++, c = Math.floor(c / n)) frames.push(c % n);
      const got = outputsOf(T, frames.map((f) => small.label(f)));
      const want = ctcCollapse(frames, small.blank).map((t) => small.label(t)).join(' ');
      assert.deepEqual([...got.entries()], [[want, 0]], `frames ${frames.join(',')}`);
      checked++;
    }
  }
  assert.equal(checked, (4 ** 7 - 1) / 3);
});

test('the blank need not be token 0', () => {
  const t = new TokenTable(['a', 'b', '_'], { blank: '_' });
  const T = ctcTopology(t);
  const got = outputsOf(T, [0, 0, 2, 0, 1, 1].map((x) => t.label(x)));
  assert.deepEqual([...got.keys()], [[0, 0, 1].map((x) => t.label(x)).join(' ')]);
});

test('ctcAlignment inserts a blank between equal neighbours only, and collapses back', () => {
  const b = id('<blk>');
  const word = [...'committee'].map((c) => tokens.charToken(c));
  const frames = ctcAlignment(word, b);
  assert.equal(frames.length, word.length + 3, "mm, tt and ee each need a blank");
  assert.deepEqual(ctcCollapse(frames, b), word);
  assert.deepEqual(ctcAlignment([], b), []);
  assert.deepEqual(ctcCollapse([b, b], b), []);
});
