// Sample decoding shared by WAV and raw PCM: interleaved integer, float and G.711 samples → mono float32.

import { AudioError, checkAudioOptionKeys, checkSampleRate } from './errors.ts';

/** How one sample is stored. Integers are signed two's complement except `u8` (offset 128, as in WAV). */
export type SampleEncoding = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64' | 'alaw' | 'mulaw';

/** Bytes one sample of each encoding occupies. */
export const BYTES_PER_SAMPLE: Readonly<Record<SampleEncoding, number>> = Object.freeze({
  u8: 1,
  s16: 2,
  s24: 3,
  s32: 4,
  f32: 4,
  f64: 8,
  alaw: 1,
  mulaw: 1,
});

/** The layout of interleaved sample frames. */
export interface SampleFormat {
  encoding: SampleEncoding;
  /** Byte order of multi-byte samples (WAV RIFF: little; RIFX: big). */
  littleEndian: boolean;
  /** Interleaved channels per frame, ≥ 1. */
  channels: number;
}

/** Mono float samples with their rate: what every decoder in `audio/` returns. */
export interface DecodedAudio {
  /** Mono samples, nominally in [-1, 1] (float sources are passed through unclipped), channels averaged. */
  samples: Float32Array;
  /** Sample rate of `samples`, Hz. */
  sampleRate: number;
  /** Channels of the source before down-mixing. */
  channels: number;
  /** Sample encoding of the source. */
  encoding: SampleEncoding;
}

/** G.711 decoding tables, scaled so that full scale of the 16-bit linear code is 1.0. */
const ALAW_TABLE = new Float32Array(256);
const MULAW_TABLE = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  // µ-law (ITU-T G.711): complement, then sign / 3-bit exponent / 4-bit mantissa with bias 0x84.
  const u = ~i & 0xff;
  const mu = (((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7);
  MULAW_TABLE[i] = ((u & 0x80) !== 0 ? 0x84 - mu : mu - 0x84) / 32768;
  // A-law: even bits inverted; a set sign bit means positive.
  const a = i ^ 0x55;
  const e = (a >> 4) & 7;
  const m = (a & 0x0f) << 4;
  const lin = e === 0 ? m + 8 : (m + 0x108) << (e - 1);
  ALAW_TABLE[i] = ((a & 0x80) !== 0 ? lin : -lin) / 32768;
}

/** The linear value of one G.711 A-law byte (full scale 1.0). */
export function alawToLinear(byte: number): number {
  return ALAW_TABLE[byte & 0xff];
}
/** The linear value of one G.711 µ-law byte (full scale 1.0). */
export function mulawToLinear(byte: number): number {
  return MULAW_TABLE[byte & 0xff];
}

/**
 * Decodes `frames` interleaved sample frames starting at `bytes[offset]` into `out[outOffset …]`, averaging the
 * channels. Integers are scaled by 2^-(bits−1) (so s16 32767 → 0.99997, −32768 → −1); floats are copied.
 * Preconditions: the bytes and `out` hold that many frames (not checked per sample). O(frames × channels), no
 * allocation besides one DataView.
 */
export function decodeToMono(
  bytes: Uint8Array,
  offset: number,
  frames: number,
  fmt: SampleFormat,
  out: Float32Array,
  outOffset: number,
): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ch = fmt.channels;
  const le = fmt.littleEndian;
  const inv = 1 / ch;
  let p = offset;
  let o = outOffset;
  const end = outOffset + frames;
  switch (fmt.encoding) {
    case 'u8':
      for (; o < end; o++) {
        let acc = 0;
        for (let c = 0; c < ch; c++) acc += bytes[p++] - 128;
        out[o] = (acc * inv) / 128;
      }
      break;
    case 's16':
      for (; o < end; o++) {
        let acc = 0;
        for (let c = 0; c < ch; c++, p += 2) acc += dv.getInt16(p, le);
        out[o] = (acc * inv) / 32768;
      }
      break;
    case 's24':
      for (; o < end; o++) {
        let acc = 0;
        for (let c = 0; c < ch; c++, p += 3) {
          const v = le
            ? bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)
            : bytes[p + 2] | (bytes[p + 1] << 8) | (bytes[p] << 16);
          acc += (v << 8) >> 8; // sign-extend 24 → 32 bits
        }
        out[o] = (acc * inv) / 8388608;
      }
      break;
    case 's32':
      for (; o < end; o++) {
        let acc = 0;
        for (let c = 0; c < ch; c++, p += 4) acc += dv.getInt32(p, le);
        out[o] = (acc * inv) / 2147483648;
      }
      break;
    case 'f32':
      for (; o < end; o++) {
        let acc = 0;
        for (let c = 0; c < ch; c++, p += 4) acc += dv.getFloat32(p, le);
        out[o] = acc * inv;
      }
      break;
    case 'f64':
      for (; o < end; o++) {
        let acc = 0;
        for (let c = 0; c < ch; c++, p += 8) acc += dv.getFloat64(p, le);
        out[o] = acc * inv;
      }
      break;
    case 'alaw':
    case 'mulaw': {
      const table = fmt.encoding === 'alaw' ? ALAW_TABLE : MULAW_TABLE;
      for (; o < end; o++) {
        let acc = 0;
        for (let c = 0; c < ch; c++) acc += table[bytes[p++]];
        out[o] = acc * inv;
      }
      break;
    }
  }
}

