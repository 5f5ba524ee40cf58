// L: spellings, Kaldi-style disambiguation of prefixes and homographs, the optional space, G's #0, unspellable words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arcSort } from '../../../../decoder/fst/arc-sort.ts';
import { compose } from '../../../../decoder/fst/compose.ts';
import { determinize } from '../../../../decoder/fst/determinize.ts';
import { ArcView, type Fst, type Label } from '../../../../decoder/fst/fst.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { SymbolTable } from '../../../../decoder/fst/symbol-table.ts';
import { GraphError } from '../../../../decoder/graph/errors.ts';
import { lexicon } from '../../../../decoder/graph/lexicon.ts';
import { wordLoopFst } from '../../../../decoder/graph/phrases.ts';
import { DEFAULT_TOKENS, TokenTable } from '../../../../decoder/graph/tokens.ts';
import { WordTable } from '../../../../decoder/graph/words.ts';

function codeIs(code: string) {
  return (e: unknown) => e instanceof GraphError && e.code === code;
}

/** Every output label string `fst` gives the input `labels` (epsilon-input arcs followed). */
function outputsOf(fst: Fst, labels: readonly Label[]): string[] {
  const out = new Set<string>();
  const view = new ArcView();
  const visit = (s: number, pos: number, o: number[], depth: number) => {
    if (depth > 200) throw new Error('epsilon cycle');
    if (pos === labels.length && fst.final(s) !== Infinity) out.add(o.join(' '));
    fst.arcs(s, view);
    const arcs: number[][] = [];
    for (let a = view.begin; a < view.end; a++) arcs.push([view.ilabel[a], view.olabel[a], view.nextstate[a]]);
    for (const [il, ol, t] of arcs) {
      if (il !== 0 && (pos >= labels.length || il !== labels[pos])) continue;
      visit(t, il === 0 ? pos : pos + 1, ol === 0 ? o : [...o, ol], depth + 1);
    }
  };
  if (fst.start() >= 0) visit(fst.start(), 0, [], 0);
  return [...out].sort();
}

const tokens = TokenTable.default();

