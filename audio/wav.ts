// WAV parsing: RIFF (little-endian), RIFX (big-endian) and RF64 containers; PCM, float, G.711, EXTENSIBLE.

import { AudioError, checkSampleRate } from './errors.ts';
import { BYTES_PER_SAMPLE, MAX_CHANNELS, decodeToMono, type DecodedAudio, type SampleEncoding } from './pcm.ts';

/** WAVE format tags we decode (fmt chunk `wFormatTag`). */
export const WAVE_FORMAT = Object.freeze({
  PCM: 0x0001,
  IEEE_FLOAT: 0x0003,
  ALAW: 0x0006,
  MULAW: 0x0007,
  EXTENSIBLE: 0xfffe,
});

/** A decoded WAV file: mono samples plus what the header said. */
export interface WavAudio extends DecodedAudio {
  /** Container: "RIFF" (little-endian), "RIFX" (big-endian) or "RF64" (64-bit sizes). */
  container: 'RIFF' | 'RIFX' | 'RF64';
  /** The fmt chunk's format tag (for EXTENSIBLE, the tag of its sub-format GUID). */
  formatTag: number;
  /** Bits per sample of the container (a 24-in-32 EXTENSIBLE file says 32 here, 24 in `validBitsPerSample`). */
  bitsPerSample: number;
  validBitsPerSample: number;
  /** True when the data chunk had no usable size (0 or 0xFFFFFFFF, as streamed WAVs write) and ran to end of file. */
  dataUntilEof: boolean;
}

/** The parsed fmt chunk. */
export interface WavFormat {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  validBitsPerSample: number;
  encoding: SampleEncoding;
}

const MIN_FMT_BYTES = 16;
const EXTENSIBLE_FMT_BYTES = 40;
/** Bytes 4…15 of every KSDATAFORMAT_SUBTYPE_* GUID (00000001-0000-0010-8000-00AA00389B71 and friends). */
const KSDATAFORMAT_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const U32_UNKNOWN = 0xffffffff;

function fourcc(b: Uint8Array, off: number): string {
  return String.fromCharCode(b[off], b[off + 1], b[off + 2], b[off + 3]);
}

function isChunkId(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 4; i++) if (b[off + i] < 0x20 || b[off + i] > 0x7e) return false;
  return true;
}

function encodingOf(tag: number, bits: number, channels: number): SampleEncoding {
  const unsupported = (why: string): AudioError =>
    new AudioError('AUDIO_UNSUPPORTED_FORMAT', `unsupported WAV format: ${why}`, {
      formatTag: tag,
      bitsPerSample: bits,
      channels,
    });
  switch (tag) {
    case WAVE_FORMAT.PCM:
      if (bits === 8) return 'u8';
      if (bits === 16) return 's16';
      if (bits === 24) return 's24';
      if (bits === 32) return 's32';
      throw unsupported(`${bits}-bit integer PCM (8, 16, 24 and 32 are decoded)`);
    case WAVE_FORMAT.IEEE_FLOAT:
      if (bits === 32) return 'f32';
      if (bits === 64) return 'f64';
      throw unsupported(`${bits}-bit float (32 and 64 are decoded)`);
    case WAVE_FORMAT.ALAW:
    case WAVE_FORMAT.MULAW:
      if (bits === 8) return tag === WAVE_FORMAT.ALAW ? 'alaw' : 'mulaw';
      throw unsupported(`${bits}-bit G.711 (8 is decoded)`);
    default:
      throw unsupported(`format tag 0x${tag.toString(16)} (PCM, IEEE float, A-law, µ-law and EXTENSIBLE are decoded)`);
  }
}

