// The small shipped grammars on random input: TLG reads exactly G's sentences at G's costs, and OpenFst's tools
// build, from our own T, L and G, a TLG that accepts the same token strings with the same weights.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { ArcView, type Fst, type Label } from '../../decoder/fst/fst.ts';
import { randGen } from '../../decoder/fst/rand-gen.ts';
import { compileText, printText } from '../../decoder/fst/text-format.ts';
import { ctcTopology } from '../../decoder/graph/ctc-topology.ts';
import { lexicon } from '../../decoder/graph/lexicon.ts';
import { grammarToFst, type CompiledGraph } from '../../decoder/graph/tlg.ts';
import type { WordTable } from '../../decoder/graph/words.ts';
import { listShippedGrammars, loadShippedGrammar, readShippedGrammarSource } from '../../grammars/registry.ts';
import { OpenFstWorkspace, openFstSkipReason } from '../support/openfst.ts';
import { Rng, baseSeed } from '../support/random.ts';
import { disambigRelabelPairs, randomFrames, readings, spellSentence } from '../support/tlg-paths.ts';
import { sentenceCost } from '../support/word-paths.ts';

const SMALL = listShippedGrammars().filter((g) => !g.cached).map((g) => g.name);
/** Path costs agree within this: determinization and minimization quantise residual weights to 1/1024 an arc. */
const COST_TOLERANCE = 1e-2;

/** The sentences of `n` random walks through G (each walk is a chain of randGen's output). */
function sampleSentences(g: Fst, words: WordTable, n: number, seed: number): string[][] {
  const paths = randGen(g, { seed, npath: n, maxLength: 60 });
  const view = new ArcView();
  const out: string[][] = [];
  paths.arcs(paths.start(), view);
  const firsts: [Label, number][] = [];
  for (let a = view.begin; a < view.end; a++) firsts.push([view.olabel[a], view.nextstate[a]]);
  for (const [label, next] of firsts) {
    const sentence = label === 0 ? [] : [words.word(label) as string];
    let s = next;
    while (paths.numArcs(s) > 0) {
      paths.arcs(s, view);
      if (view.olabel[view.begin] !== 0) sentence.push(words.word(view.olabel[view.begin]) as string);
      s = view.nextstate[view.begin];
    }
    out.push(sentence);
  }
  return out;
}

/** Random word sequences over a grammar's vocabulary: mostly not sentences of it. */
function randomWordStrings(rng: Rng, vocab: readonly string[], n: number): string[][] {
  return Array.from({ length: n }, () => Array.from({ length: rng.int(1, 6) }, () => rng.pick(vocab)));
}

interface Loaded {
  name: string;
  graph: CompiledGraph;
  g: Fst;
  words: WordTable;
}

async function loadSmall(): Promise<Loaded[]> {
  const out: Loaded[] = [];
  for (const name of SMALL) {
    const graph = await loadShippedGrammar(name, { cacheDir: null });
    const { g, words } = grammarToFst(await readShippedGrammarSource(name));
    out.push({ name, graph, g, words });
  }
  return out;
}

test('random sentences of each small grammar decode from random frame strings to themselves at their G cost', async () => {
  for (const { name, graph, g, words } of await loadSmall()) {
    const seed = baseSeed();
    const rng = new Rng(seed);
    const sentences = sampleSentences(g, words, 100, seed);
    assert.ok(sentences.length >= 90, `${name}: only ${sentences.length} walks succeeded`);
    for (const sentence of sentences) {
      const text = sentence.join(' ');
      const spaces = rng.bool(0.8);
      const got = readings(graph.tlg, randomFrames(rng, graph.tokens, spellSentence(graph.tokens, sentence, spaces)), graph.words);
      const want = sentenceCost(g, words, text);
      assert.ok(got.has(text), `${name}, seed ${seed}: "${text}" does not decode`);
      assert.ok(Math.abs((got.get(text) as number) - want) < COST_TOLERANCE, `${name}, seed ${seed}: "${text}" cost`);
      if (spaces) assert.equal(got.size, 1, `${name}, seed ${seed}: "${text}" has other readings: ${[...got.keys()]}`);
      // Without spaces, every other reading is another sentence of G with the same spelling.
      for (const [other, cost] of got) {
        const ws = other.split(' ');
        const spelling = spellSentence(graph.tokens, sentence, false).join();
        assert.equal(spellSentence(graph.tokens, ws, false).join(), spelling, `${name}: "${other}"`);
        assert.ok(Math.abs(cost - sentenceCost(g, words, other)) < COST_TOLERANCE, `${name}: "${other}" cost`);
      }
    }
  }
});