/** Token labels of a string: characters, "_" for the space, "#k" for disambiguation symbol k. */
function input(text: string): Label[] {
  return text.split(' ').flatMap((piece) => {
    if (/^#\d+$/.test(piece)) return [tokens.disambigLabel(Number(piece.slice(1)))];
    return [...piece].map((c) => (c === '_' ? tokens.spaceLabel : tokens.label(tokens.charToken(c))));
  });
}

function wordsOut(words: WordTable, text: string): string {
  return text
    .split(' ')
    .filter((w) => w !== '')
    .map((w) => String(words.find(w)))
    .join(' ');
}

test('a word that is a prefix of another ends in a disambiguation symbol ("the" / "there")', () => {
  const words = WordTable.fromWords(['the', 'there', 'book']);
  const L = lexicon(words, tokens);
  assert.equal(L.numGrammarDisambig, 0);
  assert.equal(L.numDisambig, 2, '#0 stays reserved for G, "the" gets #1');
  assert.deepEqual(outputsOf(L.fst, input('the #1')), [wordsOut(words, 'the')]);
  assert.deepEqual(outputsOf(L.fst, input('there')), [wordsOut(words, 'there')]);
  assert.deepEqual(outputsOf(L.fst, input('the')), []);
  assert.deepEqual(outputsOf(L.fst, input('book')), [wordsOut(words, 'book')]);
  assert.equal(L.fst.isymbols?.symbol(tokens.disambigLabel(1)), '#1');
  assert.equal(L.fst.osymbols, words.symbols);
});

test('prefix chains number their symbols per token string, as add_lex_disambig does', () => {
  const words = WordTable.fromWords(['a', 'ab', 'abc']);
  const L = lexicon(words, tokens);
  assert.deepEqual(outputsOf(L.fst, input('a #1')), [wordsOut(words, 'a')]);
  assert.deepEqual(outputsOf(L.fst, input('ab #1')), [wordsOut(words, 'ab')]);
  assert.deepEqual(outputsOf(L.fst, input('abc')), [wordsOut(words, 'abc')]);
  assert.equal(L.numDisambig, 2);
});

test('homographs get distinct disambiguation symbols; a word may have several spellings', () => {
  const words = WordTable.fromWords(['colour', 'color', 'okay']);
  const spellings = new Map([
    ['colour', [['c', 'o', 'l', 'o', 'r']]],
    ['color', [['c', 'o', 'l', 'o', 'r']]],
    ['okay', [['o', 'k'], ['o', 'k', 'a', 'y']]],
  ]);
  const L = lexicon(words, tokens, { spellings });
  assert.equal(L.numSpellings, 4);
  assert.deepEqual(outputsOf(L.fst, input('color #1')), [wordsOut(words, 'colour')]);
  assert.deepEqual(outputsOf(L.fst, input('color #2')), [wordsOut(words, 'color')]);
  assert.deepEqual(outputsOf(L.fst, input('color')), []);
  assert.deepEqual(outputsOf(L.fst, input('ok #1')), [wordsOut(words, 'okay')]);
  assert.deepEqual(outputsOf(L.fst, input('okay')), [wordsOut(words, 'okay')]);
  assert.equal(L.numDisambig, 3);
});

test('the space is optional between words and at the ends, one at a time', () => {
  const words = WordTable.fromWords(['the', 'there', 'book']);
  const L = lexicon(words, tokens).fst;
  const theBook = [wordsOut(words, 'the book')];
  assert.deepEqual(outputsOf(L, input('the #1 _ book')), theBook);
  assert.deepEqual(outputsOf(L, input('the #1 book')), theBook);
  assert.deepEqual(outputsOf(L, input('_ the #1 _ book _')), theBook);
  assert.deepEqual(outputsOf(L, input('the #1 _ _ book')), []);
  assert.deepEqual(outputsOf(L, input('_')), ['']);
});

test("G's disambiguation symbols pass through as loops and the lexicon's start after them", () => {
  const words = WordTable.fromWords(['a', 'ab']);
  const backoff = words.disambig(0);
  const L = lexicon(words, tokens);
  assert.equal(L.numGrammarDisambig, 1);
  assert.deepEqual(outputsOf(L.fst, input('ab #0 a #1')), [`${words.find('ab')} ${backoff} ${words.find('a')}`]);
  assert.deepEqual(outputsOf(L.fst, input('#0 #0')), [`${backoff} ${backoff}`]);
  const two = WordTable.fromWords(['a', 'ab']);
  two.disambig(2);
  const L2 = lexicon(two, tokens);
  assert.equal(L2.numGrammarDisambig, 3);
  assert.deepEqual(outputsOf(L2.fst, input('a #3')), [String(two.find('a'))]);
});

test('without a space token words are simply concatenated', () => {
  const noSpace = new TokenTable(DEFAULT_TOKENS, { space: null });
  const words = WordTable.fromWords(['ab', 'c']);
  const L = lexicon(words, noSpace).fst;
  assert.equal(L.numStates(), 2);
  const labels = [...'abc'].map((c) => noSpace.label(noSpace.charToken(c)));
  assert.deepEqual(outputsOf(L, labels), [`${words.find('ab')} ${words.find('c')}`]);
});

test('a word the tokens cannot spell is WORD_UNSPELLABLE naming it, or skipped with a warning', () => {
  const noApostrophe = new TokenTable(DEFAULT_TOKENS.filter((t) => t !== "'"));
  const words = WordTable.fromWords(['stop', "don't"]);
  assert.throws(
    () => lexicon(words, noApostrophe),
    (e: unknown) => e instanceof GraphError && e.code === 'WORD_UNSPELLABLE' && e.details.word === "don't" && e.details.characters === "'",
  );
  const L = lexicon(words, noApostrophe, { skipUnspellable: true });
  assert.deepEqual(L.skipped, ["don't"]);
  assert.equal(L.warnings.length, 1);
  assert.equal(L.warnings[0].code, 'WORD_UNSPELLABLE');
  assert.equal(L.warnings[0].details.word, "don't");
  const stop = [...'stop'].map((c) => noApostrophe.label(noApostrophe.charToken(c)));
  assert.deepEqual(outputsOf(L.fst, stop), [String(words.find('stop'))]);
});

test('words of an external table are normalised before spelling; symbols like <unk> are unspellable', () => {
  const st = SymbolTable.fromText('<eps> 0\nHello 1\n<unk> 2\n');
  const words = WordTable.fromSymbolTable(st);
  assert.throws(() => lexicon(words, tokens), (e: unknown) => codeIs('WORD_UNSPELLABLE')(e) && (e as GraphError).details.word === '<unk>');
  const L = lexicon(words, tokens, { skipUnspellable: true });
  assert.deepEqual(L.skipped, ['<unk>']);
  assert.deepEqual(outputsOf(L.fst, input('hello')), ['1']);
});

test('bad spellings and options are rejected with codes', () => {
  const words = WordTable.fromWords(['x']);
  assert.throws(() => lexicon(words, tokens, { spellings: new Map([['x', [['@']]]]) }), codeIs('WORD_UNSPELLABLE'));
  assert.throws(() => lexicon(words, tokens, { spellings: new Map([['x', [['<blk>']]]]) }), codeIs('WORD_UNSPELLABLE'));
  assert.throws(() => lexicon(words, tokens, { spellings: new Map([['x', [[]]]]) }), codeIs('GRAPH_OPTION'));
  assert.throws(() => lexicon(words, tokens, { spellings: new Map([['x', []]]) }), codeIs('GRAPH_OPTION'));
  assert.throws(() => lexicon(words, tokens, { nope: true } as object), codeIs('GRAPH_OPTION'));
});

test('L ∘ G determinizes thanks to the disambiguation symbols, and L has no input epsilons', () => {
  const words = new WordTable();
  const g = wordLoopFst(['the', 'there', 'a', 'ab', 'abba', 'b', 'book'], words);
  const L = lexicon(words, tokens).fst;
  assert.equal(L.properties(Props.NO_I_EPSILONS, true), Props.NO_I_EPSILONS);
  arcSort(L, 'olabel');
  const lg = determinize(compose(L, g), { maxStates: 10000 });
  assert.ok(lg.numStates() > 0);
  assert.equal(lg.properties(Props.I_DETERMINISTIC, true), Props.I_DETERMINISTIC);
});
