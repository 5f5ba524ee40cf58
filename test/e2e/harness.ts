// The real server with the real engine on a loopback port, for end-to-end tests; and the test audio.

import { readFileSync } from 'node:fs';
import { parseWav } from '../../audio/wav.ts';
import { resample } from '../../audio/resample.ts';
import { Engine } from '../../engine/engine.ts';
import { errorRate, wordErrors } from '../../engine/wer.ts';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { buildServer, type AsrServer } from '../../server/app.ts';
import { engineConfigOf, resolveServerConfig, type ServerConfig } from '../../server/config.ts';

/** Real held-out FSDD recordings of "seven", "three", "nine" in a row: 16 kHz mono s16le WAV, 3.5 s. */
export const SPEECH_WAV: Buffer = readFileSync(new URL('../fixtures/speech/seven-three-nine.wav', import.meta.url));
/** Its samples as headerless s16le PCM. */
export const SPEECH_PCM: Buffer = SPEECH_WAV.subarray(44);
export const SPEECH_TEXT = 'seven three nine';

/** The speech at another rate, as s16le or f32le bytes (the server must resample it). */
export function speechAt(rate: number, encoding: 's16le' | 'f32le'): Buffer {
  const w = parseWav(SPEECH_WAV);
  const x = rate === w.sampleRate ? w.samples : resample(w.samples, w.sampleRate, rate);
  if (encoding === 'f32le') return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  const out = Buffer.alloc(x.length * 2);
  for (let i = 0; i < x.length; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x[i] * 32768))), i * 2);
  return out;
}

/** Odd chunk sizes, none a multiple of the sample size or of the model's chunk. */
export const ODD_CHUNKS = [1, 333, 4097, 7, 2999, 1601];

export interface Running {
  server: AsrServer;
  engine: Engine;
  http: string;
  ws: string;
  close(): Promise<void>;
}

/** Starts the server (default grammar digits, logging off) with the real engine and model; resolves when ready. */
export async function startServer(overrides: Partial<Record<keyof ServerConfig, unknown>> = {}): Promise<Running> {
  const config = resolveServerConfig({ logLevel: 'silent', host: '127.0.0.1', port: 0, grammar: 'digits', ...overrides });
  const server = buildServer(config, { name: 'streaming-asr', version: 'test' });
  await server.app.listen({ host: config.host, port: config.port });
  const engine = await Engine.create(engineConfigOf(config));
  server.attach(engine);
  const { port } = server.app.server.address() as { port: number };
  return {
    server,
    engine,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    close: () => server.shutdown(),
  };
}

/**
 * Why transcripts cannot be checked with this model, or null when they can: a placeholder or interim checkpoint
 * gives meaningless words, so tests check protocol, codes and metrics then and print this reason.
 */
export function transcriptSkipReason(engine: Engine): string | null {
  const s = engine.model.status;
  if (engine.model.placeholder || /^(placeholder|interim)/i.test(s)) return `model ${engine.model.name} is not the trained one (status "${s}")`;
  return null;
}

/**
 * Most word errors allowed against SPEECH_TEXT, as a rate. The trained ds2-stream-en model transcribes every
 * variant of this recording used here (16 kHz, 8 kHz, 44.1 kHz float, chunked, batch) exactly, so none: a model
 * or transport change that loses a word fails here until someone has looked at it.
 */
export const MAX_SPEECH_WER = 0;

/**
 * Checks a transcript of SPEECH_* as a subtest: skipped with the reason while the model is not the trained one;
 * else the transcript is printed, its WER against SPEECH_TEXT must be ≤ MAX_SPEECH_WER, and, when `same` is given
 * (the engine's own batch transcript of the very same samples), it must equal that exactly: the transport delivered
 * the audio intact.
 */
export async function checkTranscript(t: TestContext, engine: Engine, name: string, got: () => string, same?: () => Promise<string>): Promise<void> {
  await t.test(`transcript: ${name}`, async (st) => {
    const why = transcriptSkipReason(engine);
    if (why !== null) return st.skip(why);
    const text = got();
    st.diagnostic(`"${text}" (reference "${SPEECH_TEXT}")`);
    const wer = errorRate(wordErrors(SPEECH_TEXT, text));
    assert.ok(wer <= MAX_SPEECH_WER, `"${text}" has WER ${wer.toFixed(2)} against "${SPEECH_TEXT}"`);
    if (same !== undefined) assert.equal(text, await same());
  });
}

/** The engine's batch transcript of the same bytes (the reference the transport must reproduce). */
export async function batchText(engine: Engine, audio: Buffer, opts: { grammar?: string; sampleRate?: number; encoding?: 's16le' | 'f32le' } = {}): Promise<string> {
  const r = await engine.transcribe(audio, {
    grammar: opts.grammar ?? 'digits',
    raw: { encoding: opts.encoding ?? 's16le', sampleRate: opts.sampleRate ?? 16000 },
  });
  return r.text;
}

/** Half a second of silence in s16le at 16 kHz (lets the endpointer close an utterance). */
export const SILENCE_PCM: Buffer = Buffer.alloc(16000);

/** Reads one metric sample's value from an exposition text (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (.+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const kv of (m[3] ?? '').match(/[a-zA-Z_]+="[^"]*"/g) ?? []) {
      const i = kv.indexOf('=');
      got[kv.slice(0, i)] = kv.slice(i + 2, -1);
    }
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return 0;
}
