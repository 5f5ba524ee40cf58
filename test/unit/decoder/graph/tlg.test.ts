// TLG: frame strings decode to exactly their sentence with its G cost; errors; the hash cache; graph directories; CLI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConstFst } from '../../../../decoder/fst/const-fst.ts';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { arcsOf, type Fst } from '../../../../decoder/fst/fst.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { arpaToFst, parseArpa } from '../../../../decoder/graph/arpa.ts';
import { GraphError } from '../../../../decoder/graph/errors.ts';
import { GRAPH_FILES, loadGraph, readGraphMeta, saveGraph } from '../../../../decoder/graph/graph-store.ts';
import { phrasesToFst } from '../../../../decoder/graph/phrases.ts';
import {
  GraphCache,
  buildTlg,
  compileGrammar,
  grammarToFst,
  graphHash,
  type CompiledGraph,
  type GrammarSource,
} from '../../../../decoder/graph/tlg.ts';
import { DEFAULT_TOKENS, TokenTable } from '../../../../decoder/graph/tokens.ts';
import { WordTable } from '../../../../decoder/graph/words.ts';
import { graphMain } from '../../../../cli/graph.ts';
import { gCost, readings, sentenceFrames } from '../../../support/tlg-paths.ts';

function codeIs(code: string) {
  return (e: unknown) => (e instanceof GraphError || e instanceof FstError) && e.code === code;
}

const tokens = TokenTable.default();

const PHRASES = `the book /2/
there is a committee
the bookkeeper /0.5/
call mom
book a meeting /3/
`;

function assertDecodes(graph: CompiledGraph, g: Fst, sentence: string, spaces = true): void {
  const got = readings(graph.tlg, sentenceFrames(graph.tokens, sentence, spaces), graph.words);
  const want = gCost(g, graph.words, sentence.split(' '));
  assert.deepEqual([...got.keys()], [sentence], `"${sentence}" (spaces ${spaces})`);
  assert.ok(Math.abs((got.get(sentence) as number) - want) < 1e-3, `"${sentence}": cost ${got.get(sentence)} vs G ${want}`);
}

test('each sentence of a phrase list decodes to exactly itself with its G cost, with or without spaces', () => {
  const { g, words } = grammarToFst({ kind: 'phrases', text: PHRASES });
  const graph = buildTlg(g, words, tokens);
  for (const s of ['the book', 'there is a committee', 'the bookkeeper', 'call mom', 'book a meeting']) {
    assertDecodes(graph, g, s, true);
    assertDecodes(graph, g, s, false);
  }
});

test('doubled letters need a blank between them: "b o o k" is not "book"', () => {
  const { g, words } = grammarToFst({ kind: 'phrases', text: PHRASES });
  const graph = buildTlg(g, words, tokens);
  const L = (c: string) => tokens.label(tokens.charToken(c));
  const noBlank = ['c', 'a', 'l', 'l', ' ', 'm', 'o', 'm'].map((c) => (c === ' ' ? tokens.spaceLabel : L(c)));
  assert.equal(readings(graph.tlg, noBlank, words).size, 0, '"c a l l" collapses to "cal"');
  const withBlank = sentenceFrames(tokens, 'call mom');
  assert.equal(withBlank.filter((l) => l === tokens.blankLabel).length, 1);
  assert.deepEqual([...readings(graph.tlg, withBlank, words).keys()], ['call mom']);
  // committee: mm, tt and ee each need their blank; dropping any one loses the sentence.
  const c = sentenceFrames(tokens, 'there is a committee');
  const blanks = c.flatMap((l, i) => (l === tokens.blankLabel ? [i] : []));
  assert.equal(blanks.length, 3, 'mm, tt and ee of "committee"');
  for (const i of blanks) {
    const cut = c.filter((_, j) => j !== i);
    assert.equal(readings(graph.tlg, cut, words).size, 0, `without the blank at ${i}`);
  }
});

test('repeated frames and extra blanks decode like the minimal frame string', () => {
  const { g, words } = grammarToFst({ kind: 'phrases', text: PHRASES });
  const graph = buildTlg(g, words, tokens);
  const f = sentenceFrames(tokens, 'book a meeting');
  const stretched = [tokens.blankLabel, ...f.flatMap((l) => [l, l, l]), tokens.blankLabel, tokens.blankLabel];
  const got = readings(graph.tlg, stretched, words);
  assert.deepEqual([...got.keys()], ['book a meeting']);
});

test('a sentence outside the grammar has no path', () => {
  const { g, words } = grammarToFst({ kind: 'phrases', text: PHRASES });
  const graph = buildTlg(g, words, tokens);
  for (const s of ['the committee', 'book', 'call mom call mom', 'a meeting']) {
    assert.equal(readings(graph.tlg, sentenceFrames(tokens, s), words).size, 0, s);
  }
});

