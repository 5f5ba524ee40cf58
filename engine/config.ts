// The engine's configuration and the options of a session: one typed schema each, documented defaults, validation.

import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSampleRate } from '../audio/errors.ts';
import { MAX_CHANNELS, type RawPcmEncoding } from '../audio/pcm.ts';
import type { GrammarSource } from '../decoder/graph/tlg.ts';
import type { DecoderOptions } from '../decoder/search/config.ts';
import type { EndpointOptions, EndpointRule } from '../decoder/search/endpoint.ts';
import { DEFAULT_GRAMMAR } from '../grammars/registry.ts';
import type { AcousticModelOptions } from '../models/acoustic-model.ts';
import { EngineError } from './errors.ts';

/** The repository root (engine/ is one level below it). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Decode workers of decodeWorkers "auto" on a machine of `cores` cores: one per core, at most 8; none on one core.
 * The search is the engine's largest cost and the event loop and the model worker need much less (load benchmark,
 * 2 cores, `en`: a single decode worker saturated its core while the event loop stayed ~90% idle), so the search
 * gets every core; on one core threads add no CPU, only hand-over costs.
 */
export function autoDecodeWorkers(cores: number = availableParallelism()): number {
  return cores < 2 ? 0 : Math.min(8, cores);
}

/** The acoustic model the engine loads when none is configured. */
export const DEFAULT_MODEL_DIR: string = resolve(ROOT, 'models', 'ds2-stream-en');

/** Engine settings. Every field: meaning, unit, trade-off, default. */
export interface EngineConfig {
  /** Folder of the acoustic model (with its model.json card). Default models/ds2-stream-en in this repository. */
  modelDir: string;
  /**
   * Runtime options of the acoustic model, passed to `AcousticModel.load` (execution provider, threads, chunkMs,
   * maxBatchStreams — the most sessions one model run carries). Their defaults live in models/acoustic-model.ts.
   * Default {}.
   */
  model: Partial<AcousticModelOptions>;
  /** Search settings of the WFST decoder (`DecoderConfig`; defaults in decoder/search/config.ts). Default {}. */
  decoder: DecoderOptions;
  /**
   * Grammar of sessions and requests that name none: a shipped grammar or one of `grammars`. Loaded (from the graph
   * cache, or built once) before the engine is ready. Default DEFAULT_GRAMMAR ("en", the 20k-word trigram LM).
   */
  defaultGrammar: string;
  /** User grammars compiled at start-up, by name, as `GrammarStore.put` would. Default {} (none). */
  grammars: Readonly<Record<string, GrammarSource>>;
  /**
   * Disk cache of compiled shipped graphs (`en` takes seconds to build, ~0.5 s to load). null → no disk cache.
   * Default undefined → the registry's default (.cache/graphs/ under the repository root).
   */
  graphCacheDir: string | null | undefined;
  /** Compiled inline grammars (sent with a request) kept in memory, least recently used evicted. Default 32. */
  inlineGrammarCacheEntries: number;
  /** Most user grammars in the store at once; one more → ENGINE_GRAMMAR_LIMIT. Default 100. */
  maxUserGrammars: number;
  /**
   * Largest grammar source accepted (user or inline), bytes of UTF-8; larger → ENGINE_GRAMMAR_TOO_LARGE. Compiles
   * run in a worker thread, one at a time, so this bounds how long one compile holds up the next (and its memory).
   * Default 1 MiB (1048576).
   */
  maxGrammarSourceBytes: number;
  /**
   * Dynamic batching: once one session has a full model chunk, the model waits this long for other sessions' chunks
   * before it runs (it runs at once when maxBatchStreams sessions are ready). Larger → bigger batches (cheaper per
   * stream), more latency. 0 → the next turn of the event loop. Milliseconds. Default 5.
   */
  batchMaxWaitMs: number;
  /**
   * Decoding the results of a model run yields to the event loop (setImmediate) after this much synchronous work,
   * so that sockets and timers are served between sessions. Smaller → more responsive loop, more overhead.
   * Milliseconds. Default 8.
   */
  decodeSliceMs: number;
  /**
   * Worker threads running the decoders' search (each session is pinned to one; compiled graphs are shared with
   * them through SharedArrayBuffers, not copied). 0 → the search runs on the event loop, time-sliced by
   * decodeSliceMs. More → decoding uses more cores and leaves the event loop to sockets and the model, for ~0.2 s of
   * start-up per worker and a search scratch of 8 bytes a graph state per worker (7.5 MB for `en`). "auto" → one per
   * core, at most 8, and 0 on one core (`autoDecodeWorkers`): 2 on two cores. Default "auto".
   */
  decodeWorkers: number | 'auto';
  /**
   * Run the acoustic model in a worker thread. onnxruntime-node runs a session on the calling thread, so on the event
   * loop every model run holds the loop for its duration (3 ms for one stream, ~20 ms for a batch of 32); in a
   * worker it never does, for one message round trip per run. "auto" → a worker when the machine has more than one
   * core. Default "auto".
   */
  modelWorker: boolean | 'auto';
  /** Most concurrent sessions (streaming and batch requests together); one more → ENGINE_BUSY. Default 256. */
  maxSessions: number;
  /**
   * Most audio a streaming session may have waiting for the model, seconds; more → ENGINE_BACKLOG. Guards against a
   * client sending hours of audio faster than it can be processed. `transcribe` is not limited. Default 30.
   */
  maxQueuedAudioSec: number;
  /** Run one second of silence through the model and the default grammar at start-up (JIT, lazy allocation). Default true. */
  warmUp: boolean;
}