/** Raw (headerless) PCM encodings a client may declare. `le`/`be` is the byte order. */
export type RawPcmEncoding = 'u8' | 's16le' | 's16be' | 's24le' | 's32le' | 'f32le' | 'f64le' | 'alaw' | 'mulaw';

const RAW_ENCODINGS: Readonly<Record<RawPcmEncoding, { encoding: SampleEncoding; littleEndian: boolean }>> = {
  u8: { encoding: 'u8', littleEndian: true },
  s16le: { encoding: 's16', littleEndian: true },
  s16be: { encoding: 's16', littleEndian: false },
  s24le: { encoding: 's24', littleEndian: true },
  s32le: { encoding: 's32', littleEndian: true },
  f32le: { encoding: 'f32', littleEndian: true },
  f64le: { encoding: 'f64', littleEndian: true },
  alaw: { encoding: 'alaw', littleEndian: true },
  mulaw: { encoding: 'mulaw', littleEndian: true },
};

/** Most interleaved channels any decoder accepts (all are averaged to mono). */
export const MAX_CHANNELS = 8;

/** A raw PCM stream's declared format. */
export interface RawPcmFormat {
  /** Sample encoding and byte order, e.g. "s16le" or "f32le". Required. */
  encoding: RawPcmEncoding;
  /** Sample rate, Hz, within [MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ]. Required. */
  sampleRate: number;
  /** Interleaved channels, 1 … MAX_CHANNELS, averaged to mono. Default 1. */
  channels?: number;
}

const RAW_FORMAT_KEYS = ['encoding', 'sampleRate', 'channels'] as const;

interface ResolvedRawFormat extends SampleFormat {
  sampleRate: number;
  frameBytes: number;
}

function resolveRawFormat(format: RawPcmFormat): ResolvedRawFormat {
  checkAudioOptionKeys(format, RAW_FORMAT_KEYS, 'raw PCM format');
  const enc = RAW_ENCODINGS[format.encoding];
  if (enc === undefined || !Object.hasOwn(RAW_ENCODINGS, format.encoding)) {
    throw new AudioError('AUDIO_UNSUPPORTED_FORMAT', `unknown raw PCM encoding "${String(format.encoding)}"`, {
      encoding: format.encoding,
      supported: Object.keys(RAW_ENCODINGS),
    });
  }
  const sampleRate = checkSampleRate(format.sampleRate);
  const channels = format.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new AudioError('AUDIO_OPTION', `channels must be an integer from 1 to ${MAX_CHANNELS}`, {
      option: 'channels',
      value: channels,
    });
  }
  return { ...enc, channels, sampleRate, frameBytes: BYTES_PER_SAMPLE[enc.encoding] * channels };
}