test('TLG is a frozen, input-sorted graph over token and word labels without disambiguation symbols', () => {
  const graph = compileGrammar({ kind: 'phrases', text: PHRASES }, tokens);
  const { tlg, words } = graph;
  assert.ok(tlg instanceof ConstFst);
  assert.equal(tlg.properties(Props.I_LABEL_SORTED, true), Props.I_LABEL_SORTED);
  for (let a = 0; a < tlg.numArcsTotal(); a++) {
    assert.ok(tlg.ilabel[a] <= tokens.maxTokenLabel);
    assert.ok(tlg.olabel[a] <= words.numWords);
  }
  assert.equal(tlg.isymbols?.symbol(tokens.blankLabel), '<blk>');
  assert.equal(tlg.osymbols, words.symbols);
  assert.ok(graph.info.numDisambig >= 2, '"the" is a prefix of "there": #1 was needed');
  const names = graph.info.stages.map((s) => s.name);
  assert.deepEqual(names, ['grammar', 'G-prepare', 'T', 'L', 'LG-compose', 'LG-determinize', 'LG-minimize', 'TLG-compose', 'TLG-freeze']);
  assert.equal(graph.info.stages.at(-1)?.states, tlg.numStates());
});

test('an ARPA LM with back-off decodes seen and backed-off bigrams with their G costs', () => {
  const arpa = `\\data\\
ngram 1=6
ngram 2=4

\\1-grams:
-1.0 <s> -0.5
-1.0 </s>
-0.7 the -0.3
-0.9 book -0.2
-1.2 there -0.1
-1.5 is -0.4

\\2-grams:
-0.2 <s> the
-0.3 the book
-0.4 book </s>
-0.5 there is

\\end\\
`;
  const a = arpaToFst(parseArpa(arpa));
  const graph = buildTlg(a.fst, a.words, tokens);
  for (const s of ['the book', 'there is', 'book the there', 'is is', 'the', 'there']) {
    assertDecodes(graph, a.fst, s, true);
    assertDecodes(graph, a.fst, s, false);
  }
  assert.equal(graph.info.numDisambig, 2, '#0 passes back-off through, #1 marks "the"');
});

test('a JSGF command grammar and a word loop compile and decode', () => {
  const jsgf = `#JSGF V1.0;
grammar commands;
public <cmd> = (turn on | turn off) the (light | lights | kitchen light) [please];
public <call> = call (mom | dad);
`;
  const j = grammarToFst({ kind: 'jsgf', text: jsgf });
  const graph = buildTlg(j.g, j.words, tokens);
  for (const s of ['turn on the light', 'turn off the lights please', 'turn on the kitchen light', 'call dad']) {
    assertDecodes(graph, j.g, s);
  }
  assert.equal(readings(graph.tlg, sentenceFrames(tokens, 'turn the light'), graph.words).size, 0);
  const d = grammarToFst({ kind: 'words', words: ['zero', 'one', 'two', 'three', 'seven', 'eight'] });
  const digits = buildTlg(d.g, d.words, tokens);
  assertDecodes(digits, d.g, 'one two three');
  assertDecodes(digits, d.g, 'seven seven eight zero', false);
});

test('a log-semiring G gives a log-semiring TLG with the same path costs', () => {
  const words = new WordTable();
  const trop = phrasesToFst('call mom /3/\ncall dad\n', words);
  const g = new VectorFst(LogSemiring);
  g.addStates(trop.numStates());
  g.setStart(trop.start());
  for (let s = 0; s < trop.numStates(); s++) {
    g.setFinal(s, trop.final(s));
    for (const a of arcsOf(trop, s)) g.addArc(s, a.ilabel, a.olabel, a.weight, a.nextstate);
  }
  const graph = buildTlg(g, words, tokens);
  assert.equal(graph.tlg.semiring, LogSemiring);
  assertDecodes(graph, g, 'call mom');
  assertDecodes(graph, g, 'call dad');
});

test('unspellable words fail naming the word, or are skipped with warnings; nothing left is GRAMMAR_EMPTY', () => {
  const noApostrophe = new TokenTable(DEFAULT_TOKENS.filter((t) => t !== "'"));
  const src: GrammarSource = { kind: 'phrases', text: "don't stop\nstop now\n" };
  assert.throws(
    () => compileGrammar(src, noApostrophe),
    (e: unknown) => e instanceof GraphError && e.code === 'WORD_UNSPELLABLE' && e.details.word === "don't",
  );
  const graph = compileGrammar(src, noApostrophe, { skipUnspellable: true });
  assert.deepEqual(graph.info.warnings.map((w) => [w.code, w.details.word]), [['WORD_UNSPELLABLE', "don't"]]);
  assert.deepEqual([...readings(graph.tlg, sentenceFrames(noApostrophe, 'stop now'), graph.words).keys()], ['stop now']);
  assert.throws(
    () => compileGrammar({ kind: 'phrases', text: "don't\n" }, noApostrophe, { skipUnspellable: true }),
    codeIs('GRAMMAR_EMPTY'),
  );
});

