// WAV parsing: every container, sample format and chunk layout, and coded errors for broken files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioError, type AudioErrorCode } from '../../../audio/errors.ts';
import { alawToLinear, mulawToLinear } from '../../../audio/pcm.ts';
import { looksLikeWav, parseWav } from '../../../audio/wav.ts';
import { buildWav, type WavSpec } from '../../fixtures/wav-builder.ts';
import { Rng } from '../../support/random.ts';

const pcm16 = (values: number[], extra: Partial<WavSpec> = {}): WavSpec => ({
  formatTag: 1,
  channels: 1,
  sampleRate: 16000,
  bitsPerSample: 16,
  values,
  ...extra,
});

function expectCode(f: () => unknown, code: AudioErrorCode): AudioError {
  let caught: unknown;
  assert.throws(f, (e: unknown) => {
    caught = e;
    return e instanceof AudioError && e.code === code;
  });
  return caught as AudioError;
}

function close(actual: Float32Array, expected: number[], tol = 0): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = Math.fround(expected[i]);
    assert.ok(Math.abs(actual[i] - want) <= tol, `sample ${i}: ${actual[i]} vs ${want}`);
  }
}

test('16-bit PCM mono decodes to value / 32768', () => {
  const w = parseWav(buildWav(pcm16([0, 1, -1, 32767, -32768, 16384])));
  assert.equal(w.sampleRate, 16000);
  assert.equal(w.channels, 1);
  assert.equal(w.container, 'RIFF');
  assert.equal(w.encoding, 's16');
  close(w.samples, [0, 1 / 32768, -1 / 32768, 32767 / 32768, -1, 0.5]);
});

test('8-bit unsigned PCM, odd data size with pad byte, and a chunk after data', () => {
  const bytes = buildWav({
    formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8, values: [0, 128, 255],
    after: [['LIST', new Uint8Array([0x49, 0x4e, 0x46, 0x4f])]],
  });
  const w = parseWav(bytes);
  assert.equal(w.encoding, 'u8');
  close(w.samples, [-1, 0, 127 / 128]);
});

test('24-bit and 32-bit integer PCM use the full signed range', () => {
  const w24 = parseWav(buildWav({ formatTag: 1, channels: 1, sampleRate: 48000, bitsPerSample: 24, values: [8388607, -8388608, 1, -1, 0] }));
  close(w24.samples, [8388607 / 8388608, -1, 1 / 8388608, -1 / 8388608, 0]);
  const w32 = parseWav(buildWav({ formatTag: 1, channels: 1, sampleRate: 48000, bitsPerSample: 32, values: [2147483647, -2147483648, 65536] }));
  close(w32.samples, [2147483647 / 2147483648, -1, 65536 / 2147483648]);
});

test('32- and 64-bit IEEE float pass values through unclipped', () => {
  const f32 = parseWav(buildWav({ formatTag: 3, channels: 1, sampleRate: 22050, bitsPerSample: 32, values: [0.25, -1.5, 1e-3] }));
  assert.equal(f32.encoding, 'f32');
  close(f32.samples, [0.25, -1.5, Math.fround(1e-3)]);
  const f64 = parseWav(buildWav({ formatTag: 3, channels: 1, sampleRate: 22050, bitsPerSample: 64, values: [0.125, -0.75] }));
  assert.equal(f64.encoding, 'f64');
  close(f64.samples, [0.125, -0.75]);
});

test('G.711 A-law and µ-law decode with the ITU tables', () => {
  // µ-law: 0xFF and 0x7F are ±0, 0x80 / 0x00 are ±32124; A-law: 0xD5 → +8, 0x55 → −8, 0xAA → +32256.
  assert.equal(mulawToLinear(0xff), 0);
  assert.equal(mulawToLinear(0x80), 32124 / 32768);
  assert.equal(mulawToLinear(0x00), -32124 / 32768);
  assert.equal(alawToLinear(0xd5), 8 / 32768);
  assert.equal(alawToLinear(0x55), -8 / 32768);
  assert.equal(alawToLinear(0xaa), 32256 / 32768);
  assert.equal(alawToLinear(0x2a), -32256 / 32768);
  const mu = parseWav(buildWav({ formatTag: 7, channels: 1, sampleRate: 8000, bitsPerSample: 8, values: [0xff, 0x80, 0x00] }));
  assert.equal(mu.encoding, 'mulaw');
  close(mu.samples, [0, 32124 / 32768, -32124 / 32768]);
  const al = parseWav(buildWav({ formatTag: 6, channels: 1, sampleRate: 8000, bitsPerSample: 8, values: [0xd5, 0xaa] }));
  close(al.samples, [8 / 32768, 32256 / 32768]);
  // Every µ-law code decodes to a value within full scale, and the table is odd-symmetric.
  for (let b = 0; b < 128; b++) assert.ok(mulawToLinear(b) === -mulawToLinear(b | 0x80), `µ-law byte ${b}`);
});

