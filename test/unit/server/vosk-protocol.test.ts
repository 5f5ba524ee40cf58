// Vosk's protocol as data: config and eof messages, partial and result replies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineAlternatives, parseVoskMessage, voskGrammar, voskPartial, voskResult, type VoskSettings } from '../../../server/vosk-protocol.ts';
import type { FinalEvent } from '../../../server/recognition.ts';

const defaults: VoskSettings = { sampleRate: 16000, words: true, maxAlternatives: 0, phraseList: null, grammar: null };
const hasCode = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('config messages as Vosk clients send them; eof in its usual spellings', () => {
  assert.deepEqual(parseVoskMessage('{ "config" : { "sample_rate" : 8000.0, "words": 0, "max_alternatives": 2, "unknown": 1 } }'), {
    type: 'config',
    config: { sampleRate: 8000, words: false, maxAlternatives: 2 },
  });
  assert.deepEqual(parseVoskMessage('{"eof" : 1}'), { type: 'eof' });
  assert.deepEqual(parseVoskMessage('{"eof":1}'), { type: 'eof' });
});

test('phrase lists drop Vosk\'s [unk] and become a phrases grammar; an empty list means the default grammar', () => {
  const m = parseVoskMessage('{"config": {"phrase_list": ["yes", "no", "[unk]"]}}');
  assert.equal(m.type, 'config');
  const s = { ...defaults, ...(m.type === 'config' ? m.config : {}) };
  assert.deepEqual(voskGrammar(s), { kind: 'phrases', text: 'yes\nno' });
  const only = parseVoskMessage('{"config": {"phrase_list": ["[unk]"]}}');
  assert.deepEqual(only.type === 'config' && only.config.phraseList, null);
  assert.equal(voskGrammar(defaults), undefined);
  assert.equal(voskGrammar({ ...defaults, grammar: 'digits' }), 'digits');
});

test('anything else is BAD_MESSAGE', () => {
  for (const bad of ['hello', '[]', '{"start": 1}', '{"config": 3}', '{"config": {"sample_rate": "fast"}}', '{"config": {"phrase_list": "a"}}', '{"config": {"max_alternatives": -1}}']) {
    assert.throws(() => parseVoskMessage(bad), hasCode('BAD_MESSAGE'), bad);
  }
});

const f1: FinalEvent = { type: 'final', code: 'OK', text: 'seven', start: 0, end: 1, words: [{ word: 'seven', start: 0.1, end: 0.5, confidence: 0.9 }] };
const f2: FinalEvent = { type: 'final', code: 'OK', text: 'nine', start: 1, end: 2, words: [{ word: 'nine', start: 1.2, end: 1.6, confidence: 1 }] };

test('results merge the finals since the last reply, with words as Vosk writes them', () => {
  assert.deepEqual(JSON.parse(voskResult([f1, f2], defaults)), {
    result: [
      { conf: 0.9, end: 0.5, start: 0.1, word: 'seven' },
      { conf: 1, end: 1.6, start: 1.2, word: 'nine' },
    ],
    text: 'seven nine',
  });
  assert.deepEqual(JSON.parse(voskResult([f1], { ...defaults, words: false })), { text: 'seven' });
  assert.deepEqual(JSON.parse(voskResult([], defaults)), { text: '' });
  assert.deepEqual(JSON.parse(voskPartial('sev')), { partial: 'sev' });
});

test('alternatives replace text and words when asked for', () => {
  const withAlts = { ...f1, alternatives: [{ text: 'seven', confidence: 0.8 }, { text: 'eleven', confidence: 0.2 }] };
  assert.deepEqual(JSON.parse(voskResult([withAlts], { ...defaults, maxAlternatives: 1 })), { alternatives: [{ confidence: 0.8, text: 'seven' }] });
  assert.equal(engineAlternatives(0), 1);
  assert.equal(engineAlternatives(1), 2);
  assert.equal(engineAlternatives(5), 5);
});

test('a non-fatal error rides on the reply', () => {
  const e = { code: 'BAD_MESSAGE', message: 'm', details: {} };
  assert.deepEqual(JSON.parse(voskPartial('', e)), { partial: '', error: { code: 'BAD_MESSAGE', message: 'm' } });
  assert.deepEqual(JSON.parse(voskResult([], defaults, e)).error.code, 'BAD_MESSAGE');
});