test('bad options and bad grammars are rejected with codes', () => {
  const { g, words } = grammarToFst({ kind: 'phrases', text: 'a b\n' });
  assert.throws(() => buildTlg(g, words, tokens, { delta: 0 }), codeIs('GRAPH_OPTION'));
  assert.throws(() => buildTlg(g, words, tokens, { maxStates: 0 }), codeIs('GRAPH_OPTION'));
  assert.throws(() => buildTlg(g, words, tokens, { what: 1 } as object), codeIs('GRAPH_OPTION'));
  const bad = VectorFst.from(g);
  bad.addArc(0, 99, 99, 0, 1);
  assert.throws(() => buildTlg(bad, words, tokens), codeIs('GRAPH_OPTION'));
  const epsWord = VectorFst.from(g);
  epsWord.addArc(0, 0, 1, 0, 1);
  assert.throws(() => buildTlg(epsWord, words, tokens), codeIs('GRAPH_OPTION'));
  assert.throws(() => buildTlg(g, words, tokens, { maxStates: 2 }), codeIs('FST_LIMIT'));
});

test('epsilon arcs of G are removed before composition', () => {
  const words = WordTable.fromWords(['go', 'stop']);
  const g = new VectorFst();
  g.addStates(3);
  g.setStart(0);
  g.addArc(0, 0, 0, 0.5, 1);
  g.addArc(1, words.lookup('go'), words.lookup('go'), 0.25, 2);
  g.addArc(0, words.lookup('stop'), words.lookup('stop'), 1, 2);
  g.setFinal(2, 0);
  const graph = buildTlg(g, words, tokens);
  assertDecodes(graph, g, 'go');
  assertDecodes(graph, g, 'stop');
});

test('the cache compiles a grammar used twice once, in memory and on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlg-cache-'));
  try {
    const src: GrammarSource = { kind: 'phrases', text: PHRASES };
    const cache = new GraphCache({ dir, maxEntries: 2 });
    const first = compileGrammar(src, tokens, {}, cache);
    const again = compileGrammar(src, tokens, {}, cache);
    assert.equal(again, first);
    assert.deepEqual(cache.stats, { memoryHits: 1, diskHits: 0, builds: 1 });
    assert.equal(first.info.hash, graphHash(src, tokens));
    assert.ok(existsSync(join(dir, first.info.hash as string, GRAPH_FILES.meta)));

    const other = new GraphCache({ dir });
    const fromDisk = compileGrammar(src, tokens, {}, other);
    assert.deepEqual(other.stats, { memoryHits: 0, diskHits: 1, builds: 0 });
    assert.deepEqual(fromDisk.tlg.ilabel, first.tlg.ilabel);
    assert.deepEqual(fromDisk.tlg.weight, first.tlg.weight);
    assert.deepEqual(fromDisk.words.words(), first.words.words());

    // The LRU keeps two graphs: a third evicts the least recently used.
    compileGrammar({ kind: 'words', words: ['one'] }, tokens, {}, cache);
    compileGrammar({ kind: 'words', words: ['two'] }, tokens, {}, cache);
    assert.equal(cache.size, 2);
    const noMemory = new GraphCache({ maxEntries: 0 });
    compileGrammar(src, tokens, {}, noMemory);
    compileGrammar(src, tokens, {}, noMemory);
    assert.equal(noMemory.stats.builds, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the hash changes with the grammar text, the tokens and options that change the graph', () => {
  const src: GrammarSource = { kind: 'phrases', text: 'a b\n' };
  const h = graphHash(src, tokens);
  assert.equal(graphHash({ kind: 'phrases', text: 'a b\n' }, TokenTable.default()), h);
  assert.equal(graphHash(src, tokens, { maxStates: 10 }), h, 'a limit does not change the graph');
  assert.notEqual(graphHash({ kind: 'phrases', text: 'a c\n' }, tokens), h);
  assert.notEqual(graphHash({ kind: 'words', words: ['a', 'b'] }, tokens), h);
  assert.notEqual(graphHash(src, new TokenTable(DEFAULT_TOKENS, { space: null })), h);
  assert.notEqual(graphHash(src, tokens, { skipUnspellable: true }), h);
  assert.notEqual(graphHash(src, tokens, { delta: 0.01 }), h);
  assert.notEqual(graphHash(src, tokens, { spellings: new Map([['a', [['b']]]]) }), h);
  assert.notEqual(graphHash({ kind: 'jsgf', text: 'x', root: 'r' }, tokens), graphHash({ kind: 'jsgf', text: 'x' }, tokens));
});