/**
 * Decodes a whole raw PCM buffer. Throws AUDIO_MISALIGNED when the length is not a whole number of sample frames,
 * AUDIO_UNSUPPORTED_FORMAT for an unknown encoding, AUDIO_BAD_RATE for a bad rate. O(bytes).
 */
export function decodeRawPcm(bytes: Uint8Array, format: RawPcmFormat): DecodedAudio {
  const f = resolveRawFormat(format);
  if (bytes.byteLength % f.frameBytes !== 0) {
    throw new AudioError('AUDIO_MISALIGNED', `${bytes.byteLength} bytes is not a whole number of ${f.frameBytes}-byte frames`, {
      byteLength: bytes.byteLength,
      frameBytes: f.frameBytes,
    });
  }
  const frames = bytes.byteLength / f.frameBytes;
  const samples = new Float32Array(frames);
  decodeToMono(bytes, 0, frames, f, samples, 0);
  return { samples, sampleRate: f.sampleRate, channels: f.channels, encoding: f.encoding };
}

/**
 * Streaming raw PCM decoder: `push` takes byte chunks split anywhere (mid-sample, mid-frame) and returns the
 * mono samples of every whole frame so far; the bytes of a partial frame are carried to the next push.
 * `end()` throws AUDIO_MISALIGNED if a partial frame is left over. Chunked decoding equals `decodeRawPcm` exactly.
 */
export class RawPcmDecoder {
  readonly format: Readonly<ResolvedRawFormat>;
  private readonly carry: Uint8Array;
  private carryLen = 0;
  private ended = false;
  private frames = 0;

  constructor(format: RawPcmFormat) {
    this.format = resolveRawFormat(format);
    this.carry = new Uint8Array(this.format.frameBytes);
  }

  get sampleRate(): number {
    return this.format.sampleRate;
  }

  /** Frames decoded so far. */
  get framesDecoded(): number {
    return this.frames;
  }

  /** Decodes the whole frames now available. O(bytes); allocates only the returned array. */
  push(bytes: Uint8Array): Float32Array {
    if (this.ended) throw new AudioError('AUDIO_ENDED', 'RawPcmDecoder.push after end()');
    const fb = this.format.frameBytes;
    const total = this.carryLen + bytes.byteLength;
    const frames = Math.floor(total / fb);
    const out = new Float32Array(frames);
    let src = 0;
    let o = 0;
    if (this.carryLen > 0 && frames > 0) {
      const need = fb - this.carryLen;
      this.carry.set(bytes.subarray(0, need), this.carryLen);
      decodeToMono(this.carry, 0, 1, this.format, out, 0);
      src = need;
      o = 1;
      this.carryLen = 0;
    }
    const whole = frames - o;
    decodeToMono(bytes, src, whole, this.format, out, o);
    src += whole * fb;
    if (src < bytes.byteLength) {
      this.carry.set(bytes.subarray(src), this.carryLen);
      this.carryLen += bytes.byteLength - src;
    }
    this.frames += frames;
    return out;
  }

  /** Ends the stream; AUDIO_MISALIGNED if bytes of a partial frame remain. */
  end(): void {
    this.ended = true;
    if (this.carryLen !== 0) {
      const byteLength = this.frames * this.format.frameBytes + this.carryLen;
      throw new AudioError('AUDIO_MISALIGNED', `stream ended inside a sample frame (${this.carryLen} stray bytes)`, {
        byteLength,
        frameBytes: this.format.frameBytes,
      });
    }
  }

  /** Forgets all input; the decoder can start a new stream. */
  reset(): void {
    this.carryLen = 0;
    this.frames = 0;
    this.ended = false;
  }
}