test('stereo and multichannel are averaged to mono', () => {
  const st = parseWav(buildWav(pcm16([1000, 3000, -2000, 2000, 32767, 32767], { channels: 2 })));
  assert.equal(st.channels, 2);
  close(st.samples, [2000 / 32768, 0, 32767 / 32768]);
  const six = parseWav(buildWav(pcm16([6, 6, 6, 6, 6, 12], { channels: 6 })));
  close(six.samples, [7 / 32768], 1e-9);
});

test('WAVE_FORMAT_EXTENSIBLE: PCM 24-in-32, float, stereo 16-bit', () => {
  const a = parseWav(buildWav({ formatTag: 0xfffe, subFormat: 1, channels: 1, sampleRate: 44100, bitsPerSample: 32, validBitsPerSample: 24, values: [0x7fffff00, -0x80000000] }));
  assert.equal(a.formatTag, 1);
  assert.equal(a.bitsPerSample, 32);
  assert.equal(a.validBitsPerSample, 24);
  close(a.samples, [0x7fffff00 / 2147483648, -1]);
  const f = parseWav(buildWav({ formatTag: 0xfffe, subFormat: 3, channels: 1, sampleRate: 44100, bitsPerSample: 32, values: [0.5] }));
  assert.equal(f.encoding, 'f32');
  close(f.samples, [0.5]);
  const s = parseWav(buildWav({ formatTag: 0xfffe, subFormat: 1, channels: 2, sampleRate: 48000, bitsPerSample: 16, values: [100, 300] }));
  close(s.samples, [200 / 32768]);
});

test('RIFX (big-endian) 16- and 24-bit, and EXTENSIBLE in RIFX', () => {
  const a = parseWav(buildWav(pcm16([1, -2, 32767], { container: 'RIFX' })));
  assert.equal(a.container, 'RIFX');
  close(a.samples, [1 / 32768, -2 / 32768, 32767 / 32768]);
  const b = parseWav(buildWav({ container: 'RIFX', formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 24, values: [-8388608, 5] }));
  close(b.samples, [-1, 5 / 8388608]);
  const c = parseWav(buildWav({ container: 'RIFX', formatTag: 0xfffe, subFormat: 3, channels: 1, sampleRate: 16000, bitsPerSample: 32, values: [0.75] }));
  close(c.samples, [0.75]);
});

test('RF64 takes the data size from ds64', () => {
  const w = parseWav(buildWav(pcm16([10, 20, 30], { container: 'RF64', after: [['LIST', new Uint8Array(4)]] })));
  assert.equal(w.container, 'RF64');
  close(w.samples, [10 / 32768, 20 / 32768, 30 / 32768]);
});

test('a data size of 0 or 0xFFFFFFFF (streamed WAV) means until end of file', () => {
  for (const dataSizeField of [0, 0xffffffff]) {
    const w = parseWav(buildWav(pcm16([1, 2, 3, 4], { dataSizeField })));
    assert.equal(w.dataUntilEof, true);
    close(w.samples, [1, 2, 3, 4].map((v) => v / 32768));
  }
});

test('chunks in any order: LIST and odd-sized chunks before fmt, fact between, data before fmt', () => {
  const odd = new Uint8Array([1, 2, 3]);
  const w = parseWav(buildWav(pcm16([7, 8], { before: [['LIST', odd], ['JUNK', new Uint8Array(5)]], between: [['fact', new Uint8Array(4)]] })));
  close(w.samples, [7 / 32768, 8 / 32768]);
  const d = parseWav(buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8, values: [1, 2, 3], dataFirst: true }));
  close(d.samples, [1, 2, 3].map((v) => (v - 128) / 128));
});

test('the RIFF size field is not trusted, and bytes after the data chunk are ignored', () => {
  const bytes = buildWav(pcm16([5, 6]));
  new DataView(bytes.buffer).setUint32(4, 3, true);
  close(parseWav(bytes).samples, [5 / 32768, 6 / 32768]);
  const withJunk = new Uint8Array(bytes.length + 7);
  withJunk.set(bytes);
  withJunk.set([0xde, 0xad, 0xbe, 0xef, 0, 1, 2], bytes.length);
  close(parseWav(withJunk).samples, [5 / 32768, 6 / 32768]);
});