/** Parses a fmt chunk body. Throws AUDIO_MALFORMED, AUDIO_UNSUPPORTED_FORMAT or AUDIO_BAD_RATE. */
export function parseFmtChunk(dv: DataView, off: number, size: number, le: boolean): WavFormat {
  if (size < MIN_FMT_BYTES) {
    throw new AudioError('AUDIO_MALFORMED', `fmt chunk of ${size} bytes (at least ${MIN_FMT_BYTES})`, {
      reason: 'fmt too short',
      offset: off,
    });
  }
  let formatTag = dv.getUint16(off, le);
  const channels = dv.getUint16(off + 2, le);
  const rate = dv.getUint32(off + 4, le);
  const blockAlign = dv.getUint16(off + 12, le);
  const bitsPerSample = dv.getUint16(off + 14, le);
  let validBitsPerSample = bitsPerSample;
  if (formatTag === WAVE_FORMAT.EXTENSIBLE) {
    if (size < EXTENSIBLE_FMT_BYTES) {
      throw new AudioError('AUDIO_MALFORMED', `WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes (needs ${EXTENSIBLE_FMT_BYTES})`, {
        reason: 'fmt too short',
        offset: off,
      });
    }
    validBitsPerSample = dv.getUint16(off + 18, le) || bitsPerSample;
    const sub = off + 24;
    formatTag = dv.getUint32(sub, le);
    // Data2 and Data3 of the GUID follow the container's byte order; Data4 is a byte string.
    const tail = [
      ...(le ? [dv.getUint8(sub + 4), dv.getUint8(sub + 5), dv.getUint8(sub + 6), dv.getUint8(sub + 7)] : [
        dv.getUint8(sub + 5), dv.getUint8(sub + 4), dv.getUint8(sub + 7), dv.getUint8(sub + 6),
      ]),
      ...Array.from({ length: 8 }, (_, i) => dv.getUint8(sub + 8 + i)),
    ];
    if (tail.some((b, i) => b !== KSDATAFORMAT_TAIL[i])) {
      throw new AudioError('AUDIO_UNSUPPORTED_FORMAT', 'WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID', {
        formatTag: WAVE_FORMAT.EXTENSIBLE,
        bitsPerSample,
        channels,
      });
    }
    if (validBitsPerSample > bitsPerSample) {
      throw new AudioError('AUDIO_MALFORMED', `${validBitsPerSample} valid bits in a ${bitsPerSample}-bit container`, {
        reason: 'valid bits exceed container',
        offset: off + 18,
      });
    }
  }
  if (channels === 0) {
    throw new AudioError('AUDIO_MALFORMED', 'fmt chunk declares 0 channels', { reason: 'no channels', offset: off + 2 });
  }
  if (channels > MAX_CHANNELS) {
    throw new AudioError('AUDIO_UNSUPPORTED_FORMAT', `${channels} channels (at most ${MAX_CHANNELS})`, {
      formatTag,
      bitsPerSample,
      channels,
    });
  }
  const encoding = encodingOf(formatTag, bitsPerSample, channels);
  const sampleRate = checkSampleRate(rate, 'WAV sample rate');
  if (blockAlign !== channels * BYTES_PER_SAMPLE[encoding]) {
    throw new AudioError('AUDIO_MALFORMED', `block align ${blockAlign} ≠ ${channels} channels × ${bitsPerSample / 8} bytes`, {
      reason: 'bad block align',
      offset: off + 12,
    });
  }
  return { formatTag, channels, sampleRate, blockAlign, bitsPerSample, validBitsPerSample, encoding };
}

/**
 * Parses a complete WAV file and decodes it to mono float32 at its own rate (resample afterwards).
 *
 * Chunks are walked in order; unknown chunks (LIST, fact, cue, JUNK…) are skipped, odd-sized chunks skip their pad
 * byte, and anything after the data chunk (once fmt is known) is ignored, trailing garbage included. A data size of
 * 0 or 0xFFFFFFFF (what streaming writers leave when they cannot seek back) means "to end of file"; RF64 takes the
 * size from its ds64 chunk. The RIFF size field is not trusted.
 * Errors: AUDIO_MALFORMED (not WAV, bad chunk ids, no fmt/data, bad block align), AUDIO_TRUNCATED (file ends
 * before a declared chunk end), AUDIO_UNSUPPORTED_FORMAT, AUDIO_BAD_RATE, AUDIO_MISALIGNED (data not a whole
 * number of frames). O(bytes).
 */
