// TLG on random grammars: frame strings decode to their sentences with G's costs, and OpenFst builds the same TLG.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Fst } from '../../decoder/fst/fst.ts';
import { compileText, printText } from '../../decoder/fst/text-format.ts';
import { ctcTopology } from '../../decoder/graph/ctc-topology.ts';
import { lexicon } from '../../decoder/graph/lexicon.ts';
import { buildTlg, grammarToFst, type CompiledGraph, type GrammarSource } from '../../decoder/graph/tlg.ts';
import { TokenTable } from '../../decoder/graph/tokens.ts';
import { OpenFstWorkspace, openFstSkipReason, status } from '../support/openfst.ts';
import { Rng, baseSeed } from '../support/random.ts';
import { disambigRelabelPairs, gCost, randomFrames, readings, spellSentence } from '../support/tlg-paths.ts';

const WITH_SPACE = new TokenTable(['<blk>', '<space>', "'", 'a', 'b', 'k', 'o']);
const NO_SPACE = new TokenTable(['<blk>', "'", 'a', 'b', 'k', 'o']);
const LETTERS = ['a', 'b', 'k', 'o', 'o', "'"];
/** Path costs agree within this: determinization and minimization quantize residual weights to 1/1024 an arc. */
const COST_TOLERANCE = 1e-2;

/** Random distinct words over a tiny alphabet, so that prefixes ("bo" / "boo") and doubled letters are common. */
function randomWords(rng: Rng, n: number): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    let w = '';
    const len = rng.int(1, 4);
    for (let i = 0; i < len; i++) w += rng.pick(LETTERS);
    if (/[a-z]/.test(w)) out.add(w);
  }
  return [...out];
}

function randomArpa(rng: Rng, vocab: string[]): string {
  const lp = () => (-rng.int(1, 20) / 10).toFixed(2);
  const bo = () => (-rng.int(0, 6) / 10).toFixed(2);
  const uni = [`-99\t<s>\t${bo()}`, `${lp()}\t</s>`, ...vocab.map((w) => `${lp()}\t${w}\t${bo()}`)];
  const bi = new Set<string>();
  const hist = ['<s>', ...vocab];
  const next = [...vocab, '</s>'];
  const want = rng.int(1, hist.length * 2);
  for (let i = 0; i < want; i++) bi.add(`${rng.pick(hist)} ${rng.pick(next)}`);
  const bis = [...bi].map((p) => `${lp()}\t${p.replace(' ', ' ')}`);
  return `\\data\\\nngram 1=${uni.length}\nngram 2=${bis.length}\n\n\\1-grams:\n${uni.join('\n')}\n\n\\2-grams:\n${bis.join('\n')}\n\n\\end\\\n`;
}

/** A random grammar: a weighted phrase list, a word loop, a JSGF grammar with optional and repeated parts, or a bigram LM. */
function randomSource(rng: Rng): { source: GrammarSource; vocab: string[] } {
  const vocab = randomWords(rng, rng.int(2, 5));
  const kind = rng.int(0, 3);
  if (kind === 0) {
    const lines: string[] = [];
    for (let i = rng.int(1, 5); i > 0; i--) {
      const n = rng.int(1, 3);
      const ws = Array.from({ length: n }, () => rng.pick(vocab));
      lines.push(`${ws.join(' ')} /${rng.int(1, 4)}/`);
    }
    return { source: { kind: 'phrases', text: lines.join('\n') + '\n' }, vocab };
  }
  if (kind === 1) return { source: { kind: 'words', words: vocab }, vocab };
  if (kind === 2) {
    const q = (w: string) => `"${w}"`;
    const alt = vocab.slice(0, 2).map(q).join(' | ');
    const parts = [`(${alt})`, `[${q(rng.pick(vocab))}]`, `${q(rng.pick(vocab))}${rng.bool() ? '*' : ''}`];
    const text = `#JSGF V1.0;\ngrammar g;\npublic <s> = ${parts.join(' ')};\n`;
    return { source: { kind: 'jsgf', text }, vocab };
  }
  return { source: { kind: 'arpa', text: randomArpa(rng, vocab) }, vocab };
}