test('a saved graph loads back identical, and damaged directories fail with codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlg-store-'));
  try {
    const graph = compileGrammar({ kind: 'phrases', text: PHRASES }, tokens);
    const meta = saveGraph(dir, graph);
    assert.equal(meta.tlg.states, graph.tlg.numStates());
    const back = loadGraph(dir);
    assert.deepEqual(back.tlg.arcStart, graph.tlg.arcStart);
    assert.deepEqual(back.tlg.olabel, graph.tlg.olabel);
    assert.deepEqual(back.tlg.finals, graph.tlg.finals);
    assert.equal(back.tokens.fingerprint(), tokens.fingerprint());
    assert.deepEqual(back.words.words(), graph.words.words());
    assert.equal(back.words.numDisambig, graph.words.numDisambig);
    assert.deepEqual(back.info, graph.info);
    assert.equal(readFileSync(join(dir, GRAPH_FILES.tokens), 'utf8'), tokens.toText());

    writeFileSync(join(dir, GRAPH_FILES.tokens), '<eps> 0\n<blk> 1\n');
    assert.throws(() => loadGraph(dir), codeIs('GRAPH_OPTION'));
    writeFileSync(join(dir, GRAPH_FILES.tokens), tokens.toText());
    writeFileSync(join(dir, GRAPH_FILES.words), '<eps> 0\nthe 1\n');
    assert.throws(() => loadGraph(dir), codeIs('FST_FORMAT'));
    writeFileSync(join(dir, GRAPH_FILES.meta), '{"format":"asr-graph","formatVersion":99}');
    assert.throws(() => readGraphMeta(dir), codeIs('FST_FORMAT'));
    writeFileSync(join(dir, GRAPH_FILES.meta), 'not json');
    assert.throws(() => loadGraph(dir), codeIs('FST_FORMAT'));
    assert.throws(() => loadGraph(join(dir, 'missing')), codeIs('FST_IO'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('asr graph build writes a graph directory and asr graph info describes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlg-cli-'));
  try {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    writeFileSync(join(dir, 'p.txt'), PHRASES);
    writeFileSync(join(dir, 'tokens.txt'), DEFAULT_TOKENS.join('\n') + '\n');
    const code = await graphMain(['build', '--phrases', join(dir, 'p.txt'), '--tokens', join(dir, 'tokens.txt'), '--out', join(dir, 'g')], io);
    assert.equal(code, 0, err.join(''));
    assert.match(out.join(''), /TLG-compose/);
    const graph = loadGraph(join(dir, 'g'));
    assertDecodes(graph, grammarToFst({ kind: 'phrases', text: PHRASES }).g, 'call mom');
    out.length = 0;
    assert.equal(await graphMain(['info', join(dir, 'g')], io), 0);
    assert.match(out.join(''), /peak memory/);
    out.length = 0;
    assert.equal(await graphMain(['info', '--json', join(dir, 'g')], io), 0);
    assert.equal(JSON.parse(out.join('')).tlg.states, graph.tlg.numStates());

    assert.equal(await graphMain(['build', '--out', join(dir, 'x')], io), 1, 'no grammar');
    assert.equal(await graphMain(['build', '--phrases', join(dir, 'p.txt'), '--arpa', 'x', '--out', 'y'], io), 1);
    assert.equal(await graphMain(['build', '--phrases', join(dir, 'p.txt'), '--bogus', '--out', 'y'], io), 1);
    assert.equal(await graphMain(['frobnicate'], io), 1);
    err.length = 0;
    writeFileSync(join(dir, 'bad.txt'), "don't stop\nstop now\n");
    writeFileSync(join(dir, 'tok2.txt'), DEFAULT_TOKENS.filter((t) => t !== "'").join('\n'));
    const args = ['build', '--phrases', join(dir, 'bad.txt'), '--tokens', join(dir, 'tok2.txt'), '--out', join(dir, 'h')];
    assert.equal(await graphMain(args, io), 1);
    assert.match(err.join(''), /WORD_UNSPELLABLE \(word "don't"\)/);
    assert.equal(await graphMain([...args, '--skip-unspellable', '--cache-dir', join(dir, 'cache')], io), 0);
    out.length = 0;
    assert.equal(await graphMain([...args, '--skip-unspellable', '--cache-dir', join(dir, 'cache')], io), 0);
    assert.match(out.join(''), /from cache/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