test('a view into a larger buffer at an odd offset parses the same', () => {
  const bytes = buildWav(pcm16([1, -1, 300]));
  const big = new Uint8Array(bytes.length + 3);
  big.set(bytes, 1);
  close(parseWav(big.subarray(1, 1 + bytes.length)).samples, [1 / 32768, -1 / 32768, 300 / 32768]);
});

test('an empty data chunk gives zero samples', () => {
  assert.equal(parseWav(buildWav(pcm16([]))).samples.length, 0);
});

test('truncated files → AUDIO_TRUNCATED with the chunk and sizes', () => {
  const full = buildWav(pcm16([1, 2, 3, 4, 5, 6, 7, 8]));
  expectCode(() => parseWav(full.subarray(0, 8)), 'AUDIO_TRUNCATED');
  // Cut inside the data chunk: declared 16 bytes, fewer present.
  const e = expectCode(() => parseWav(full.subarray(0, full.length - 4)), 'AUDIO_TRUNCATED');
  assert.equal(e.details.chunk, 'data');
  assert.equal(e.details.declared, 16);
  assert.equal(e.details.available, 12);
  // Cut inside the fmt chunk, and inside the data chunk header.
  assert.equal(expectCode(() => parseWav(full.subarray(0, 30)), 'AUDIO_TRUNCATED').details.chunk, 'fmt ');
  expectCode(() => parseWav(full.subarray(0, 40)), 'AUDIO_TRUNCATED');
});

test('wrong chunk sizes and fields → AUDIO_MALFORMED / AUDIO_MISALIGNED', () => {
  // fmt chunk too short.
  assert.equal(expectCode(() => parseWav(buildWav(pcm16([1], { fmtSize: 14 }))), 'AUDIO_MALFORMED').details.reason, 'fmt too short');
  // fmt size larger than its body: the parser lands inside the data chunk header and finds a non-ASCII chunk id.
  const b = buildWav(pcm16([1, 2], { fmtSize: 18 }));
  assert.equal(expectCode(() => parseWav(b), 'AUDIO_MALFORMED').details.reason, 'bad chunk id');
  // Block align disagreeing with channels × bytes.
  expectCode(() => parseWav(buildWav(pcm16([1, 2], { blockAlign: 4 }))), 'AUDIO_MALFORMED');
  // Data not a whole number of frames (3 bytes of 16-bit audio; stereo 16-bit with 6 bytes).
  const odd = buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8, values: [1, 2, 3] });
  const dv = new DataView(odd.buffer);
  dv.setUint16(20 + 2 + 10, 2, true); // blockAlign 2
  dv.setUint16(20 + 2 + 12, 16, true); // 16 bits
  const e = expectCode(() => parseWav(odd), 'AUDIO_MISALIGNED');
  assert.equal(e.details.byteLength, 3);
  assert.equal(e.details.frameBytes, 2);
  expectCode(() => parseWav(buildWav(pcm16([1, 2, 3], { channels: 2, dataSizeField: 0 }))), 'AUDIO_MISALIGNED');
  // No channels; no fmt; no data.
  expectCode(() => parseWav(buildWav(pcm16([1], { channels: 0, blockAlign: 0 }))), 'AUDIO_MALFORMED');
  const noFmt = new Uint8Array([...new TextEncoder().encode('RIFF'), 0, 0, 0, 0, ...new TextEncoder().encode('WAVEdata'), 2, 0, 0, 0, 1, 0]);
  assert.equal(expectCode(() => parseWav(noFmt), 'AUDIO_MALFORMED').details.reason, 'no fmt chunk');
  const full = buildWav(pcm16([1]));
  assert.equal(expectCode(() => parseWav(full.subarray(0, 36)), 'AUDIO_MALFORMED').details.reason, 'no data chunk');
});

test('garbage and other RIFF forms are rejected with codes', () => {
  expectCode(() => parseWav(new Uint8Array(0)), 'AUDIO_MALFORMED');
  expectCode(() => parseWav(new TextEncoder().encode('ID3\u0003 not a wav file at all')), 'AUDIO_MALFORMED');
  const avi = buildWav(pcm16([1]));
  avi.set(new TextEncoder().encode('AVI '), 8);
  expectCode(() => parseWav(avi), 'AUDIO_UNSUPPORTED_FORMAT');
  const badId = buildWav(pcm16([1], { before: [['LIST', new Uint8Array(2)]] }));
  badId[12] = 0x01;
  assert.equal(expectCode(() => parseWav(badId), 'AUDIO_MALFORMED').details.offset, 12);
  assert.equal(looksLikeWav(buildWav(pcm16([1]))), true);
  assert.equal(looksLikeWav(new Uint8Array(64)), false);
});

