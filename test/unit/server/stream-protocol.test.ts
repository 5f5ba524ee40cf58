// /v1/stream as data: options from the query, client messages with their error codes, server messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorMessage,
  finalMessage,
  optionsFromQuery,
  parseClientMessage,
  partialMessage,
  readyMessage,
  sessionChangeFields,
} from '../../../server/stream-protocol.ts';

const hasCode = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('query parameters become session options; the token is not one; unknown ones are refused', () => {
  const o = optionsFromQuery(new URLSearchParams('sample_rate=8000&encoding=f32le&grammar=digits&alternatives=3&partials=false&token=k'));
  assert.deepEqual(o, { sampleRate: 8000, encoding: 'f32le', grammar: 'digits', alternatives: 3, partials: false });
  assert.deepEqual(optionsFromQuery(new URLSearchParams('')), {});
  assert.throws(() => optionsFromQuery(new URLSearchParams('colour=red')), hasCode('ENGINE_OPTION'));
  assert.throws(() => optionsFromQuery(new URLSearchParams('partials=perhaps')), hasCode('ENGINE_OPTION'));
});

test('control messages parse; bad ones carry BAD_MESSAGE or UNKNOWN_MESSAGE_TYPE', () => {
  assert.deepEqual(parseClientMessage('{"type":"eof"}'), { type: 'eof' });
  assert.deepEqual(parseClientMessage('{"type":"finalize"}'), { type: 'finalize' });
  assert.deepEqual(parseClientMessage('{"type":"config","sample_rate":44100,"partials":false}'), {
    type: 'config',
    options: { sampleRate: 44100, partials: false },
  });
  assert.throws(() => parseClientMessage('{'), hasCode('BAD_MESSAGE'));
  assert.throws(() => parseClientMessage('[1]'), hasCode('BAD_MESSAGE'));
  assert.throws(() => parseClientMessage('"eof"'), hasCode('BAD_MESSAGE'));
  assert.throws(() => parseClientMessage('{"kind":"eof"}'), hasCode('BAD_MESSAGE'));
  assert.throws(() => parseClientMessage('{"type":"pause"}'), hasCode('UNKNOWN_MESSAGE_TYPE'));
  assert.throws(() => parseClientMessage('{"type":"config","volume":3}'), hasCode('ENGINE_OPTION'));
});

test('grammar messages: by name, phrases, JSGF or words; one at a time', () => {
  assert.deepEqual(parseClientMessage('{"type":"grammar","name":"yesno"}'), { type: 'grammar', grammar: 'yesno', restartUtterance: false });
  assert.deepEqual(parseClientMessage('{"type":"grammar","phrases":["a b","c"],"restart_utterance":true}'), {
    type: 'grammar',
    grammar: { kind: 'phrases', text: 'a b\nc' },
    restartUtterance: true,
  });
  assert.deepEqual(parseClientMessage('{"type":"grammar","jsgf":"#JSGF V1.0;","root":"r"}').type, 'grammar');
  assert.deepEqual(parseClientMessage('{"type":"grammar","words":["yes","no"]}'), {
    type: 'grammar',
    grammar: { kind: 'words', words: ['yes', 'no'] },
    restartUtterance: false,
  });
  for (const bad of [
    '{"type":"grammar"}',
    '{"type":"grammar","name":""}',
    '{"type":"grammar","phrases":[]}',
    '{"type":"grammar","phrases":["a\\nb"]}',
    '{"type":"grammar","phrases":["a"],"jsgf":"x"}',
    '{"type":"grammar","name":"x","colour":1}',
    '{"type":"grammar","name":"x","restart_utterance":"yes"}',
  ]) {
    assert.throws(() => parseClientMessage(bad), hasCode('BAD_MESSAGE'), bad);
  }
});

test('option changes are listed by name', () => {
  assert.deepEqual(sessionChangeFields({ sampleRate: 16000 }, { sampleRate: 16000 }), []);
  assert.deepEqual(sessionChangeFields({ sampleRate: 16000 }, { sampleRate: 8000, partials: false }).sort(), ['partials', 'sampleRate']);
});

test('server messages have the documented fields, times in seconds rounded to ms', () => {
  const model = { name: 'm', version: '1', status: 'placeholder: x', placeholder: true, sampleRate: 16000, chunkMs: 100, frameShiftMs: 20, tokens: [] };
  const ready = JSON.parse(readyMessage('id1', { sampleRate: 8000 }, model, 'en'));
  assert.deepEqual(ready, {
    type: 'ready',
    session_id: 'id1',
    model: 'm',
    model_status: 'placeholder: x',
    model_placeholder: true,
    model_sample_rate: 16000,
    sample_rate: 8000,
    encoding: 's16le',
    channels: 1,
    grammar: 'en',
    alternatives: 1,
    partials: true,
  });
  assert.deepEqual(JSON.parse(partialMessage({ type: 'partial', text: 'a b', words: [{ word: 'a', start: 0.1, end: 0.2 }, { word: 'b', start: 0.3, end: 0.4 }] })), {
    type: 'partial',
    text: 'a b',
    start: 0.1,
    end: 0.4,
  });
  const f = JSON.parse(
    finalMessage({ type: 'final', code: 'OK', text: 'a', start: 0.12345, end: 1, words: [{ word: 'a', start: 0.1, end: 0.2, confidence: 0.98765 }], alternatives: [{ text: 'a', confidence: 0.9 }] }),
  );
  assert.deepEqual(f, { type: 'final', text: 'a', start: 0.123, end: 1, words: [{ word: 'a', start: 0.1, end: 0.2, confidence: 0.988 }], result: 'OK', alternatives: [{ text: 'a', confidence: 0.9 }] });
  assert.deepEqual(JSON.parse(errorMessage('GRAMMAR_SYNTAX', 'm', { line: 2, column: 5, type: 'x', cause: new Error('e') })), {
    line: 2,
    column: 5,
    type: 'error',
    code: 'GRAMMAR_SYNTAX',
    message: 'm',
  });
});
