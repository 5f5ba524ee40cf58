// The engine with the real acoustic model (models/ds2-stream-en) and the shipped digits grammar.
// Skipped while the model folder is absent; the transcript is checked only once the card says the model is trained
// (a "placeholder" or "interim" status line skips that test with the reason printed).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODEL_DIR } from '../../../engine/config.ts';
import { Engine, type FinalEvent, type SessionEvent } from '../../../engine/engine.ts';
import { errorRate, wordErrors } from '../../../engine/wer.ts';
import { SPEECH_TEXT, SPEECH_WAV } from '../../fixtures/make-acoustic-golden.ts';

const present = existsSync(join(DEFAULT_MODEL_DIR, 'model.json'));
const status = present ? String((JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, 'model.json'), 'utf8')) as { status?: unknown }).status ?? '') : '';
const untrained = /^(placeholder|interim)/.test(status);
const skip = present ? false : `${DEFAULT_MODEL_DIR} is not there yet`;
const skipTranscript = skip || (untrained ? `the model card says "${status}": its transcripts are not yet meaningful` : false);

const DIGITS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
let eng: Engine | undefined;
after(async () => eng?.close());
const engine = async () => (eng ??= await Engine.create({ defaultGrammar: 'digits' }));
const wav = new Uint8Array(readFileSync(SPEECH_WAV));

test('the real model and the digits grammar run end to end on recorded speech', { skip }, async () => {
  const e = await engine();
  assert.equal(e.model.name, 'ds2-stream-en');
  const r = await e.transcribe(wav, { grammar: 'digits' });
  assert.ok(Math.abs(r.durationSec - 56136 / 16000) < 1e-9);
  assert.equal(r.grammar, 'digits');
  for (const w of r.words) {
    assert.ok(DIGITS.includes(w.word), w.word);
    assert.ok(w.start >= 0 && w.start < w.end && w.end <= r.durationSec + 0.02, JSON.stringify(w));
    assert.ok(w.confidence >= 0 && w.confidence <= 1);
  }
  assert.ok(r.rtf > 0 && r.rtf < 5);
});

test('streaming the recording in 100 ms packets gives the whole-file transcript', { skip }, async () => {
  const e = await engine();
  const whole = await e.transcribe(wav, { grammar: 'digits', endpoint: false });
  const events: SessionEvent[] = [];
  const s = await e.createSession({ grammar: 'digits', endpoint: false }, (ev) => events.push(ev));
  const pcm = wav.subarray(44);
  for (let i = 0; i < pcm.length; i += 3200) s.acceptAudio(pcm.subarray(i, i + 3200));
  await s.end();
  const f = events.filter((x): x is FinalEvent => x.type === 'final');
  assert.equal(f.map((x) => x.text).join(' '), whole.text);
});

test(`the recording reads "${SPEECH_TEXT}" with the digits grammar, within one word`, { skip: skipTranscript }, async () => {
  // The trained model (status "trained", 2026-11-27) hears the last word weakly (greedy CTC: "sven sre ai"), so the
  // best path drops it: at most one word error is allowed, and the reference must be in the 5-best list.
  const e = await engine();
  const r = await e.transcribe(wav, { grammar: 'digits', alternatives: 5, endpoint: false });
  const ref = SPEECH_TEXT.split(' ');
  assert.deepEqual(r.words.map((w) => w.word).slice(0, 2), ref.slice(0, 2));
  assert.ok(errorRate(wordErrors(SPEECH_TEXT, r.text)) <= 1 / 3 + 1e-9, `"${r.text}"`);
  assert.ok(r.segments[0].alternatives?.some((a) => a.text === SPEECH_TEXT), JSON.stringify(r.segments[0].alternatives));
});
