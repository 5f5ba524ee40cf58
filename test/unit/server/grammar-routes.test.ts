// The source type of a grammar upload: from ?type=, the Content-Type, or a JSON body.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grammarSourceOf } from '../../../server/grammar-routes.ts';

const hasCode = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('the Content-Type names the source language', () => {
  assert.deepEqual(grammarSourceOf('x', 'application/jsgf; charset=utf-8', undefined), { kind: 'jsgf', text: 'x' });
  assert.deepEqual(grammarSourceOf('x', 'text/x-arpa', undefined), { kind: 'arpa', text: 'x' });
  assert.deepEqual(grammarSourceOf('yes\nno', 'text/plain', undefined), { kind: 'phrases', text: 'yes\nno' });
  assert.deepEqual(grammarSourceOf('#JSGF V1.0;\n', 'text/plain', undefined), { kind: 'jsgf', text: '#JSGF V1.0;\n' });
  assert.throws(() => grammarSourceOf('x', 'image/png', undefined), hasCode('UNSUPPORTED_MEDIA_TYPE'));
  assert.throws(() => grammarSourceOf('x', undefined, undefined), hasCode('UNSUPPORTED_MEDIA_TYPE'));
});

test('?type= wins over the Content-Type; words are split on white space', () => {
  assert.deepEqual(grammarSourceOf('a b\n c', 'application/octet-stream', 'words'), { kind: 'words', words: ['a', 'b', 'c'] });
  assert.deepEqual(grammarSourceOf('x', 'text/plain', 'jsgf'), { kind: 'jsgf', text: 'x' });
  assert.throws(() => grammarSourceOf('x', 'text/plain', 'fst'), hasCode('BAD_REQUEST'));
});

test('JSON bodies carry one source', () => {
  assert.deepEqual(grammarSourceOf('{"phrases":["a","b c"]}', 'application/json', undefined), { kind: 'phrases', text: 'a\nb c' });
  assert.deepEqual(grammarSourceOf('{"jsgf":"j","root":"r"}', 'application/json', undefined), { kind: 'jsgf', text: 'j', root: 'r' });
  assert.deepEqual(grammarSourceOf('{"words":["a"]}', 'application/json', undefined), { kind: 'words', words: ['a'] });
  assert.deepEqual(grammarSourceOf('{"arpa":"x"}', 'application/json', undefined), { kind: 'arpa', text: 'x' });
  assert.throws(() => grammarSourceOf('{', 'application/json', undefined), hasCode('BAD_REQUEST'));
  assert.throws(() => grammarSourceOf('{"phrases":[1]}', 'application/json', undefined), hasCode('BAD_REQUEST'));
  assert.throws(() => grammarSourceOf('{"fst":"x"}', 'application/json', undefined), hasCode('BAD_REQUEST'));
});