/** The defaults, each documented on `EngineConfig`. */
export const DEFAULT_ENGINE_CONFIG: Readonly<EngineConfig> = Object.freeze({
  modelDir: DEFAULT_MODEL_DIR,
  model: Object.freeze({}),
  decoder: Object.freeze({}),
  defaultGrammar: DEFAULT_GRAMMAR,
  grammars: Object.freeze({}),
  graphCacheDir: undefined,
  inlineGrammarCacheEntries: 32,
  maxUserGrammars: 100,
  maxGrammarSourceBytes: 1048576,
  batchMaxWaitMs: 5,
  decodeSliceMs: 8,
  decodeWorkers: 'auto',
  modelWorker: 'auto',
  maxSessions: 256,
  maxQueuedAudioSec: 30,
  warmUp: true,
});

const ENGINE_KEYS = Object.keys(DEFAULT_ENGINE_CONFIG);

function bad(option: string, value: unknown, why: string): never {
  throw new EngineError('ENGINE_OPTION', `option ${option} ${why}`, { option, value });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(opts: object, known: readonly string[], where: string): void {
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new EngineError('ENGINE_OPTION', `${where}: unknown option "${k}"`, { option: k });
  }
}

function numberIn(o: Record<string, unknown>, k: string, lo: number, hi: number, integer = false): void {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    bad(k, v, `must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}]`);
  }
}

/**
 * The effective engine config: `opts` over the defaults, validated. Throws ENGINE_OPTION (details.option, value)
 * for an unknown key or a bad value. Options of the model and the decoder are checked by their own components when
 * the engine starts. The result is frozen. O(1).
 */
export function resolveEngineConfig(opts: Partial<EngineConfig> = {}): EngineConfig {
  if (!isRecord(opts)) bad('config', opts, 'must be an object');
  checkKeys(opts, ENGINE_KEYS, 'engine');
  const c: Record<string, unknown> = { ...DEFAULT_ENGINE_CONFIG };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) c[k] = v;
  if (typeof c.modelDir !== 'string' || c.modelDir === '') bad('modelDir', c.modelDir, 'must be a non-empty path');
  c.modelDir = resolve(c.modelDir as string);
  if (!isRecord(c.model)) bad('model', c.model, 'must be an object of acoustic-model options');
  if (!isRecord(c.decoder)) bad('decoder', c.decoder, 'must be an object of decoder options');
  if (typeof c.defaultGrammar !== 'string' || c.defaultGrammar === '') bad('defaultGrammar', c.defaultGrammar, 'must be a grammar name');
  if (!isRecord(c.grammars)) bad('grammars', c.grammars, 'must be an object of name → grammar source');
  if (c.graphCacheDir !== null && c.graphCacheDir !== undefined && (typeof c.graphCacheDir !== 'string' || c.graphCacheDir === '')) {
    bad('graphCacheDir', c.graphCacheDir, 'must be a path, null or undefined');
  }
  numberIn(c, 'inlineGrammarCacheEntries', 0, 1e6, true);
  numberIn(c, 'maxUserGrammars', 0, 1e6, true);
  numberIn(c, 'maxGrammarSourceBytes', 1, 2 ** 31, true);
  numberIn(c, 'batchMaxWaitMs', 0, 1000);
  numberIn(c, 'decodeSliceMs', 0.1, 1000);
  if (c.decodeWorkers !== 'auto') numberIn(c, 'decodeWorkers', 0, 256, true);
  if (c.modelWorker !== 'auto' && typeof c.modelWorker !== 'boolean') bad('modelWorker', c.modelWorker, 'must be a boolean or "auto"');
  numberIn(c, 'maxSessions', 1, 1e6, true);
  numberIn(c, 'maxQueuedAudioSec', 0.1, 86400);
  if (typeof c.warmUp !== 'boolean') bad('warmUp', c.warmUp, 'must be a boolean');
  return Object.freeze(c) as unknown as EngineConfig;
}

