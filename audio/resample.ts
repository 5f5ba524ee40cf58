// Band-limited sample-rate conversion: Kaiser-windowed-sinc polyphase filter, streaming or one-shot.

import { AudioError, checkAudioOptionKeys, checkSampleRate } from './errors.ts';

/** Resampler design settings. Every field: meaning, unit, trade-off, default. */
export interface ResamplerOptions {
  /**
   * Passband edge as a fraction of the lower Nyquist frequency min(inRate, outRate) / 2. Content below it keeps
   * its level within the ripple (≈ 10^(−A/20)). Higher → narrower transition band → longer filter, slower.
   * Default 0.94 (7.52 kHz when converting to 16 kHz).
   */
  passbandFraction: number;
  /**
   * Stopband edge, same unit. 1.0 means nothing above the lower Nyquist frequency aliases back into the band;
   * values above 1 allow aliasing into the transition band in exchange for a shorter filter. Default 1.0.
   */
  stopbandFraction: number;
  /**
   * Stopband attenuation of the Kaiser design, dB; it also sets the passband ripple. Higher → longer filter, slower.
   * Default 80 (below the noise floor of 16-bit audio after ASR front-ends; the filter is ~500 taps at 48 → 16 kHz).
   */
  stopbandAttenuationDb: number;
  /**
   * Most filter phases kept in the coefficient table. A rate pair whose reduced ratio L/M has L ≤ maxPhases is
   * exact; with more (e.g. 44 101 → 16 000 Hz) coefficients are interpolated linearly between neighbouring
   * phases. Higher → more memory (maxPhases × taps floats). Default 1024 (covers every common rate exactly).
   */
  maxPhases: number;
}

export const DEFAULT_RESAMPLER_OPTIONS: Readonly<ResamplerOptions> = Object.freeze({
  passbandFraction: 0.94,
  stopbandFraction: 1.0,
  stopbandAttenuationDb: 80,
  maxPhases: 1024,
});

const OPTION_KEYS = Object.keys(DEFAULT_RESAMPLER_OPTIONS);