test('unsupported encodings and channel counts → AUDIO_UNSUPPORTED_FORMAT', () => {
  const cases: WavSpec[] = [
    { formatTag: 2, channels: 1, sampleRate: 8000, bitsPerSample: 4, values: [] }, // MS ADPCM
    { formatTag: 0x55, channels: 1, sampleRate: 8000, bitsPerSample: 16, values: [] }, // MP3
    { formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 12, values: [], blockAlign: 2 },
    { formatTag: 3, channels: 1, sampleRate: 8000, bitsPerSample: 16, values: [], blockAlign: 2 },
    { formatTag: 7, channels: 1, sampleRate: 8000, bitsPerSample: 16, values: [], blockAlign: 2 },
    { formatTag: 1, channels: 9, sampleRate: 8000, bitsPerSample: 16, values: [] },
    { formatTag: 0xfffe, subFormat: 2, channels: 1, sampleRate: 8000, bitsPerSample: 16, values: [] },
  ];
  for (const c of cases) {
    const e = expectCode(() => parseWav(buildWav(c)), 'AUDIO_UNSUPPORTED_FORMAT');
    assert.equal(typeof e.details.formatTag, 'number');
  }
  const weirdGuid = buildWav({ formatTag: 0xfffe, subFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, values: [1] });
  weirdGuid[20 + 24 + 15] ^= 0xff;
  expectCode(() => parseWav(weirdGuid), 'AUDIO_UNSUPPORTED_FORMAT');
  expectCode(
    () => parseWav(buildWav({ formatTag: 0xfffe, subFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, validBitsPerSample: 24, values: [1] })),
    'AUDIO_MALFORMED',
  );
});

test('impossible sample rates → AUDIO_BAD_RATE', () => {
  for (const sampleRate of [0, 500, 1_000_000]) {
    const e = expectCode(() => parseWav(buildWav(pcm16([1], { sampleRate }))), 'AUDIO_BAD_RATE');
    assert.equal(e.details.sampleRate, sampleRate);
  }
});

test('random garbage and random corruptions of valid files only ever throw AudioError', () => {
  const rng = new Rng(20261127);
  const valid = [
    buildWav(pcm16([1, 2, 3, 4, 5, 6], { before: [['LIST', new Uint8Array(3)]] })),
    buildWav({ formatTag: 0xfffe, subFormat: 3, channels: 2, sampleRate: 44100, bitsPerSample: 32, values: [0.1, 0.2, 0.3, 0.4] }),
    buildWav({ container: 'RF64', formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 24, values: [1, 2] }),
  ];
  for (let iter = 0; iter < 3000; iter++) {
    let bytes: Uint8Array;
    if (iter % 3 === 0) {
      bytes = new Uint8Array(rng.int(0, 80)).map(() => rng.int(0, 255));
      if (rng.bool()) bytes.set(new TextEncoder().encode('RIFF\0\0\0\0WAVE').subarray(0, Math.min(12, bytes.length)));
    } else {
      const src = rng.pick(valid);
      bytes = src.slice(0, rng.bool(0.3) ? rng.int(0, src.length) : src.length);
      for (let k = rng.int(1, 4); k > 0 && bytes.length > 0; k--) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
    }
    try {
      const w = parseWav(bytes);
      assert.ok(w.samples instanceof Float32Array);
    } catch (e) {
      assert.ok(e instanceof AudioError, `iteration ${iter}: ${String(e)}`);
    }
  }
});

test('agrees with sox on a 24-bit stereo 44.1 kHz file (skipped without sox)', (t) => {
  if (spawnSync('sox', ['--version']).status !== 0) {
    t.skip('sox is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wav-sox-'));
  try {
    const n = 441;
    const raw = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      raw[2 * i] = 0.5 * Math.sin(i / 7);
      raw[2 * i + 1] = 0.25 * Math.cos(i / 3);
    }
    writeFileSync(join(dir, 'in.f32'), new Uint8Array(raw.buffer));
    const r = spawnSync('sox', ['-t', 'raw', '-e', 'floating-point', '-b', '32', '-c', '2', '-r', '44100', join(dir, 'in.f32'),
      '-b', '24', '-e', 'signed-integer', join(dir, 'out.wav')]);
    assert.equal(r.status, 0, String(r.stderr));
    const w = parseWav(new Uint8Array(readFileSync(join(dir, 'out.wav'))));
    assert.equal(w.sampleRate, 44100);
    assert.equal(w.channels, 2);
    assert.equal(w.bitsPerSample, 24);
    assert.equal(w.samples.length, n);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(w.samples[i] - (raw[2 * i] + raw[2 * i + 1]) / 2) < 2e-7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
