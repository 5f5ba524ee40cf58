// TokenTable: the token id ↔ label mapping, blank and space detection, token list formats, spelling, errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphError } from '../../../../decoder/graph/errors.ts';
import { DEFAULT_TOKENS, NO_TOKEN, TokenTable } from '../../../../decoder/graph/tokens.ts';

function codeIs(code: string) {
  return (e: unknown) => e instanceof GraphError && e.code === code;
}

test('the default table is blank, space, apostrophe, a–z with label = token id + 1', () => {
  const t = TokenTable.default();
  assert.equal(t.size, 29);
  assert.deepEqual(t.tokens, DEFAULT_TOKENS);
  assert.equal(t.blank, 0);
  assert.equal(t.space, 1);
  assert.equal(t.blankLabel, 1);
  assert.equal(t.spaceLabel, 2);
  assert.equal(t.label(t.find('a')), 4);
  assert.equal(t.label(t.find('z')), 29);
  assert.equal(t.maxTokenLabel, 29);
  for (let id = 0; id < t.size; id++) assert.equal(t.token(t.label(id)), id);
});

test('epsilon and disambiguation labels map to no token', () => {
  const t = TokenTable.default();
  assert.equal(t.token(0), NO_TOKEN);
  assert.equal(t.disambigLabel(0), 30);
  assert.equal(t.token(t.disambigLabel(0)), NO_TOKEN);
  assert.ok(t.isDisambig(30));
  assert.ok(!t.isDisambig(29));
});

test('the label table has <eps> at 0, tokens after it and #k after the tokens', () => {
  const t = TokenTable.default();
  const st = t.symbols(2);
  assert.equal(st.symbol(0), '<eps>');
  assert.equal(st.symbol(1), '<blk>');
  assert.equal(st.symbol(4), 'a');
  assert.equal(st.symbol(30), '#0');
  assert.equal(st.symbol(31), '#1');
  assert.equal(st.size, 32);
});

test('token lists are read in all three layouts and round-trip through toText', () => {
  const names = ['<blk>', '<space>', "'", 'a', 'b'];
  const perLine = names.join('\n') + '\n';
  const withIds = names.map((n, i) => `${n} ${i}`).join('\n');
  const labels = '<eps> 0\n' + names.map((n, i) => `${n}\t${i + 1}`).join('\n') + '\n#0 6\n#1 7\n';
  for (const text of [perLine, withIds, labels]) {
    const t = TokenTable.fromText(text);
    assert.deepEqual(t.tokens, names);
    assert.equal(t.blank, 0);
    assert.equal(t.space, 1);
  }
  const d = TokenTable.default();
  assert.deepEqual(TokenTable.fromText(d.toText()).tokens, d.tokens);
  assert.equal(TokenTable.fromText(d.toText()).fingerprint(), d.fingerprint());
});

test('blank and space are found by name, or given explicitly, or absent', () => {
  const w2v = new TokenTable(['<s>', '<pad>', '|', 'A', 'B']);
  assert.equal(w2v.blank, 1);
  assert.equal(w2v.space, 2);
  const explicit = new TokenTable(['x', 'a', 'b', '_'], { blank: '_', space: 'x' });
  assert.equal(explicit.blank, 3);
  assert.equal(explicit.space, 0);
  const byId = new TokenTable(['a', 'b', 'c'], { blank: 2 });
  assert.equal(byId.blank, 2);
  assert.equal(byId.space, NO_TOKEN);
  assert.equal(byId.spaceLabel, 0);
  const noSpace = new TokenTable(DEFAULT_TOKENS, { space: null });
  assert.equal(noSpace.space, NO_TOKEN);
  assert.equal(noSpace.charToken('a'), 3);
});

test('words are spelled character by character; upper-case tables spell lower-case words', () => {
  const t = TokenTable.default();
  assert.deepEqual(t.spell("don't"), { tokens: [t.find('d'), t.find('o'), t.find('n'), t.find("'"), t.find('t')] });
  assert.deepEqual(t.spell('café'), { missing: 'é' });
  const upper = new TokenTable(['<pad>', '|', 'A', 'B']);
  assert.deepEqual(upper.spell('ab'), { tokens: [2, 3] });
  assert.deepEqual(upper.spell('abc'), { missing: 'c' });
  // The blank and the space never spell a character, even when named by one.
  const odd = new TokenTable(['_', '~', 'a'], { blank: '_', space: '~' });
  assert.deepEqual(odd.spell('_'), { missing: '_' });
});

test('bad token lists and options are GRAPH_OPTION', () => {
  assert.throws(() => new TokenTable(['<blk>']), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', 'a', 'a']), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', 'a b']), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', '<eps>']), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', '#3']), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', 'a'], { blank: 'zz' }), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', 'a'], { blank: 5 }), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', 'a'], { space: '<blk>' }), codeIs('GRAPH_OPTION'));
  assert.throws(() => new TokenTable(['<blk>', 'a'], { bogus: 1 } as object), codeIs('GRAPH_OPTION'));
  assert.throws(() => TokenTable.fromText(''), codeIs('GRAPH_OPTION'));
  assert.throws(
    () => TokenTable.fromText('<blk> 0\na 2\n'),
    (e: unknown) => e instanceof GraphError && e.code === 'GRAPH_OPTION' && e.details.line === 2,
  );
  assert.throws(() => TokenTable.fromText('a b c\n'), codeIs('GRAPH_OPTION'));
});