/** A grammar given with a request rather than by name (compiled and cached by content hash). */
export type InlineGrammar =
  | { kind: 'phrases'; text: string }
  | { kind: 'jsgf'; text: string; root?: string }
  | { kind: 'words'; words: readonly string[] };

/** A grammar by name (shipped or user) or inline. */
export type GrammarSpec = string | InlineGrammar;

/** Raw PCM encodings a streaming session accepts. */
export const SESSION_ENCODINGS: readonly RawPcmEncoding[] = Object.freeze(['s16le', 'f32le']);

/** Options of a session (one per WebSocket connection or HTTP request). Every field: meaning, unit, default. */
export interface SessionOptions {
  /** Sample rate of the audio given to `acceptAudio`, Hz (any rate 1000–384000; resampled to the model's). Default: the model's (16000). */
  sampleRate?: number;
  /** Encoding of the bytes given to `acceptAudio`: "s16le" (16-bit signed little-endian) or "f32le". Default "s16le". */
  encoding?: 's16le' | 'f32le';
  /** Interleaved channels of that audio, averaged to mono. Default 1. */
  channels?: number;
  /** The grammar: a shipped or user grammar's name, or an inline grammar. Default: the engine's defaultGrammar. */
  grammar?: GrammarSpec;
  /** Alternatives wanted in each final (the n-best list, best first); 1 → no `alternatives` field. Default 1. */
  alternatives?: number;
  /** Emit `partial` events while an utterance is in progress. Default true. */
  partials?: boolean;
  /**
   * Endpointing: false → an utterance lasts until `finalize` or `end`; otherwise the decoder's endpoint rules
   * (`EndpointOptions`; default Kaldi's five rules, e.g. 0.5 s of trailing silence where the grammar can end).
   */
  endpoint?: EndpointOptions | false;
}

/** Session options with defaults applied (grammar still unresolved: the store resolves it). */
export interface ResolvedSessionOptions {
  sampleRate: number;
  encoding: 's16le' | 'f32le';
  channels: number;
  grammar: GrammarSpec;
  alternatives: number;
  partials: boolean;
  endpoint: EndpointOptions | false | undefined;
}

const SESSION_KEYS = ['sampleRate', 'encoding', 'channels', 'grammar', 'alternatives', 'partials', 'endpoint'] as const;

/** Most alternatives a session may ask for. */
export const MAX_ALTERNATIVES = 20;

/** Validates an inline grammar's shape (not its content: the compiler does that). Throws ENGINE_OPTION. */
export function checkGrammarSpec(spec: unknown, option = 'grammar'): GrammarSpec {
  if (typeof spec === 'string') {
    if (spec === '') bad(option, spec, 'must be a non-empty name');
    return spec;
  }
  if (!isRecord(spec)) bad(option, spec, 'must be a grammar name or an inline grammar { kind, text | words }');
  switch (spec.kind) {
    case 'phrases':
      checkKeys(spec, ['kind', 'text'], option);
      if (typeof spec.text !== 'string') bad(`${option}.text`, spec.text, 'must be a string');
      return { kind: 'phrases', text: spec.text };
    case 'jsgf':
      checkKeys(spec, ['kind', 'text', 'root'], option);
      if (typeof spec.text !== 'string') bad(`${option}.text`, spec.text, 'must be a string');
      if (spec.root !== undefined && typeof spec.root !== 'string') bad(`${option}.root`, spec.root, 'must be a rule name');
      return spec.root === undefined ? { kind: 'jsgf', text: spec.text } : { kind: 'jsgf', text: spec.text, root: spec.root };
    case 'words':
      checkKeys(spec, ['kind', 'words'], option);
      if (!Array.isArray(spec.words) || !spec.words.every((w) => typeof w === 'string')) bad(`${option}.words`, spec.words, 'must be an array of strings');
      return { kind: 'words', words: [...(spec.words as string[])] };
    default:
      return bad(`${option}.kind`, spec.kind, 'must be "phrases", "jsgf" or "words" (ARPA LMs are added by name with put)');
  }
}

/**
 * Session options over the defaults, validated: ENGINE_OPTION for unknown keys and bad values, AUDIO_BAD_RATE for a
 * bad sample rate. Endpoint rules are checked by the decoder when the session starts (DECODER_OPTION). O(1).
 */
