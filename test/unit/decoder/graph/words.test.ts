// Word normalisation and the word table: spelling rules, digits, hyphens, the <eps>/words/#k layout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SymbolTable } from '../../../../decoder/fst/symbol-table.ts';
import { WordTable, isNormalizedWord, normalizeText, normalizeWord } from '../../../../decoder/graph/words.ts';
import { graphErrorCode } from '../../../support/graph-error-code.ts';

test('normalizeWord lowercases, strips accents and keeps apostrophes anywhere', () => {
  assert.equal(normalizeWord('Hello'), 'hello');
  assert.equal(normalizeWord("DON'T"), "don't");
  assert.equal(normalizeWord('don\u2019t'), "don't");
  assert.equal(normalizeWord("'cause"), "'cause");
  assert.equal(normalizeWord("nothin'"), "nothin'");
  assert.equal(normalizeWord('Café'), 'cafe');
  assert.equal(normalizeWord('naïve'), 'naive');
});

test('normalizeWord spells single digits and rejects other numbers and symbols', () => {
  assert.equal(normalizeWord('0'), 'zero');
  assert.equal(normalizeWord('7'), 'seven');
  assert.throws(() => normalizeWord('42'), graphErrorCode('WORD_UNSPELLABLE', { word: '42', characters: '42' }));
  assert.throws(() => normalizeWord('2nd'), graphErrorCode('WORD_UNSPELLABLE', { characters: '2' }));
  assert.throws(() => normalizeWord('a_b'), graphErrorCode('WORD_UNSPELLABLE', { characters: '_' }));
  assert.throws(() => normalizeWord('living-room'), graphErrorCode('WORD_UNSPELLABLE', { characters: '-' }));
  assert.throws(() => normalizeWord("'"), graphErrorCode('WORD_UNSPELLABLE'));
  assert.throws(() => normalizeWord('日本'), graphErrorCode('WORD_UNSPELLABLE'));
});

test('normalizeText splits on whitespace and hyphens and strips sentence punctuation', () => {
  assert.deepEqual(normalizeText('Turn on the living-room light, please!'), [
    'turn', 'on', 'the', 'living', 'room', 'light', 'please',
  ]);
  assert.deepEqual(normalizeText("  rock 'n' roll -- \"now\" (3)  "), ['rock', "'n'", 'roll', 'now', 'three']);
  assert.deepEqual(normalizeText('well\u2014maybe... ok?'), ['well', 'maybe', 'ok']);
  assert.deepEqual(normalizeText(''), []);
  assert.throws(() => normalizeText('call 911'), graphErrorCode('WORD_UNSPELLABLE', { word: '911' }));
});

test('isNormalizedWord accepts a–z and apostrophes with at least one letter', () => {
  assert.ok(isNormalizedWord("o'clock"));
  assert.ok(!isNormalizedWord('Hello'));
  assert.ok(!isNormalizedWord("''"));
  assert.ok(!isNormalizedWord('#0'));
  assert.ok(!isNormalizedWord('<unk>'));
});

test('WordTable numbers <eps> 0, words from 1, disambiguation symbols after the words', () => {
  const t = WordTable.fromWords(['turn', 'on', 'off', 'on']);
  assert.equal(t.numWords, 3);
  assert.equal(t.find('<eps>'), 0);
  assert.deepEqual(t.words(), ['turn', 'on', 'off']);
  assert.equal(t.lookup('off'), 3);
  assert.equal(t.add('lights'), 4);
  assert.equal(t.add('on'), 2);
  assert.equal(t.disambig(1), 6);
  assert.equal(t.find('#0'), 5);
  assert.equal(t.numDisambig, 2);
  assert.ok(t.isDisambig(5) && t.isDisambig(6) && !t.isDisambig(4) && !t.isDisambig(7));
  assert.ok(t.has('turn') && !t.has('#0') && !t.has('<eps>'));
  assert.equal(t.add('turn'), 1);
  assert.throws(() => t.add('kitchen'), graphErrorCode('WORD_TABLE_FROZEN', { word: 'kitchen' }));
  assert.throws(() => t.lookup('kitchen'), graphErrorCode('WORD_OOV', { word: 'kitchen' }));
  assert.throws(() => t.lookup('#0'), graphErrorCode('WORD_OOV'));
  assert.throws(() => new WordTable().add('Turn'), graphErrorCode('WORD_UNSPELLABLE'));
  assert.equal(t.symbols.toText(), '<eps>\t0\nturn\t1\non\t2\noff\t3\nlights\t4\n#0\t5\n#1\t6\n');
});

test('WordTable.fromSymbolTable accepts its own layout and rejects others', () => {
  const t = WordTable.fromWords(['a', 'b']);
  t.disambig(0);
  const u = WordTable.fromSymbolTable(SymbolTable.fromText(t.symbols.toText()));
  assert.equal(u.numWords, 2);
  assert.equal(u.numDisambig, 1);
  assert.equal(u.symbols.toText(), t.symbols.toText());
  assert.equal(WordTable.fromSymbolTable(SymbolTable.fromText('<eps> 0\n<unk> 1\nhi 2\n')).numWords, 2);
  assert.throws(() => WordTable.fromSymbolTable(SymbolTable.fromText('a 0\n')), graphErrorCode('GRAPH_OPTION'));
  assert.throws(() => WordTable.fromSymbolTable(SymbolTable.fromText('<eps> 0\na 2\n')), graphErrorCode('GRAPH_OPTION'));
  assert.throws(() => WordTable.fromSymbolTable(SymbolTable.fromText('<eps> 0\n#1 1\n')), graphErrorCode('GRAPH_OPTION'));
  assert.throws(
    () => WordTable.fromSymbolTable(SymbolTable.fromText('<eps> 0\n#0 1\n<s> 2\n')),
    graphErrorCode('WORD_TABLE_FROZEN', { word: '<s>' }),
  );
});
