// Phrase lists and word loops: parsing, prefix-tree shape, costs −ln(w / Σw), acceptance, errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arcsOf, totalArcs } from '../../../../decoder/fst/fst.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { shortestDistance } from '../../../../decoder/fst/shortest-distance.ts';
import { LogSemiring } from '../../../../decoder/fst/semiring.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { parsePhrases, phrasesToFst, wordLoopFst } from '../../../../decoder/graph/phrases.ts';
import { WordTable } from '../../../../decoder/graph/words.ts';
import { sentenceCost } from '../../../support/word-paths.ts';
import { graphErrorCode } from '../../../support/graph-error-code.ts';

const LIST = `# living room
Turn on the light /2.5/
turn on the TV  /1.5/
turn off the light

  # blank lines and comments are skipped
turn off the living-room light, please! /0.5/
open the door /0/
`;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-5;
}

test('parsePhrases reads words, trailing /weights/, and skips blanks and comments', () => {
  const p = parsePhrases(LIST);
  assert.deepEqual(
    p.map((x) => [x.words.join(' '), x.weight, x.line]),
    [
      ['turn on the light', 2.5, 2],
      ['turn on the tv', 1.5, 3],
      ['turn off the light', 1, 4],
      ['turn off the living room light please', 0.5, 7],
      ['open the door', 0, 8],
    ],
  );
});

test('phrasesToFst accepts each phrase at cost −ln(w / Σw) and nothing else', () => {
  const words = new WordTable();
  const g = phrasesToFst(LIST, words);
  const total = 2.5 + 1.5 + 1 + 0.5;
  assert.ok(close(sentenceCost(g, words, 'turn on the light'), -Math.log(2.5 / total)));
  assert.ok(close(sentenceCost(g, words, 'turn on the tv'), -Math.log(1.5 / total)));
  assert.ok(close(sentenceCost(g, words, 'turn off the light'), -Math.log(1 / total)));
  assert.ok(close(sentenceCost(g, words, 'turn off the living room light please'), -Math.log(0.5 / total)));
  for (const s of ['open the door', 'turn on the', 'turn on the light please', 'turn', '']) {
    assert.equal(sentenceCost(g, words, s), Infinity, s);
  }
});

test('the prefix tree shares prefixes, is deterministic and stochastic', () => {
  const words = new WordTable();
  const g = phrasesToFst(LIST, words);
  // root, turn, on, off, the ×2, (on the) light, tv, (off the) light, living, room, light, please.
  assert.equal(g.numStates(), 13);
  assert.equal(totalArcs(g), g.numStates() - 1);
  const want = Props.I_DETERMINISTIC | Props.NO_EPSILONS | Props.I_LABEL_SORTED | Props.ACYCLIC | Props.TOP_SORTED;
  assert.equal(g.properties(want, true), want);
  // Pushed weights: the total probability leaving every state (arcs + final) is one.
  const log = new VectorFst(LogSemiring);
  log.addStates(g.numStates());
  log.setStart(g.start());
  for (let s = 0; s < g.numStates(); s++) {
    log.setFinal(s, g.final(s));
    for (const a of arcsOf(g, s)) log.addArc(s, a.ilabel, a.olabel, a.weight, a.nextstate);
  }
  const beta = shortestDistance(log, { reverse: true });
  for (let s = 0; s < log.numStates(); s++) assert.ok(Math.abs(beta[s]) < 1e-5, `state ${s}: ${beta[s]}`);
});

test('unweighted phrases are uniform; duplicates add their weights', () => {
  const words = new WordTable();
  const g = phrasesToFst('yes\nno\nmaybe\nno\n', words);
  assert.ok(close(sentenceCost(g, words, 'yes'), Math.log(4)));
  assert.ok(close(sentenceCost(g, words, 'no'), Math.log(2)));
  const p = phrasesToFst([{ words: ['a', 'b'], weight: 1, line: 1 }, { words: ['a'], weight: 3, line: 2 }], words);
  assert.ok(close(sentenceCost(p, words, 'a'), -Math.log(3 / 4)));
  assert.ok(close(sentenceCost(p, words, 'a b'), -Math.log(1 / 4)));
});

test('phrase list errors carry codes and positions', () => {
  assert.throws(() => parsePhrases('ok\nturn on /-1/\n'), graphErrorCode('GRAMMAR_SYNTAX', { line: 2, column: 9 }));
  assert.throws(() => parsePhrases('turn on /x/\n'), graphErrorCode('GRAMMAR_SYNTAX', { line: 1, column: 9 }));
  assert.throws(() => parsePhrases('a/b c\n'), graphErrorCode('GRAMMAR_SYNTAX', { line: 1, column: 2 }));
  assert.throws(() => parsePhrases('ok\n  ... /2/\n'), graphErrorCode('GRAMMAR_SYNTAX', { line: 2, column: 3 }));
  assert.throws(() => parsePhrases('ok\ncall 911\n'), graphErrorCode('WORD_UNSPELLABLE', { line: 2, word: '911' }));
  assert.throws(() => phrasesToFst('# nothing\n\n', new WordTable()), graphErrorCode('GRAMMAR_EMPTY'));
  assert.throws(() => phrasesToFst('a /0/\n', new WordTable()), graphErrorCode('GRAMMAR_EMPTY'));
  const closed = WordTable.fromWords(['yes']);
  assert.throws(() => phrasesToFst('yes\nno\n', closed, { closedVocabulary: true }), graphErrorCode('WORD_OOV', { word: 'no', line: 2 }));
  assert.throws(() => phrasesToFst('yes\n', closed, { closed: true } as never), graphErrorCode('GRAPH_OPTION'));
});

test('wordLoopFst accepts one or more of the words, each at ln N', () => {
  const words = new WordTable();
  const g = wordLoopFst(['Yes', 'no', 'stop', 'no'], words);
  assert.deepEqual(words.words(), ['yes', 'no', 'stop']);
  assert.ok(close(sentenceCost(g, words, 'stop'), Math.log(3)));
  assert.ok(close(sentenceCost(g, words, 'yes no yes stop'), 4 * Math.log(3)));
  assert.equal(sentenceCost(g, words, ''), Infinity);
  assert.equal(g.numStates(), 2);
  assert.equal(g.properties(Props.I_DETERMINISTIC | Props.I_LABEL_SORTED, true), Props.I_DETERMINISTIC | Props.I_LABEL_SORTED);
  assert.throws(() => wordLoopFst([], words), graphErrorCode('GRAMMAR_EMPTY'));
  assert.throws(() => wordLoopFst(['living-room'], words), graphErrorCode('WORD_UNSPELLABLE'));
  assert.throws(() => wordLoopFst(['maybe'], WordTable.fromWords(['yes']), { closedVocabulary: true }), graphErrorCode('WORD_OOV'));
});
