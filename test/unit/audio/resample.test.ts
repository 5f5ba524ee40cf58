// Resampler: pass-band level, alias rejection, time alignment, streaming == one-shot, and the plain reference twin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioError, type AudioErrorCode } from '../../../audio/errors.ts';
import { DEFAULT_RESAMPLER_OPTIONS, Resampler, resample, resampleReference } from '../../../audio/resample.ts';
import { Rng } from '../../support/random.ts';

const OUT = 16000;

function tone(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/**
 * Least-squares fit of a sinusoid at exactly `freq` over y[skip … len−skip): amplitude, and the RMS of what the
 * fit leaves (anything at another frequency — a wrong pitch, aliases, images, noise), both linear.
 */
function fit(y: Float32Array, freq: number, rate: number, skip: number): { amp: number; residualRms: number } {
  let ss = 0, sc = 0, cc = 0, ys = 0, yc = 0;
  for (let i = skip; i < y.length - skip; i++) {
    const s = Math.sin((2 * Math.PI * freq * i) / rate);
    const c = Math.cos((2 * Math.PI * freq * i) / rate);
    ss += s * s; sc += s * c; cc += c * c; ys += y[i] * s; yc += y[i] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let r = 0;
  let n = 0;
  for (let i = skip; i < y.length - skip; i++) {
    const e = y[i] - a * Math.sin((2 * Math.PI * freq * i) / rate) - b * Math.cos((2 * Math.PI * freq * i) / rate);
    r += e * e;
    n++;
  }
  return { amp: Math.hypot(a, b), residualRms: Math.sqrt(r / n) };
}

const db = (x: number): number => 20 * Math.log10(x);

function expectCode(f: () => unknown, code: AudioErrorCode): void {
  assert.throws(f, (e: unknown) => e instanceof AudioError && e.code === code);
}

test('1 kHz at 44.1 kHz → 16 kHz keeps frequency and amplitude (within 0.1 dB)', () => {
  const y = resample(tone(1000, 44100, 0.5), 44100, OUT);
  assert.equal(y.length, 8000);
  const { amp, residualRms } = fit(y, 1000, OUT, 400);
  assert.ok(Math.abs(db(amp / 0.5)) < 0.1, `level ${db(amp / 0.5)} dB`);
  // Anything left after removing an exact 1 kHz sinusoid is > 60 dB down: the pitch did not move.
  assert.ok(db(residualRms / (0.5 / Math.SQRT2)) < -60, `residual ${db(residualRms / (0.5 / Math.SQRT2))} dB`);
});

test('a 7.5 kHz tone is passed at 44.1, 48 and 22.05 kHz input', () => {
  for (const rate of [44100, 48000, 22050]) {
    const { amp, residualRms } = fit(resample(tone(7500, rate, 0.3), rate, OUT), 7500, OUT, 400);
    assert.ok(Math.abs(db(amp / 0.5)) < 0.1, `${rate}: level ${db(amp / 0.5)} dB`);
    assert.ok(db(residualRms / 0.35) < -60, `${rate}: residual ${db(residualRms / 0.35)} dB`);
  }
});

test('a 10 kHz tone at 48 kHz is attenuated by more than 60 dB (no alias at 6 kHz)', () => {
  const y = resample(tone(10000, 48000, 0.5), 48000, OUT);
  let e = 0;
  let n = 0;
  for (let i = 400; i < y.length - 400; i++, n++) e += y[i] * y[i];
  const level = db(Math.sqrt(e / n) / (0.5 / Math.SQRT2));
  assert.ok(level < -60, `alias level ${level} dB`);
  // Same for tones just above the output Nyquist frequency from 44.1 kHz.
  for (const f of [8200, 9000, 15000]) {
    const z = resample(tone(f, 44100, 0.3), 44100, OUT);
    let ez = 0;
    for (let i = 400; i < z.length - 400; i++) ez += z[i] * z[i];
    assert.ok(db(Math.sqrt(ez / (z.length - 800)) / 0.35) < -60, `${f} Hz`);
  }
});

test('every common rate (and odd ones) keeps a 1 kHz tone and gives ceil(N·16000 / rate) samples', () => {
  for (const rate of [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 96000, 7999, 44101]) {
    const x = tone(1000, rate, 0.25);
    const y = resample(x, rate, OUT);
    assert.equal(y.length, Math.ceil((x.length * OUT) / rate), `${rate}`);
    const { amp, residualRms } = fit(y, 1000, OUT, 300);
    assert.ok(Math.abs(db(amp / 0.5)) < 0.1, `${rate}: level ${db(amp / 0.5)} dB`);
    assert.ok(db(residualRms / 0.35) < -60, `${rate}: residual ${db(residualRms / 0.35)} dB`);
  }
  assert.equal(new Resampler(44101, OUT).interpolated, true);
  assert.equal(new Resampler(44100, OUT).interpolated, false);
});

test('up-sampling 8 → 16 kHz leaves no image above 4 kHz', () => {
  const { amp, residualRms } = fit(resample(tone(3000, 8000, 0.5), 8000, OUT), 3000, OUT, 300);
  assert.ok(Math.abs(db(amp / 0.5)) < 0.1);
  assert.ok(db(residualRms / 0.35) < -60, `image ${db(residualRms / 0.35)} dB`);
});

test('zero phase: an impulse lands at the same time, DC gain is 1', () => {
  const x = new Float32Array(4800);
  x[2400] = 1;
  const y = resample(x, 48000, OUT);
  let best = 0;
  for (let i = 0; i < y.length; i++) if (Math.abs(y[i]) > Math.abs(y[best])) best = i;
  assert.equal(best, 800);
  const dc = resample(new Float32Array(22050).fill(0.5), 22050, OUT);
  for (let i = 2000; i < 14000; i++) assert.ok(Math.abs(dc[i] - 0.5) < 1e-4);
});

test('streaming equals one-shot exactly for any chunking, including empty and 1-sample chunks', () => {
  const rng = new Rng(11);
  const x = new Float32Array(12000).map(() => rng.next() * 2 - 1);
  for (const rate of [44100, 48000, 8000, 11025, 44101, 16000]) {
    const whole = resample(x, rate, OUT);
    for (let trial = 0; trial < 4; trial++) {
      const r = new Resampler(rate, OUT);
      const parts: number[] = [];
      let p = 0;
      while (p < x.length) {
        const n = trial === 0 ? 1 : rng.int(0, trial === 1 ? 7 : 3000);
        parts.push(...r.process(x.subarray(p, Math.min(x.length, p + n))));
        p += n;
      }
      parts.push(...r.flush());
      assert.equal(parts.length, whole.length, `${rate} trial ${trial}`);
      for (let i = 0; i < whole.length; i++) assert.ok(parts[i] === whole[i], `${rate} trial ${trial} sample ${i}`);
      assert.equal(r.samplesOut, whole.length);
    }
  }
});

test('the polyphase resampler matches its plain reference (table + streaming vs direct kernel evaluation)', () => {
  const rng = new Rng(5);
  for (const [rate, tol] of [[44100, 1e-6], [48000, 1e-6], [8000, 1e-6], [11025, 1e-6], [44101, 1e-5]] as const) {
    const x = new Float32Array(Math.round(rate * 0.03)).map(() => rng.next() * 2 - 1);
    const fast = resample(x, rate, OUT);
    const ref = resampleReference(x, rate, OUT);
    assert.equal(fast.length, ref.length);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(fast[i] - ref[i]));
    assert.ok(worst < tol, `${rate}: max |Δ| ${worst}`);
  }
});

test('same rate in and out is a copy; reset starts a new stream; options and rates are checked', () => {
  const x = Float32Array.of(0.1, 0.2, 0.3);
  const y = resample(x, OUT, OUT);
  assert.deepEqual([...y], [...x]);
  assert.notEqual(y, x);
  const r = new Resampler(48000, OUT);
  const a = [...r.process(tone(440, 48000, 0.1)), ...r.flush()];
  expectCode(() => r.process(x), 'AUDIO_ENDED');
  r.reset();
  const b = [...r.process(tone(440, 48000, 0.1)), ...r.flush()];
  assert.deepEqual(a, b);
  expectCode(() => new Resampler(0, OUT), 'AUDIO_BAD_RATE');
  expectCode(() => new Resampler(44100.5, OUT), 'AUDIO_BAD_RATE');
  expectCode(() => new Resampler(44100, OUT, { quality: 3 } as object), 'AUDIO_OPTION');
  expectCode(() => new Resampler(44100, OUT, { passbandFraction: 1.2 }), 'AUDIO_OPTION');
  expectCode(() => new Resampler(44100, OUT, { maxPhases: 0 }), 'AUDIO_OPTION');
  assert.equal(DEFAULT_RESAMPLER_OPTIONS.stopbandAttenuationDb, 80);
});