test('random word strings over each small grammar\'s vocabulary decode exactly when G accepts them', async () => {
  for (const { name, graph, g, words } of await loadSmall()) {
    const seed = baseSeed() + 1;
    const rng = new Rng(seed);
    let accepted = 0;
    for (const sentence of randomWordStrings(rng, graph.words.words(), 300)) {
      const text = sentence.join(' ');
      const want = sentenceCost(g, words, text);
      const got = readings(graph.tlg, randomFrames(rng, graph.tokens, spellSentence(graph.tokens, sentence, true)), graph.words);
      if (want === Infinity) {
        assert.equal(got.size, 0, `${name}, seed ${seed}: "${text}" is not in G but decodes as ${[...got.keys()]}`);
      } else {
        accepted++;
        assert.deepEqual([...got.keys()], [text], `${name}, seed ${seed}: "${text}"`);
      }
    }
    if (name === 'digits') assert.equal(accepted, 300);
  }
});

test('OpenFst builds, from our T, L and G, a TLG that reads the same token strings at the same costs', { skip: openFstSkipReason() }, async () => {
  const ws = new OpenFstWorkspace();
  try {
    const loaded = await loadSmall();
    const d = 1 / 1024;
    const lines = ['set -e'];
    for (const { name, graph, g, words } of loaded) {
      const L = lexicon(words, graph.tokens);
      writeFileSync(ws.path(`${name}.T.txt`), printText(ctcTopology(graph.tokens)));
      writeFileSync(ws.path(`${name}.L.txt`), printText(L.fst));
      writeFileSync(ws.path(`${name}.G.txt`), printText(g));
      writeFileSync(ws.path(`${name}.ours.txt`), printText(graph.tlg));
      const { ipairs, opairs } = disambigRelabelPairs(graph.tokens, words, L.numDisambig);
      writeFileSync(ws.path(`${name}.ip`), ipairs);
      writeFileSync(ws.path(`${name}.op`), opairs);
      // The pipeline of buildTlg, with OpenFst's tools; then both TLGs reduced to their token-string languages
      // (input projection, epsilons removed, determinized and minimized) for fstequivalent.
      lines.push(
        `fstcompile ${name}.T.txt ${name}.T.fst`,
        `fstcompile ${name}.G.txt | fstrmepsilon | fstarcsort > ${name}.G.fst`,
        `fstcompile ${name}.L.txt | fstcompose - ${name}.G.fst | fstdeterminize --delta=${d} | fstminimize --delta=${d} \\`,
        `  | fstrelabel --relabel_ipairs=${name}.ip --relabel_opairs=${name}.op | fstarcsort \\`,
        `  | fstcompose ${name}.T.fst - | fstarcsort > ${name}.theirs.fst`,
        `fstprint ${name}.theirs.fst > ${name}.theirs.txt`,
        `fstcompile ${name}.ours.txt ${name}.ours.fst`,
        `for w in ours theirs; do fstproject --project_type=input ${name}.$w.fst | fstrmepsilon | fstdeterminize | fstminimize > ${name}.$w.lang.fst; done`,
      );
    }
    ws.script(lines);
    for (const { name, graph, g, words } of loaded) {
      const theirs = compileText(ws.read(`${name}.theirs.txt`), { keepStateNumbering: true });
      assert.equal(theirs.numStates(), graph.tlg.numStates(), `${name}: states`);
      const iso = spawnSync('fstisomorphic', [`--delta=${d}`, ws.path(`${name}.ours.fst`), ws.path(`${name}.theirs.fst`)]);
      assert.equal(iso.status, 0, `${name}: our TLG is not isomorphic to OpenFst's`);
      const eq = spawnSync('fstequivalent', [`--delta=${d}`, ws.path(`${name}.ours.lang.fst`), ws.path(`${name}.theirs.lang.fst`)]);
      assert.equal(eq.status, 0, `${name}: the token-string languages differ`);
      // The same readings at the same costs for sentences of G and for strings outside it.
      const seed = baseSeed() + 2;
      const rng = new Rng(seed);
      const probes = [...sampleSentences(g, words, 30, seed), ...randomWordStrings(rng, words.words(), 30)];
      for (const sentence of probes) {
        const frames = randomFrames(rng, graph.tokens, spellSentence(graph.tokens, sentence, rng.bool()));
        const a = readings(graph.tlg, frames, graph.words);
        const b = readings(theirs, frames, graph.words);
        assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${name}, seed ${seed}: "${sentence.join(' ')}"`);
        for (const [k, w] of a) assert.ok(Math.abs(w - (b.get(k) as number)) < COST_TOLERANCE, `${name}: "${k}" ${w} vs ${b.get(k)}`);
      }
    }
  } finally {
    ws.dispose();
  }
});