export function resolveSessionOptions(opts: SessionOptions, modelSampleRate: number, defaultGrammar: string): ResolvedSessionOptions {
  if (!isRecord(opts as unknown)) bad('session', opts, 'must be an object');
  checkKeys(opts, SESSION_KEYS, 'session');
  const sampleRate = opts.sampleRate === undefined ? modelSampleRate : checkSampleRate(opts.sampleRate);
  const encoding = opts.encoding ?? 's16le';
  if (!SESSION_ENCODINGS.includes(encoding)) bad('encoding', encoding, `must be one of ${SESSION_ENCODINGS.join(', ')}`);
  const channels = opts.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) bad('channels', channels, `must be an integer in [1, ${MAX_CHANNELS}]`);
  const grammar = opts.grammar === undefined ? defaultGrammar : checkGrammarSpec(opts.grammar);
  const alternatives = opts.alternatives ?? 1;
  if (!Number.isInteger(alternatives) || alternatives < 1 || alternatives > MAX_ALTERNATIVES) {
    bad('alternatives', alternatives, `must be an integer in [1, ${MAX_ALTERNATIVES}]`);
  }
  const partials = opts.partials ?? true;
  if (typeof partials !== 'boolean') bad('partials', partials, 'must be a boolean');
  const endpoint = opts.endpoint;
  if (endpoint !== undefined && endpoint !== false && !isRecord(endpoint)) bad('endpoint', endpoint, 'must be false or an object { enabled?, rules? }');
  return { sampleRate, encoding, channels, grammar, alternatives, partials, endpoint };
}

const WIRE_RULE_KEYS: Record<string, keyof EndpointRule> = {
  must_contain_speech: 'mustContainSpeech',
  min_trailing_silence_sec: 'minTrailingSilenceSec',
  max_relative_cost: 'maxRelativeCost',
  min_utterance_sec: 'minUtteranceSec',
};

/**
 * Session options from their wire form (JSON of a WebSocket start message or query parameters already parsed):
 * `sample_rate`, `encoding`, `channels`, `grammar` (a name, or `{ kind: "phrases"|"jsgf"|"words", text | words }`),
 * `alternatives`, `partials`, `endpoint` (true, false, or `{ enabled?, rules?: [{ must_contain_speech,
 * min_trailing_silence_sec, max_relative_cost, min_utterance_sec }] }`). Numbers and booleans may be strings (query
 * parameters). Unknown keys → ENGINE_OPTION. The result still goes through `resolveSessionOptions`.
 */
export function sessionOptionsFromWire(wire: Record<string, unknown>): SessionOptions {
  if (!isRecord(wire)) bad('session', wire, 'must be an object');
  const out: SessionOptions = {};
  const num = (k: string, v: unknown): number => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) bad(k, v, 'must be a number');
    return n as number;
  };
  const bool = (k: string, v: unknown): boolean => {
    if (v === true || v === 'true' || v === '1') return true;
    if (v === false || v === 'false' || v === '0') return false;
    return bad(k, v, 'must be a boolean');
  };
  for (const [k, v] of Object.entries(wire)) {
    if (v === undefined) continue;
    switch (k) {
      case 'sample_rate':
        out.sampleRate = num(k, v);
        break;
      case 'encoding':
        out.encoding = v as 's16le' | 'f32le';
        break;
      case 'channels':
        out.channels = num(k, v);
        break;
      case 'grammar':
        out.grammar = checkGrammarSpec(v);
        break;
      case 'alternatives':
        out.alternatives = num(k, v);
        break;
      case 'partials':
        out.partials = bool(k, v);
        break;
      case 'endpoint': {
        if (typeof v !== 'object' || v === null) {
          if (!bool(k, v)) out.endpoint = false;
          break;
        }
        if (!isRecord(v)) bad(k, v, 'must be a boolean or an object');
        checkKeys(v, ['enabled', 'rules'], 'endpoint');
        const ep: { enabled?: boolean; rules?: Partial<EndpointRule>[] } = {};
        if (v.enabled !== undefined) ep.enabled = bool('endpoint.enabled', v.enabled);
        if (v.rules !== undefined) {
          if (!Array.isArray(v.rules)) bad('endpoint.rules', v.rules, 'must be an array');
          ep.rules = (v.rules as unknown[]).map((r, i) => {
            if (!isRecord(r)) bad(`endpoint.rules[${i}]`, r, 'must be an object');
            const rule: Record<string, unknown> = {};
            for (const [rk, rv] of Object.entries(r)) {
              const name = WIRE_RULE_KEYS[rk];
              if (name === undefined) bad(`endpoint.rules[${i}].${rk}`, rv, 'is unknown');
              rule[name] = name === 'mustContainSpeech' ? bool(rk, rv) : num(rk, rv);
            }
            return rule as Partial<EndpointRule>;
          });
        }
        out.endpoint = ep;
        break;
      }
      default:
        bad(k, v, 'is unknown');
    }
  }
  return out;
}