export function parseWav(bytes: Uint8Array): WavAudio {
  const len = bytes.byteLength;
  if (len < 12) {
    const magic = len >= 4 ? fourcc(bytes, 0) : '';
    if (magic === 'RIFF' || magic === 'RIFX' || magic === 'RF64') {
      throw new AudioError('AUDIO_TRUNCATED', `WAV file of ${len} bytes ends inside its header`, {
        chunk: 'RIFF',
        declared: 12,
        available: len,
      });
    }
    throw new AudioError('AUDIO_MALFORMED', `${len} bytes is too short for a WAV file`, { reason: 'too short', offset: 0 });
  }
  const magic = fourcc(bytes, 0);
  if (magic !== 'RIFF' && magic !== 'RIFX' && magic !== 'RF64') {
    throw new AudioError('AUDIO_MALFORMED', 'not a RIFF/RIFX/RF64 file', { reason: 'bad magic', offset: 0 });
  }
  const form = fourcc(bytes, 8);
  if (form !== 'WAVE') {
    throw new AudioError('AUDIO_UNSUPPORTED_FORMAT', `RIFF form "${form}" is not WAVE`, { form });
  }
  const le = magic !== 'RIFX';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  let fmt: WavFormat | null = null;
  let dataStart = -1;
  let dataBytes = 0;
  let dataUntilEof = false;
  let ds64DataSize = -1;
  let off = 12;
  while (off + 8 <= len) {
    if (!isChunkId(bytes, off)) {
      throw new AudioError('AUDIO_MALFORMED', `bad chunk id at byte ${off}`, { reason: 'bad chunk id', offset: off });
    }
    const id = fourcc(bytes, off);
    const size = dv.getUint32(off + 4, le);
    const body = off + 8;
    if (id === 'data') {
      if (magic === 'RF64' && size === U32_UNKNOWN && ds64DataSize >= 0) {
        dataBytes = ds64DataSize;
      } else if (size === 0 || size === U32_UNKNOWN) {
        dataBytes = len - body;
        dataUntilEof = true;
      } else {
        dataBytes = size;
      }
      if (body + dataBytes > len) {
        throw new AudioError('AUDIO_TRUNCATED', `data chunk declares ${dataBytes} bytes, ${len - body} present`, {
          chunk: 'data',
          declared: dataBytes,
          available: len - body,
        });
      }
      dataStart = body;
      if (fmt !== null) break;
      off = body + dataBytes + (dataBytes & 1);
      continue;
    }
    if (body + size > len) {
      throw new AudioError('AUDIO_TRUNCATED', `"${id}" chunk declares ${size} bytes, ${len - body} present`, {
        chunk: id,
        declared: size,
        available: len - body,
      });
    }
    if (id === 'fmt ') {
      fmt = parseFmtChunk(dv, body, size, le);
      if (dataStart >= 0) break;
    } else if (id === 'ds64' && magic === 'RF64') {
      if (size < 24) {
        throw new AudioError('AUDIO_MALFORMED', `ds64 chunk of ${size} bytes (at least 24)`, { reason: 'ds64 too short', offset: body });
      }
      ds64DataSize = Number(dv.getBigUint64(body + 8, true));
    }
    off = body + size + (size & 1);
  }
  if (fmt === null || dataStart < 0) {
    // A partial chunk header at the end means the file was cut before the missing chunk.
    if (off < len) {
      throw new AudioError('AUDIO_TRUNCATED', `file ends inside a chunk header at byte ${off}`, {
        chunk: 'header',
        declared: 8,
        available: len - off,
      });
    }
    throw new AudioError('AUDIO_MALFORMED', fmt === null ? 'no fmt chunk' : 'no data chunk', {
      reason: fmt === null ? 'no fmt chunk' : 'no data chunk',
      offset: off,
    });
  }
  if (dataBytes % fmt.blockAlign !== 0) {
    throw new AudioError('AUDIO_MISALIGNED', `data chunk of ${dataBytes} bytes is not a whole number of ${fmt.blockAlign}-byte frames`, {
      byteLength: dataBytes,
      frameBytes: fmt.blockAlign,
    });
  }
  const frames = dataBytes / fmt.blockAlign;
  const samples = new Float32Array(frames);
  decodeToMono(bytes, dataStart, frames, { encoding: fmt.encoding, littleEndian: le, channels: fmt.channels }, samples, 0);
  return {
    samples,
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    encoding: fmt.encoding,
    container: magic,
    formatTag: fmt.formatTag,
    bitsPerSample: fmt.bitsPerSample,
    validBitsPerSample: fmt.validBitsPerSample,
    dataUntilEof,
  };
}

/** True when the bytes start like a WAV file (RIFF/RIFX/RF64 … WAVE), e.g. to tell WAV from raw PCM uploads. */
export function looksLikeWav(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const magic = fourcc(bytes, 0);
  return (magic === 'RIFF' || magic === 'RIFX' || magic === 'RF64') && fourcc(bytes, 8) === 'WAVE';
}