function resolveOptions(opts: Partial<ResamplerOptions>): ResamplerOptions {
  checkAudioOptionKeys(opts, OPTION_KEYS, 'resampler');
  const o: ResamplerOptions = { ...DEFAULT_RESAMPLER_OPTIONS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  const bad = (option: string, value: unknown, why: string): AudioError =>
    new AudioError('AUDIO_OPTION', `resampler ${option} ${why}`, { option, value });
  if (!(o.passbandFraction > 0 && o.passbandFraction < 1)) throw bad('passbandFraction', o.passbandFraction, 'must be in (0, 1)');
  if (!(o.stopbandFraction > o.passbandFraction && o.stopbandFraction <= 2)) {
    throw bad('stopbandFraction', o.stopbandFraction, 'must be in (passbandFraction, 2]');
  }
  if (!(o.stopbandAttenuationDb >= 20 && o.stopbandAttenuationDb <= 200)) {
    throw bad('stopbandAttenuationDb', o.stopbandAttenuationDb, 'must be in [20, 200]');
  }
  if (!Number.isInteger(o.maxPhases) || o.maxPhases < 1 || o.maxPhases > 65536) {
    throw bad('maxPhases', o.maxPhases, 'must be an integer in [1, 65536]');
  }
  return o;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the β we use). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's β for a stopband attenuation of `a` dB. */
export function kaiserBeta(a: number): number {
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
  return 0;
}

/** The designed low-pass kernel, in input-sample time units. */
export interface ResamplerKernel {
  /** Cut-off (−6 dB point), cycles per input sample. */
  cutoff: number;
  /** The kernel is zero for |t| ≥ halfLength input samples. */
  halfLength: number;
  beta: number;
}

/** Designs the anti-aliasing / anti-imaging kernel for a rate pair. */
export function designKernel(inRate: number, outRate: number, o: ResamplerOptions): ResamplerKernel {
  const nyquist = Math.min(inRate, outRate) / 2;
  const pass = (o.passbandFraction * nyquist) / inRate;
  const stop = (o.stopbandFraction * nyquist) / inRate;
  // Kaiser's length estimate N = (A − 7.95) / (2.285 · Δω), Δω the transition width in rad/sample.
  const length = (o.stopbandAttenuationDb - 7.95) / (2.285 * 2 * Math.PI * (stop - pass));
  return { cutoff: (pass + stop) / 2, halfLength: Math.max(1, length / 2), beta: kaiserBeta(o.stopbandAttenuationDb) };
}

/** The kernel value at time t (input samples): 2fc·sinc(2fc·t)·kaiser(t / halfLength). Unity DC gain. */
export function kernelAt(k: ResamplerKernel, t: number, i0Beta = besselI0(k.beta)): number {
  const r = t / k.halfLength;
  if (r <= -1 || r >= 1) return 0;
  const x = 2 * k.cutoff * t;
  const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
  return 2 * k.cutoff * sinc * (besselI0(k.beta * Math.sqrt(1 - r * r)) / i0Beta);
}

/**
 * Streaming rational resampler. Output sample n sits at input time n·M/L (L/M = outRate/inRate reduced) and is
 * Σ_k x[k]·h(n·M/L − k) over the 2K input samples around it, with x = 0 before the first and after the last
 * input sample: zero-phase, so one-shot output is time-aligned with the input and has ceil(N·L/M) samples.
 *
 * `process(chunk)` returns every output whose window is complete (it withholds about K input samples of
 * look-ahead); `flush()` returns the rest. Outputs are bitwise independent of how the input was chunked.
 * Cost: 2K multiply-adds per output (K ≈ 250 at 48 → 16 kHz and 44.1 → 16 kHz with the defaults); memory
 * min(L, maxPhases)·2K floats for the table plus the input kept for the window. No allocation per sample; each
 * call allocates its returned array, and the history buffer grows only when a chunk is larger than any before.
 */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly options: Readonly<ResamplerOptions>;
  /** Up-sampling factor of the reduced ratio (outRate / gcd). */
  readonly L: number;
  /** Down-sampling factor of the reduced ratio (inRate / gcd). */
  readonly M: number;
  /** Half the taps: an output depends on inputs t−K+1 … t+K around its position t. */
  readonly K: number;
  /** Phases in the coefficient table; `interpolated` when fewer than L. */
  readonly phases: number;
  readonly interpolated: boolean;
  private readonly taps: number;
  private readonly coeffs: Float32Array;
  private buf: Float32Array;
  private bufLen = 0;
  /** Absolute input index of buf[0] (negative while the leading zeros are in view). */
  private bufStart: number;
  /** Absolute input index t and phase φ of the next output: its position is t + φ/L. */
  private t = 0;
  private phase = 0;
  private produced = 0;
  private received = 0;
  private ended = false;

  constructor(inRate: number, outRate: number, opts: Partial<ResamplerOptions> = {}) {
    this.inRate = checkSampleRate(inRate, 'input sample rate');
    this.outRate = checkSampleRate(outRate, 'output sample rate');
    this.options = Object.freeze(resolveOptions(opts));
    const g = gcd(inRate, outRate);
    this.L = outRate / g;
    this.M = inRate / g;
    if (this.L === this.M) {
      this.K = 0;
      this.taps = 0;
      this.phases = 0;
      this.interpolated = false;
      this.coeffs = new Float32Array(0);
    } else {
      const kernel = designKernel(inRate, outRate, this.options);
      this.K = Math.ceil(kernel.halfLength);
      this.taps = 2 * this.K;
      this.interpolated = this.L > this.options.maxPhases;
      this.phases = this.interpolated ? this.options.maxPhases : this.L;
      // Row p holds h(p/P + K − 1 − j) for j = 0 … 2K−1; the interpolated table has one more row (p = P).
      const rows = this.phases + (this.interpolated ? 1 : 0);
      this.coeffs = new Float32Array(rows * this.taps);
      const i0 = besselI0(kernel.beta);
      for (let p = 0; p < rows; p++) {
        for (let j = 0; j < this.taps; j++) {
          this.coeffs[p * this.taps + j] = kernelAt(kernel, p / this.phases + this.K - 1 - j, i0);
        }
      }
    }
    this.bufStart = -(this.K - 1);
    this.buf = new Float32Array(Math.max(1, 4 * this.K));
    this.bufLen = Math.max(0, this.K - 1);
  }

  /** Output samples produced so far. */
  get samplesOut(): number {
    return this.produced;
  }
  /** Input samples received so far. */
  get samplesIn(): number {
    return this.received;
  }

  /** Resamples a chunk; returns the outputs now computable (possibly none). */
  process(input: Float32Array): Float32Array {
    if (this.ended) throw new AudioError('AUDIO_ENDED', 'Resampler.process after flush(); reset() it first');
    this.received += input.length;
    if (this.L === this.M) {
      this.produced += input.length;
      return input.slice();
    }
    this.append(input, input.length);
    // Output n is ready when its last tap t_n + K is below the samples received: t_n < received − K.
    return this.run(this.received - this.K);
  }

  /** Ends the stream: returns the remaining outputs, computed with zeros after the last input sample. */
  flush(): Float32Array {
    if (this.ended) throw new AudioError('AUDIO_ENDED', 'Resampler.flush called twice; reset() it first');
    this.ended = true;
    if (this.L === this.M) return new Float32Array(0);
    this.append(null, this.K);
    return this.run(this.received);
  }

  /** Back to the initial state (same rates and table), ready for a new stream. */
  reset(): void {
    this.bufStart = -(this.K - 1);
    this.buf.fill(0, 0, Math.max(0, this.K - 1));
    this.bufLen = Math.max(0, this.K - 1);
    this.t = 0;
    this.phase = 0;
    this.produced = 0;
    this.received = 0;
    this.ended = false;
  }

  /** Appends `n` samples of `input`, or `n` zeros when input is null. */
  private append(input: Float32Array | null, n: number): void {
    if (this.bufLen + n > this.buf.length) {
      const grown = new Float32Array(Math.max(this.bufLen + n, 2 * this.buf.length));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    if (input === null) this.buf.fill(0, this.bufLen, this.bufLen + n);
    else this.buf.set(input, this.bufLen);
    this.bufLen += n;
  }

  /** Produces every output n with t_n < limit, then drops input no later output needs. */
  private run(limit: number): Float32Array {
    const { L, M, K, taps, coeffs, buf } = this;
    // #outputs with floor(n·M/L) < limit is ceil(limit·L/M); integers stay exact below 2^53.
    const end = limit <= 0 ? 0 : Math.ceil((limit * L) / M);
    const count = Math.max(0, end - this.produced);
    const out = new Float32Array(count);
    let t = this.t;
    let phase = this.phase;
    const base0 = 1 - K - this.bufStart;
    if (!this.interpolated) {
      for (let i = 0; i < count; i++) {
        const b = t + base0;
        const c = phase * taps;
        // Four partial sums let the multiply-adds overlap; the order is fixed, so chunking cannot change results.
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let j = 0;
        for (; j + 3 < taps; j += 4) {
          a0 += buf[b + j] * coeffs[c + j];
          a1 += buf[b + j + 1] * coeffs[c + j + 1];
          a2 += buf[b + j + 2] * coeffs[c + j + 2];
          a3 += buf[b + j + 3] * coeffs[c + j + 3];
        }
        for (; j < taps; j++) a0 += buf[b + j] * coeffs[c + j];
        out[i] = a0 + a1 + (a2 + a3);
        phase += M;
        if (phase >= L) {
          const q = Math.floor(phase / L);
          t += q;
          phase -= q * L;
        }
      }
    } else {
      const scale = this.phases / L;
      for (let i = 0; i < count; i++) {
        const b = t + base0;
        const pos = phase * scale;
        const p = Math.floor(pos);
        const a = pos - p;
        const c0 = p * taps;
        const c1 = c0 + taps;
        let acc0 = 0;
        let acc1 = 0;
        for (let j = 0; j < taps; j++) {
          const x = buf[b + j];
          acc0 += x * coeffs[c0 + j];
          acc1 += x * coeffs[c1 + j];
        }
        out[i] = acc0 + a * (acc1 - acc0);
        phase += M;
        if (phase >= L) {
          const q = Math.floor(phase / L);
          t += q;
          phase -= q * L;
        }
      }
    }
    this.t = t;
    this.phase = phase;
    this.produced += count;
    // Keep from the first tap of the next output on.
    const drop = Math.min(t - K + 1 - this.bufStart, this.bufLen);
    if (drop > 0) {
      const keep = Math.max(0, this.bufLen - drop);
      this.buf.copyWithin(0, drop, drop + keep);
      this.bufLen = keep;
      this.bufStart += drop;
    }
    return out;
  }
}

/** One-shot resampling of a whole signal: `process` then `flush` of a fresh Resampler. ceil(N·L/M) samples. */
export function resample(
  input: Float32Array,
  inRate: number,
  outRate: number,
  opts: Partial<ResamplerOptions> = {},
): Float32Array {
  const r = new Resampler(inRate, outRate, opts);
  const a = r.process(input);
  const b = r.flush();
  if (b.length === 0) return a;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Plain reference of `resample`: the same kernel evaluated directly at every tap in float64, no table, no
 * polyphase bookkeeping, no streaming. O(outputs × taps × Bessel). For differential tests only.
 */
export function resampleReference(
  input: Float32Array,
  inRate: number,
  outRate: number,
  opts: Partial<ResamplerOptions> = {},
): Float64Array {
  const o = resolveOptions(opts);
  checkSampleRate(inRate);
  checkSampleRate(outRate);
  const g = gcd(inRate, outRate);
  const L = outRate / g;
  const M = inRate / g;
  if (L === M) return Float64Array.from(input);
  const kernel = designKernel(inRate, outRate, o);
  const i0 = besselI0(kernel.beta);
  const n = Math.ceil((input.length * L) / M);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (i * M) / L;
    let acc = 0;
    for (let k = Math.ceil(x - kernel.halfLength); k <= Math.floor(x + kernel.halfLength); k++) {
      if (k >= 0 && k < input.length) acc += input[k] * kernelAt(kernel, x - k, i0);
    }
    out[i] = acc;
  }
  return out;
}
