// Typed errors of the audio input layer (WAV, raw PCM, resampling): one class, one registry of codes.

import { CodedError } from '../common/coded-error.ts';

/** Every code `audio/` throws, with what it means and what `details` carries. Tests assert codes only. */
export const AUDIO_ERROR_CODES = {
  AUDIO_MALFORMED: 'the bytes are not a well-formed WAV file: bad magic, bad chunk id, fmt too short, no fmt or data chunk (details: reason, offset)',
  AUDIO_TRUNCATED: 'the file ends inside a header or before a chunk\'s declared end (details: chunk, declared, available)',
  AUDIO_UNSUPPORTED_FORMAT: 'a well-formed file in an encoding we do not decode: compressed codecs, odd bit depths, too many channels (details: formatTag, bitsPerSample, channels)',
  AUDIO_BAD_RATE: 'a sample rate is not an integer within [MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ] (details: sampleRate)',
  AUDIO_MISALIGNED: 'the sample bytes are not a whole number of sample frames (details: byteLength, frameBytes)',
  AUDIO_OPTION: 'an option is unknown or out of range (details: option, value)',
  AUDIO_ENDED: 'a streaming decoder or resampler was fed after end()/flush(); reset() it first',
} as const;

export type AudioErrorCode = keyof typeof AUDIO_ERROR_CODES;

/** The single error type of `audio/`. `details` carries machine-readable context. */
export class AudioError extends CodedError<AudioErrorCode> {}

/** Lowest sample rate accepted anywhere in `audio/`, Hz. Below it nothing intelligible survives. */
export const MIN_SAMPLE_RATE_HZ = 1000;
/** Highest sample rate accepted anywhere in `audio/`, Hz (8× 48 kHz). */
export const MAX_SAMPLE_RATE_HZ = 384000;

/** Throws AUDIO_BAD_RATE unless `rate` is an integer in [MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ]. */
export function checkSampleRate(rate: unknown, what = 'sampleRate'): number {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < MIN_SAMPLE_RATE_HZ || rate > MAX_SAMPLE_RATE_HZ) {
    throw new AudioError(
      'AUDIO_BAD_RATE',
      `${what} must be an integer from ${MIN_SAMPLE_RATE_HZ} to ${MAX_SAMPLE_RATE_HZ} Hz, got ${String(rate)}`,
      { sampleRate: rate },
    );
  }
  return rate;
}

/** Rejects keys of `opts` that are not in `known` (AUDIO_OPTION). */
export function checkAudioOptionKeys(opts: object, known: readonly string[], where: string): void {
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new AudioError('AUDIO_OPTION', `${where}: unknown option "${k}"`, { option: k });
  }
}
