// Audio to model rate: WAV or raw uploads, and streaming raw PCM, resampled to 16 kHz.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudio, PcmInputStream } from '../../../audio/decode.ts';
import { AudioError } from '../../../audio/errors.ts';
import { decodeRawPcm } from '../../../audio/pcm.ts';
import { resample } from '../../../audio/resample.ts';
import { buildWav } from '../../fixtures/wav-builder.ts';
import { Rng } from '../../support/random.ts';

function s16(n: number, seed: number): { values: number[]; bytes: Uint8Array } {
  const rng = new Rng(seed);
  const values = Array.from({ length: n }, () => rng.int(-20000, 20000));
  const bytes = new Uint8Array(2 * n);
  const dv = new DataView(bytes.buffer);
  values.forEach((v, i) => dv.setInt16(2 * i, v, true));
  return { values, bytes };
}

test('a 44.1 kHz stereo WAV comes out mono at 16 kHz', () => {
  const { values } = s16(4410 * 2, 1);
  const wav = buildWav({ formatTag: 1, channels: 2, sampleRate: 44100, bitsPerSample: 16, values });
  const a = decodeAudio(wav, { sampleRate: 16000 });
  assert.equal(a.sourceSampleRate, 44100);
  assert.equal(a.sampleRate, 16000);
  assert.equal(a.channels, 2);
  assert.equal(a.samples.length, 1600);
  const mono = new Float32Array(4410).map((_, i) => Math.fround((values[2 * i] + values[2 * i + 1]) / 2 / 32768));
  assert.deepEqual(a.samples, resample(mono, 44100, 16000));
});

test('raw bytes need a declared format; a WAV header wins over it; 16 kHz input is not resampled', () => {
  const { bytes } = s16(800, 2);
  assert.throws(() => decodeAudio(bytes, { sampleRate: 16000 }), (e: unknown) => e instanceof AudioError && e.code === 'AUDIO_MALFORMED');
  const raw = decodeAudio(bytes, { sampleRate: 16000, raw: { encoding: 's16le', sampleRate: 16000 } });
  assert.deepEqual(raw.samples, decodeRawPcm(bytes, { encoding: 's16le', sampleRate: 16000 }).samples);
  const wav = buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, values: [1, 2, 3, 4] });
  assert.equal(decodeAudio(wav, { sampleRate: 16000, raw: { encoding: 'f32le', sampleRate: 48000 } }).sourceSampleRate, 8000);
});

test('streaming raw PCM in odd byte chunks equals the one-shot decode', () => {
  const rng = new Rng(3);
  const { bytes } = s16(48000 / 4, 4);
  const whole = decodeAudio(bytes, { sampleRate: 16000, raw: { encoding: 's16le', sampleRate: 48000 } }).samples;
  const s = new PcmInputStream({ encoding: 's16le', sampleRate: 48000 }, 16000);
  const got: number[] = [];
  for (let p = 0; p < bytes.length; ) {
    const n = rng.int(0, 999);
    got.push(...s.push(bytes.subarray(p, p + n)));
    p += n;
  }
  got.push(...s.end());
  assert.deepEqual(Float32Array.from(got), whole);
  s.reset();
  assert.throws(
    () => {
      s.push(bytes.subarray(0, 3));
      s.end();
    },
    (e: unknown) => e instanceof AudioError && e.code === 'AUDIO_MISALIGNED',
  );
});
