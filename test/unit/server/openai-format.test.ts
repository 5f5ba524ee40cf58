// OpenAI response formats: json, text, srt, vtt, verbose_json with word and segment granularities.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerError } from '../../../server/errors.ts';
import { formatTranscription, parseGranularities, parseResponseFormat, timestamp } from '../../../server/openai-format.ts';

const t = {
  text: 'seven three nine',
  durationSec: 3723.4567,
  segments: [
    { text: 'seven three', start: 0.1, end: 1.25, words: [{ confidence: 0.5 }, { confidence: 1 }] },
    { text: '', start: 1.3, end: 2, words: [] },
    { text: 'nine', start: 3661.0015, end: 3662.5, words: [{ confidence: 1 }] },
  ],
  words: [
    { word: 'seven', start: 0.1, end: 0.5, confidence: 0.5 },
    { word: 'three', start: 0.6, end: 1.25, confidence: 1 },
    { word: 'nine', start: 3661.0015, end: 3662.5, confidence: 1 },
  ],
};

test('timestamps use SRT commas and WebVTT dots, with hours', () => {
  assert.equal(timestamp(3661.0015, ','), '01:01:01,002');
  assert.equal(timestamp(0, '.'), '00:00:00.000');
  assert.equal(timestamp(-1, '.'), '00:00:00.000');
});

test('json and text carry the text only', () => {
  assert.deepEqual(JSON.parse(formatTranscription(t, 'json', new Set(['segment'])).body), { text: 'seven three nine' });
  const r = formatTranscription(t, 'text', new Set(['segment']));
  assert.equal(r.body, 'seven three nine\n');
  assert.match(r.contentType, /^text\/plain/);
});

test('srt and vtt have one cue per non-empty segment', () => {
  assert.equal(
    formatTranscription(t, 'srt', new Set(['segment'])).body,
    '1\n00:00:00,100 --> 00:00:01,250\nseven three\n\n2\n01:01:01,002 --> 01:01:02,500\nnine\n\n',
  );
  assert.equal(
    formatTranscription(t, 'vtt', new Set(['segment'])).body,
    'WEBVTT\n\n00:00:00.100 --> 00:00:01.250\nseven three\n\n01:01:01.002 --> 01:01:02.500\nnine\n\n',
  );
});

test('verbose_json has segments by default, words when asked, OpenAI field names', () => {
  const seg = JSON.parse(formatTranscription(t, 'verbose_json', parseGranularities([])).body);
  assert.equal(seg.task, 'transcribe');
  assert.equal(seg.language, 'english');
  assert.equal(seg.duration, 3723.457);
  assert.equal(seg.words, undefined);
  assert.equal(seg.segments.length, 2);
  for (const k of ['id', 'seek', 'start', 'end', 'text', 'tokens', 'temperature', 'avg_logprob', 'compression_ratio', 'no_speech_prob']) {
    assert.ok(k in seg.segments[0], k);
  }
  const both = JSON.parse(formatTranscription(t, 'verbose_json', parseGranularities(['word', 'segment'])).body);
  assert.deepEqual(both.words[0], { word: 'seven', start: 0.1, end: 0.5 });
  assert.equal(both.segments.length, 2);
  const words = JSON.parse(formatTranscription(t, 'verbose_json', parseGranularities(['word'])).body);
  assert.equal(words.segments, undefined);
  assert.equal(words.words.length, 3);
});

test('unknown formats and granularities are BAD_REQUEST; no format means json', () => {
  const badReq = (e: unknown) => e instanceof ServerError && e.code === 'BAD_REQUEST';
  assert.equal(parseResponseFormat(undefined), 'json');
  assert.equal(parseResponseFormat('srt'), 'srt');
  assert.throws(() => parseResponseFormat('xml'), badReq);
  assert.throws(() => parseGranularities(['char']), badReq);
});
