// Audio input to model rate: WAV or declared raw PCM → mono float32 resampled to the model's sample rate.

import { AudioError } from './errors.ts';
import { RawPcmDecoder, decodeRawPcm, type DecodedAudio, type RawPcmFormat } from './pcm.ts';
import { Resampler, resample, type ResamplerOptions } from './resample.ts';
import { looksLikeWav, parseWav } from './wav.ts';

/** What the caller wants out and, for headerless input, what the bytes are. */
export interface DecodeAudioOptions {
  /** Output sample rate, Hz (the model card's sampleRate). Required. */
  sampleRate: number;
  /** Format of headerless bytes. Without it only WAV is accepted. Ignored when the bytes are a WAV file. */
  raw?: RawPcmFormat;
  /** Resampler design; defaults as in DEFAULT_RESAMPLER_OPTIONS. */
  resampler?: Partial<ResamplerOptions>;
}

/** Decoded audio at the requested rate, with the source's own rate. */
export interface ModelRateAudio extends DecodedAudio {
  sourceSampleRate: number;
}

/**
 * Decodes a whole upload: a WAV file (detected by its header) or raw PCM as declared in `raw`, down-mixed to mono
 * and resampled to `sampleRate`. Errors: every AUDIO_* code of parseWav / decodeRawPcm / Resampler, and
 * AUDIO_MALFORMED when the bytes are not WAV and no raw format was declared.
 */
export function decodeAudio(bytes: Uint8Array, opts: DecodeAudioOptions): ModelRateAudio {
  let src: DecodedAudio;
  if (looksLikeWav(bytes)) src = parseWav(bytes);
  else if (opts.raw !== undefined) src = decodeRawPcm(bytes, opts.raw);
  else throw new AudioError('AUDIO_MALFORMED', 'not a WAV file, and no raw PCM format was declared', { reason: 'not WAV', offset: 0 });
  const samples = src.sampleRate === opts.sampleRate ? src.samples : resample(src.samples, src.sampleRate, opts.sampleRate, opts.resampler);
  return { ...src, samples, sampleRate: opts.sampleRate, sourceSampleRate: src.sampleRate };
}

/**
 * Streaming raw PCM input: bytes split anywhere in, model-rate mono samples out. `push` returns what is ready
 * (the resampler holds back its look-ahead, ~5 ms at 48 kHz → 16 kHz); `end` returns the rest and throws
 * AUDIO_MISALIGNED if the stream stopped inside a sample frame. Chunked output equals decodeAudio of the whole
 * stream exactly.
 */
export class PcmInputStream {
  private readonly decoder: RawPcmDecoder;
  private readonly resampler: Resampler;

  constructor(raw: RawPcmFormat, sampleRate: number, resampler: Partial<ResamplerOptions> = {}) {
    this.decoder = new RawPcmDecoder(raw);
    this.resampler = new Resampler(this.decoder.sampleRate, sampleRate, resampler);
  }

  push(bytes: Uint8Array): Float32Array {
    return this.resampler.process(this.decoder.push(bytes));
  }

  end(): Float32Array {
    this.decoder.end();
    return this.resampler.flush();
  }

  reset(): void {
    this.decoder.reset();
    this.resampler.reset();
  }
}
