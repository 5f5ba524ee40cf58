// Raw PCM: one-shot and streaming decoding of every declared encoding, with coded errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioError, type AudioErrorCode } from '../../../audio/errors.ts';
import { RawPcmDecoder, decodeRawPcm, type RawPcmEncoding } from '../../../audio/pcm.ts';
import { Rng } from '../../support/random.ts';

function expectCode(f: () => unknown, code: AudioErrorCode): void {
  assert.throws(f, (e: unknown) => e instanceof AudioError && e.code === code);
}

function s16le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setInt16(2 * i, v, true));
  return b;
}

test('s16le and f32le decode with a stated rate', () => {
  const a = decodeRawPcm(s16le([0, 16384, -32768, 32767]), { encoding: 's16le', sampleRate: 8000 });
  assert.equal(a.sampleRate, 8000);
  assert.deepEqual([...a.samples], [0, 0.5, -1, Math.fround(32767 / 32768)]);
  const f = new Float32Array([0.1, -0.2, 3]);
  const b = decodeRawPcm(new Uint8Array(f.buffer), { encoding: 'f32le', sampleRate: 48000 });
  assert.deepEqual([...b.samples], [...f]);
  assert.equal(b.encoding, 'f32');
});

test('every raw encoding decodes a known value, and stereo is averaged', () => {
  const cases: Array<[RawPcmEncoding, number[], number]> = [
    ['u8', [192], 0.5],
    ['s16be', [0x40, 0x00], 0.5],
    ['s24le', [0x00, 0x00, 0xc0], -0.5],
    ['s32le', [0x00, 0x00, 0x00, 0x40], 0.5],
    ['f64le', [...new Uint8Array(Float64Array.of(-0.25).buffer)], -0.25],
    ['mulaw', [0x80], 32124 / 32768],
    ['alaw', [0xaa], 32256 / 32768],
  ];
  for (const [encoding, bytes, want] of cases) {
    const got = decodeRawPcm(Uint8Array.from(bytes), { encoding, sampleRate: 16000 }).samples;
    assert.equal(got.length, 1, encoding);
    assert.equal(got[0], Math.fround(want), encoding);
  }
  const st = decodeRawPcm(s16le([100, 300, -100, 100]), { encoding: 's16le', sampleRate: 16000, channels: 2 });
  assert.deepEqual([...st.samples], [Math.fround(200 / 32768), 0]);
});

test('bad declarations and misaligned lengths are coded errors', () => {
  expectCode(() => decodeRawPcm(new Uint8Array(3), { encoding: 's16le', sampleRate: 16000 }), 'AUDIO_MISALIGNED');
  expectCode(() => decodeRawPcm(new Uint8Array(6), { encoding: 'f32le', sampleRate: 16000 }), 'AUDIO_MISALIGNED');
  expectCode(() => decodeRawPcm(new Uint8Array(6), { encoding: 's16le', sampleRate: 16000, channels: 2 }), 'AUDIO_MISALIGNED');
  expectCode(() => decodeRawPcm(new Uint8Array(4), { encoding: 'mp3' as RawPcmEncoding, sampleRate: 16000 }), 'AUDIO_UNSUPPORTED_FORMAT');
  expectCode(() => decodeRawPcm(new Uint8Array(4), { encoding: 'toString' as RawPcmEncoding, sampleRate: 16000 }), 'AUDIO_UNSUPPORTED_FORMAT');
  expectCode(() => decodeRawPcm(new Uint8Array(4), { encoding: 's16le', sampleRate: 16000.5 }), 'AUDIO_BAD_RATE');
  expectCode(() => decodeRawPcm(new Uint8Array(4), { encoding: 's16le', sampleRate: 0 }), 'AUDIO_BAD_RATE');
  expectCode(() => decodeRawPcm(new Uint8Array(4), { encoding: 's16le', sampleRate: 16000, channels: 0 }), 'AUDIO_OPTION');
  expectCode(
    () => decodeRawPcm(new Uint8Array(4), { encoding: 's16le', sampleRate: 16000, rate: 1 } as unknown as { encoding: 's16le'; sampleRate: number }),
    'AUDIO_OPTION',
  );
});

test('streaming decoder: byte chunks split anywhere equal one-shot decoding', () => {
  const rng = new Rng(7);
  for (const [encoding, channels] of [['s16le', 2], ['f32le', 1], ['s24le', 3], ['u8', 1]] as Array<[RawPcmEncoding, number]>) {
    const bytes = new Uint8Array(72 * 20).map(() => rng.int(0, 255));
    if (encoding === 'f32le') {
      // Keep the floats finite.
      const f = new Float32Array(bytes.buffer);
      for (let i = 0; i < f.length; i++) f[i] = rng.next() * 2 - 1;
    }
    const whole = decodeRawPcm(bytes, { encoding, sampleRate: 16000, channels }).samples;
    for (let trial = 0; trial < 20; trial++) {
      const dec = new RawPcmDecoder({ encoding, sampleRate: 16000, channels });
      const got: number[] = [];
      let p = 0;
      while (p < bytes.length) {
        const n = rng.int(0, 13);
        got.push(...dec.push(bytes.subarray(p, Math.min(bytes.length, p + n))));
        p += n;
      }
      dec.end();
      assert.deepEqual(got, [...whole], `${encoding} trial ${trial}`);
      assert.equal(dec.framesDecoded, whole.length);
    }
  }
});

test('streaming decoder: a stray partial frame at end → AUDIO_MISALIGNED; push after end → AUDIO_ENDED; reset', () => {
  const dec = new RawPcmDecoder({ encoding: 's16le', sampleRate: 16000 });
  assert.deepEqual([...dec.push(Uint8Array.of(0, 0x40, 0))], [0.5]);
  expectCode(() => dec.end(), 'AUDIO_MISALIGNED');
  expectCode(() => dec.push(Uint8Array.of(0)), 'AUDIO_ENDED');
  dec.reset();
  assert.deepEqual([...dec.push(Uint8Array.of(0, 0xc0))], [-0.5]);
  dec.end();
});
