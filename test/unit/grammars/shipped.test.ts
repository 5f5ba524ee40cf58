// The small shipped grammars: each compiles, its sentences decode through TLG to themselves, others have no path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grammarToFst, type CompiledGraph } from '../../../decoder/graph/tlg.ts';
import { DEFAULT_TOKENS, TokenTable } from '../../../decoder/graph/tokens.ts';
import { loadShippedGrammar, readShippedGrammarSource, type ShippedGrammarName } from '../../../grammars/registry.ts';
import { readings, sentenceFrames } from '../../support/tlg-paths.ts';
import { sentenceCost } from '../../support/word-paths.ts';

/** What each small grammar must accept and reject (in-vocabulary word orders it does not allow, and unknown words). */
const CASES: Record<Exclude<ShippedGrammarName, 'en'>, { accept: string[]; reject: string[] }> = {
  digit: {
    accept: ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
    reject: ['one two', 'oh oh', 'ten', 'yes', 'none'],
  },
  digits: {
    accept: [
      'zero',
      'oh',
      'seven',
      'one oh one',
      'five five five one two one two',
      'nine eight seven six five four three two one zero oh',
      'four four four four four four four four four four four four',
    ],
    reject: ['ten', 'twenty one', 'one hundred', 'yes', 'o', 'fiv'],
  },
  yesno: {
    accept: ['yes', 'no'],
    reject: ['yes no', 'no no', 'yeah', 'maybe', 'nope'],
  },
  commands: {
    accept: [
      'turn on the kitchen lights',
      'turn the living room lights off',
      'please turn off the bedroom lights',
      'could you switch on the dining room lights please',
      'dim the office lights',
      'turn off all the lights',
      'set a timer for five minutes',
      'set a timer for twenty five seconds',
      'set a timer for one hour',
      "set an alarm for seven o'clock in the morning",
      'cancel the timer',
      'how much time is left',
      'play some music',
      'pause',
      'next song',
      'skip this track',
      'volume up',
      'turn the volume down',
      'set the volume to ten',
      'mute',
      'call mom',
      'can you call the doctor',
      'dial alice',
      "what's the weather",
      "what's the weather like tomorrow in new york",
      'what is the weather today',
      'will it rain this weekend',
      'how cold is it outside',
      'set the temperature to seventy two degrees',
      'lower the temperature by two degrees',
      'make it warmer',
    ],
    reject: [
      'turn on the garden lights',
      'turn on the kitchen',
      'lights the kitchen turn on',
      'set a timer for minutes',
      'set a timer for one hundred minutes',
      'set a timer for twenty ten minutes',
      'call',
      'call pizza',
      'what the weather',
      'play play',
      'please',
      'on',
    ],
  },
};

const tokens = TokenTable.default();

for (const [name, { accept, reject }] of Object.entries(CASES)) {
  test(`${name}: its sentences decode to exactly themselves at their G cost, with or without spaces`, async () => {
    const graph = await loadShippedGrammar(name, { cacheDir: null });
    const { g, words } = grammarToFst(await readShippedGrammarSource(name));
    for (const sentence of accept) {
      const want = sentenceCost(g, words, sentence);
      assert.ok(want < Infinity, `"${sentence}" is not in G`);
      for (const spaces of [true, false]) {
        const got = readings(graph.tlg, sentenceFrames(tokens, sentence, spaces), graph.words);
        if (spaces) assert.deepEqual([...got.keys()], [sentence], `"${sentence}"`);
        else assert.ok(got.has(sentence), `"${sentence}" without spaces`);
        assert.ok(Math.abs((got.get(sentence) as number) - want) < 1e-3, `"${sentence}": ${got.get(sentence)} vs G ${want}`);
      }
    }
  });

  test(`${name}: sentences outside the grammar have no path`, async () => {
    const graph = await loadShippedGrammar(name, { cacheDir: null });
    for (const sentence of reject) {
      const got = readings(graph.tlg, sentenceFrames(tokens, sentence), graph.words);
      assert.deepEqual([...got.keys()], [], `"${sentence}" decodes`);
    }
  });
}

test('every small grammar compiles for a token table without a word separator, and decodes there too', async () => {
  const noSpace = new TokenTable(DEFAULT_TOKENS.filter((t) => t !== '<space>'));
  for (const [name, { accept }] of Object.entries(CASES)) {
    const graph: CompiledGraph = await loadShippedGrammar(name, { cacheDir: null, tokens: noSpace });
    assert.equal(graph.tokens, noSpace);
    for (const sentence of accept.slice(0, 5)) {
      assert.ok(readings(graph.tlg, sentenceFrames(noSpace, sentence), graph.words).has(sentence), `${name}: "${sentence}"`);
    }
  }
});

test('each small grammar has the vocabulary it is written for', async () => {
  const vocab = async (name: string) => (await loadShippedGrammar(name, { cacheDir: null })).words.words().sort();
  assert.deepEqual(await vocab('digit'), ['eight', 'five', 'four', 'nine', 'oh', 'one', 'seven', 'six', 'three', 'two', 'zero']);
  assert.deepEqual(await vocab('digits'), await vocab('digit'));
  assert.deepEqual(await vocab('yesno'), ['no', 'yes']);
  const commands = await vocab('commands');
  for (const w of ['kitchen', 'living', 'room', 'timer', 'minutes', 'volume', 'call', "what's", 'weather', 'ninety']) {
    assert.ok(commands.includes(w), w);
  }
});
