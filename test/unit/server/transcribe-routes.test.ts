// POST /v1/transcribe's query: raw PCM format defaults, grammar and alternatives, unknown parameters refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transcribeBody, transcribeOptionsFromQuery } from '../../../server/transcribe-routes.ts';

const hasCode = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('headerless PCM defaults to s16le mono at the model rate; the query overrides', () => {
  assert.deepEqual(transcribeOptionsFromQuery({}, 16000), { raw: { encoding: 's16le', sampleRate: 16000, channels: 1 } });
  assert.deepEqual(transcribeOptionsFromQuery({ sample_rate: '8000', encoding: 'f32le', grammar: 'digits', alternatives: '3', token: 'k' }, 16000), {
    raw: { encoding: 'f32le', sampleRate: 8000, channels: 1 },
    grammar: 'digits',
    alternatives: 3,
  });
  assert.throws(() => transcribeOptionsFromQuery({ lang: 'en' }, 16000), hasCode('BAD_REQUEST'));
  assert.throws(() => transcribeOptionsFromQuery({ sample_rate: 'fast' }, 16000), hasCode('ENGINE_OPTION'));
});

test('the response rounds times to ms and names each segment\'s result', () => {
  const body = transcribeBody(
    {
      text: 'a',
      segments: [{ code: 'OK', text: 'a', start: 0, end: 1.23456, words: [{ word: 'a', start: 0.1, end: 0.2, confidence: 0.5 }] }],
      words: [{ word: 'a', start: 0.1, end: 0.2, confidence: 0.5 }],
      durationSec: 1.5,
      processingSec: 0.01234,
      rtf: 0.008,
      grammar: 'digits',
    },
    'm',
  );
  assert.deepEqual(body, {
    text: 'a',
    duration: 1.5,
    processing_sec: 0.012,
    model: 'm',
    grammar: 'digits',
    words: [{ word: 'a', start: 0.1, end: 0.2, confidence: 0.5 }],
    segments: [{ result: 'OK', text: 'a', start: 0, end: 1.235 }],
  });
});