/**
 * True when two AT&T texts list the same arcs and finals in the same order, weights equal within 1e-6 (fstprint
 * rounds a float's ninth digit half-to-even, formatWeight may round it up).
 */
function sameFstText(a: string, b: string): boolean {
  const la = a.split('\n');
  const lb = b.split('\n');
  if (la.length !== lb.length) return false;
  for (let i = 0; i < la.length; i++) {
    const fa = la[i].split('\t');
    const fb = lb[i].split('\t');
    if (fa.length !== fb.length) return false;
    const weightAt = fa.length === 5 || fa.length === 2 ? fa.length - 1 : -1;
    for (let k = 0; k < fa.length; k++) {
      if (k === weightAt ? Math.abs(Number(fa[k]) - Number(fb[k])) > 1e-6 : fa[k] !== fb[k]) return false;
    }
  }
  return true;
}

/** Token offsets at which the words of a sentence end (spaces not counted). */
function wordEnds(tokens: TokenTable, sentence: readonly string[]): number[] {
  let n = 0;
  return sentence.map((w) => (n += spellSentence(tokens, [w], false).length));
}

/** All word sequences of length 1 … maxLen over `vocab`. */
function sequences(vocab: string[], maxLen: number): string[][] {
  const out: string[][] = [];
  let layer: string[][] = [[]];
  for (let n = 1; n <= maxLen; n++) {
    layer = layer.flatMap((s) => vocab.map((w) => [...s, w]));
    out.push(...layer);
  }
  return out;
}

function build(seed: number): { graph: CompiledGraph; g: Fst; vocab: string[]; source: GrammarSource } {
  const rng = new Rng(seed);
  const { source, vocab } = randomSource(rng);
  const tokens = rng.bool(0.75) ? WITH_SPACE : NO_SPACE;
  const { g, words } = grammarToFst(source);
  return { graph: buildTlg(g, words, tokens), g, vocab, source };
}

test('on random grammars every word sequence decodes from its frames exactly as G scores it', () => {
  const n = 200;
  for (let i = 0; i < n; i++) {
    const seed = baseSeed() + i;
    const rng = new Rng(seed * 7919);
    const { graph, g, vocab } = build(seed);
    const { tokens, words, tlg } = graph;
    for (const sentence of sequences(vocab, 3)) {
      const text = sentence.join(' ');
      const want = gCost(g, words, sentence);
      const spaced = tokens.space >= 0;
      const ids = spellSentence(tokens, sentence, true);
      const got = readings(tlg, randomFrames(rng, tokens, ids), words);
      if (want === Infinity) {
        assert.ok(!got.has(text), `seed ${seed}: "${text}" is not in G but decodes`);
      } else {
        assert.ok(got.has(text), `seed ${seed}: "${text}" (G cost ${want}) does not decode`);
        assert.ok(Math.abs((got.get(text) as number) - want) < COST_TOLERANCE, `seed ${seed}: "${text}" costs ${got.get(text)}, G ${want}`);
      }
      // Every reading is a sentence of G spelled by the same tokens, at its G cost; a space is always a word end.
      const spelling = spellSentence(tokens, sentence, false).join(',');
      const ends = wordEnds(tokens, sentence);
      for (const [other, cost] of got) {
        const ws = other.split(' ');
        assert.equal(spellSentence(tokens, ws, false).join(','), spelling, `seed ${seed}: "${other}" vs "${text}"`);
        assert.ok(Math.abs(cost - gCost(g, words, ws)) < COST_TOLERANCE, `seed ${seed}: "${other}" cost`);
        if (spaced) {
          const otherEnds = new Set(wordEnds(tokens, ws));
          assert.ok(ends.every((e) => otherEnds.has(e)), `seed ${seed}: "${other}" reads across a space of "${text}"`);
        }
      }
    }
  }
});

test('the TLG built here is isomorphic to the one OpenFst builds from the same T, L and G', { skip: openFstSkipReason() }, () => {
  // 150 grammars: each costs ten OpenFst processes, and the file must stay well under 20 s on a busy machine.
  const n = 150;
  const ws = new OpenFstWorkspace();
  try {
    const tables = [WITH_SPACE, NO_SPACE];
    tables.forEach((t, k) => writeFileSync(ws.path(`T${k}.txt`), printText(ctcTopology(t))));
    const cases: { seed: number; graph: CompiledGraph; vocab: string[] }[] = [];
    for (let i = 0; i < n; i++) {
      const seed = baseSeed() + 1000 + i;
      const { graph, g, vocab } = build(seed);
      const { tokens, words } = graph;
      const L = lexicon(words, tokens);
      writeFileSync(ws.path(`L${i}.txt`), printText(L.fst));
      writeFileSync(ws.path(`G${i}.txt`), printText(g));
      writeFileSync(ws.path(`ours${i}.txt`), printText(graph.tlg));
      const { ipairs, opairs } = disambigRelabelPairs(tokens, words, L.numDisambig);
      writeFileSync(ws.path(`ip${i}.txt`), ipairs);
      writeFileSync(ws.path(`op${i}.txt`), opairs);
      writeFileSync(ws.path(`t${i}`), String(tables.indexOf(tokens)));
      cases.push({ seed, graph, vocab });
    }
    const d = 1 / 1024;
    // OpenFst's pipeline on our T, L and G (G made epsilon-free as buildTlg does), printed for comparison.
    const script = `
set -e
for k in 0 1; do fstcompile T$k.txt T$k.fst; done
for i in $(seq 0 ${n - 1}); do
  fstcompile G$i.txt | fstrmepsilon | fstarcsort > G$i.fst
  fstcompile L$i.txt | fstcompose - G$i.fst | fstdeterminize --delta=${d} | fstminimize --delta=${d} \\
    | fstrelabel --relabel_ipairs=ip$i.txt --relabel_opairs=op$i.txt | fstarcsort \\
    | fstcompose T$(cat t$i).fst - | fstarcsort | fstprint > theirs$i.txt
done
`;
    ws.script([script]);
    let identical = 0;
    for (let i = 0; i < n; i++) {
      const { seed, graph, vocab } = cases[i];
      const theirsText = ws.read(`theirs${i}.txt`);
      const theirs = compileText(theirsText, { keepStateNumbering: true });
      if (sameFstText(theirsText, printText(graph.tlg))) {
        identical++;
      } else {
        // Same construction, so the FSTs must at least be isomorphic (numbering or float printing may differ).
        const ours = ws.put(`ours${i}`, graph.tlg);
        const other = ws.put(`theirs${i}`, theirs);
        const iso = status('fstisomorphic', [`--delta=${d}`, ours, other]);
        assert.ok(
          iso.code === 0 || /[Nn]on-?determinism/.test(iso.stderr),
          `seed ${seed}: TLG not isomorphic to OpenFst's`,
        );
      }
      // Same token strings, same weights: compare the readings of frame strings of sentences over the vocabulary.
      const rng = new Rng(seed);
      for (const sentence of sequences(vocab, 2)) {
        const frames = randomFrames(rng, graph.tokens, spellSentence(graph.tokens, sentence, rng.bool()));
        const a = readings(graph.tlg, frames, graph.words);
        const b = readings(theirs, frames, graph.words);
        assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `seed ${seed}: "${sentence.join(' ')}"`);
        for (const [k, w] of a) assert.ok(Math.abs(w - (b.get(k) as number)) < COST_TOLERANCE, `seed ${seed}: "${k}" ${w} vs ${b.get(k)}`);
      }
    }
    assert.ok(identical >= n * 0.9, `only ${identical} of ${n} equal to OpenFst's, state for state`);
  } finally {
    ws.dispose();
  }
});
