// The recognition engine: one acoustic model, shared grammars and recognizers, batched sessions, batch transcription.
//
// API (stable; engine/README.md has the same with tables):
//
//   const engine = await Engine.create(config?: Partial<EngineConfig>, hooks?: { log?: (line) => void });
//   engine.ready; engine.model (ModelInfo); engine.config; engine.describe(); engine.stats() (EngineStats)
//   const s = await engine.createSession(options?: SessionOptions, onEvent?: (e: SessionEvent) => void);
//     s.acceptAudio(bytes) | s.acceptSamples(f32) | s.finalize() | s.setGrammar(spec, { restartUtterance? })
//     await s.end() | s.close()
//     events: partial { text, words } | final { code, text, start, end, words, alternatives? }
//             | grammar { name, compile_ms, effective_at } | error { code, message, fatal, details? } | end { audio_sec }
//   const r = await engine.transcribe(bytes | f32, { grammar?, alternatives?, endpoint?, raw?, sampleRate? });
//   await engine.grammars.put(name, source); engine.grammars.delete(name); engine.grammars.list();
//   await engine.terminateWorker('model' | 'decode' | 'compile', index?);   // fault injection: as a crash would
//   await engine.close();
//
// Errors are coded (engine/errors.ts: ERROR_STATUS maps every component's codes to HTTP and WebSocket statuses).

import { decodeAudio } from '../audio/decode.ts';
import type { RawPcmFormat } from '../audio/pcm.ts';
import { resample } from '../audio/resample.ts';
import { checkSampleRate } from '../audio/errors.ts';
import { availableParallelism } from 'node:os';
import { TokenTable } from '../decoder/graph/tokens.ts';
import { decoderConfig, describeDecoderConfig, type DecoderOptions } from '../decoder/search/config.ts';
import type { EndpointOptions } from '../decoder/search/endpoint.ts';
import { Batcher } from './batcher.ts';
import { autoDecodeWorkers, resolveEngineConfig, resolveSessionOptions, type EngineConfig, type GrammarSpec, type SessionOptions } from './config.ts';
import { LocalDecoderHost, WorkerDecoderHost, type DecoderHost } from './decoder-pool.ts';
import { LocalModelHost, WorkerModelHost, type ModelHost } from './model-host.ts';
import { EngineError } from './errors.ts';
import { WorkerGrammarCompiler } from './grammar-compiler.ts';
import { GrammarStore } from './grammar-store.ts';
import { Session, type FinalEvent, type SessionContext, type SessionEvent } from './session.ts';
import { StatsRecorder, type EngineStats } from './stats.ts';

export type { EngineConfig, GrammarSpec, InlineGrammar, SessionOptions } from './config.ts';
export type { EngineStats, HistogramSnapshot } from './stats.ts';
export type { FinalEvent, PartialEvent, GrammarEvent, ErrorEvent, EndEvent, SessionEvent, SetGrammarOptions } from './session.ts';
export type { FinalWordEvent, PartialWordEvent } from './decoder-pool.ts';
export type { GrammarInfo, GrammarListing } from './grammar-store.ts';
export { Session } from './session.ts';
export { GrammarStore } from './grammar-store.ts';

/** Hooks of an engine: where its log lines go. */
export interface EngineHooks {
  /** One line per event worth logging (grammar loads and builds, start-up summary). Default: dropped. */
  log?: (line: string) => void;
}

/** What the engine says about its acoustic model. */
export interface ModelInfo {
  name: string;
  version: string;
  /** The card's status line ("" when it has none). */
  status: string;
  /** True when the card says the model is a placeholder (right interface, useless transcripts). */
  placeholder: boolean;
  sampleRate: number;
  /** Audio per model run, ms. */
  chunkMs: number;
  frameShiftMs: number;
  tokens: readonly string[];
}

/** Options of `Engine.transcribe`. Unknown keys → ENGINE_OPTION. */
export interface TranscribeOptions {
  /** Grammar name or inline grammar. Default: the engine's defaultGrammar. */
  grammar?: GrammarSpec;
  /** Alternatives per segment (n-best). Default 1. */
  alternatives?: number;
  /** Endpointing, which cuts the file into segments; false → one segment. Default: the decoder's rules. */
  endpoint?: EndpointOptions | false;
  /** Format of headerless PCM bytes (WAV is recognised by its header and needs none). */
  raw?: RawPcmFormat;
  /** Sample rate of a Float32Array input, Hz. Default: the model's. */
  sampleRate?: number;
}

/** One segment (utterance) of a transcription: a final event without its type. */
export type TranscriptSegment = Omit<FinalEvent, 'type'>;

/** The result of `Engine.transcribe`. */
export interface TranscribeResult {
  /** The segments' texts joined by spaces. */
  text: string;
  segments: TranscriptSegment[];
  /** Every segment's words, in order. */
  words: FinalEvent['words'];
  /** Audio duration, seconds. */
  durationSec: number;
  /** Wall time of the request (decode, model, search), seconds. */
  processingSec: number;
  /** processingSec / durationSec. */
  rtf: number;
  /** Name of the grammar used. */
  grammar: string;
}

const TRANSCRIBE_KEYS = ['grammar', 'alternatives', 'endpoint', 'raw', 'sampleRate'];

/**
 * The engine: the acoustic model (shared, batched), the grammar store (one Recognizer per compiled graph, shared),
 * and the sessions. Model runs are batched across sessions; the model, the search and grammar compiles run in worker
 * threads (config modelWorker, decodeWorkers; compiles always), or on the event loop time-sliced (see Batcher), so no
 * single stretch of work holds the loop for long. A worker thread that dies is replaced; only the sessions whose
 * state it held end (ENGINE_WORKER_FAILED).
 */
export class Engine {
  readonly config: Readonly<EngineConfig>;
  readonly model: ModelInfo;
  readonly grammars: GrammarStore;
  private readonly acoustic: ModelHost;
  private readonly batcher: Batcher;
  private readonly decoders: DecoderHost;
  private readonly recorder = new StatsRecorder();
  private readonly sessions = new Set<Session>();
  private readonly log: (line: string) => void;
  private readonly decoderOptions: DecoderOptions;
  private nextId = 1;
  private isReady = false;
  private closing = false;

  private constructor(
    config: EngineConfig,
    acoustic: ModelHost,
    grammars: GrammarStore,
    decoders: DecoderHost,
    decoderOptions: DecoderOptions,
    log: (line: string) => void,
  ) {
    this.config = config;
    this.acoustic = acoustic;
    this.grammars = grammars;
    this.decoders = decoders;
    this.decoderOptions = decoderOptions;
    this.log = log;
    this.batcher = new Batcher(acoustic, { maxWaitMs: config.batchMaxWaitMs, sliceMs: config.decodeSliceMs }, this.recorder);
    const card = acoustic.card;
    const status = typeof card.extra.status === 'string' ? card.extra.status : '';
    this.model = Object.freeze({
      name: card.name,
      version: card.version,
      status,
      placeholder: status.startsWith('placeholder'),
      sampleRate: card.sampleRate,
      chunkMs: (acoustic.chunkSamples * 1000) / card.sampleRate,
      frameShiftMs: (card.frameShiftSamples * 1000) / card.sampleRate,
      tokens: card.tokens,
    });
  }

  /**
   * Loads the model, compiles the configured user grammars, loads the default grammar (from the graph cache, or
   * built once: seconds for `en`, with progress lines to hooks.log), warms up, and returns a ready engine.
   * Throws ENGINE_OPTION, the model's MODEL_* errors, DECODER_OPTION, the grammars' errors.
   */
  static async create(options: Partial<EngineConfig> = {}, hooks: EngineHooks = {}): Promise<Engine> {
    const t0 = performance.now();
    const config = resolveEngineConfig(options);
    const log = hooks.log ?? (() => {});
    const inWorker = config.modelWorker === 'auto' ? availableParallelism() > 1 : config.modelWorker;
    const acoustic = inWorker ? await WorkerModelHost.load(config.modelDir, config.model, log) : await LocalModelHost.load(config.modelDir, config.model);
    let decoders: DecoderHost | null = null;
    let grammars: GrammarStore | null = null;
    try {
      const card = acoustic.card;
      const tokens = new TokenTable(card.tokens, { blank: card.blank, space: card.space });
      // The decoder's frame shift is the model's unless configured: one fact, read from the card.
      // The card may recommend decoder settings tuned for this model (e.g. a blank penalty); the config overrides them.
      const recommended = card.extra.decoder;
      const fromCard = typeof recommended === 'object' && recommended !== null ? (recommended as DecoderOptions) : {};
      const decoderOptions: DecoderOptions = {
        frameShiftMs: (card.frameShiftSamples * 1000) / card.sampleRate,
        ...fromCard,
        ...config.decoder,
      };
      decoderConfig(decoderOptions);
      grammars = new GrammarStore(tokens, {
        decoder: decoderOptions,
        cacheDir: config.graphCacheDir,
        inlineCacheEntries: config.inlineGrammarCacheEntries,
        maxUserGrammars: config.maxUserGrammars,
        maxSourceBytes: config.maxGrammarSourceBytes,
        log,
        compiler: new WorkerGrammarCompiler(tokens, log),
      });
      for (const [name, source] of Object.entries(config.grammars)) await grammars.put(name, source);
      const def = await grammars.resolve(config.defaultGrammar);
      const workers = config.decodeWorkers === 'auto' ? autoDecodeWorkers() : config.decodeWorkers;
      if (workers > 0) {
        const host = await WorkerDecoderHost.start(workers, decoderOptions, log);
        decoders = host;
        host.preload(def.graph);
      } else decoders = new LocalDecoderHost();
      const engine = new Engine(config, acoustic, grammars, decoders, decoderOptions, log);
      // The model thread died: every stream's state went with it.
      acoustic.onWorkerFailure((e) => {
        for (const s of [...engine.sessions]) s.abort(e);
      });
      if (config.warmUp) {
        const s = await engine.createSession({ partials: false });
        s.acceptSamples(new Float32Array(card.sampleRate));
        await s.end();
      }
      engine.isReady = true;
      log(
        `engine ready in ${(performance.now() - t0).toFixed(0)} ms: model ${card.name} ${card.version}` +
          `${engine.model.placeholder ? ' (PLACEHOLDER: transcripts are meaningless)' : ''}, ` +
          `default grammar ${def.info.name} (${def.info.states} states, ${def.info.arcs} arcs)`,
      );
      return engine;
    } catch (e) {
      await grammars?.close();
      await decoders?.close();
      await acoustic.dispose();
      throw e;
    }
  }

  /** True once `create` resolved, until `close`. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Sessions open now. */
  get activeSessions(): number {
    return this.sessions.size;
  }

  /** The effective configuration (engine, model, decoder) for one log line at start-up. */
  describe(): Record<string, unknown> {
    return {
      engine: { ...this.config, grammars: Object.keys(this.config.grammars) },
      model: { ...this.acoustic.options, card: this.acoustic.cardPath, chunkSamples: this.acoustic.chunkSamples, inWorker: this.acoustic.inWorker },
      decoder: describeDecoderConfig(decoderConfig(this.decoderOptions)),
    };
  }

  /**
   * A new session; `onEvent` receives its events synchronously from the engine's work (keep it cheap: serialise and
   * send). Resolves once its grammar is ready. Rejects with ENGINE_NOT_READY, ENGINE_BUSY, ENGINE_OPTION,
   * AUDIO_BAD_RATE, DECODER_OPTION, ENGINE_GRAMMAR_NOT_FOUND, an inline grammar's compile error, or
   * ENGINE_WORKER_FAILED (a compile or decode thread died).
   */
  async createSession(options: SessionOptions = {}, onEvent: (e: SessionEvent) => void = () => {}): Promise<Session> {
    return this.openSession(options, onEvent, true);
  }

  private async openSession(options: SessionOptions, onEvent: (e: SessionEvent) => void, limitQueue: boolean): Promise<Session> {
    if (this.closing) throw new EngineError('ENGINE_NOT_READY', 'the engine is closed');
    if (this.sessions.size >= this.config.maxSessions) {
      throw new EngineError('ENGINE_BUSY', `${this.sessions.size} sessions are open`, { limit: this.config.maxSessions });
    }
    const resolved = resolveSessionOptions(options, this.model.sampleRate, this.config.defaultGrammar);
    const grammar = await this.grammars.resolve(resolved.grammar);
    if (this.closing) throw new EngineError('ENGINE_NOT_READY', 'the engine is closed');
    if (this.sessions.size >= this.config.maxSessions) {
      throw new EngineError('ENGINE_BUSY', `${this.sessions.size} sessions are open`, { limit: this.config.maxSessions });
    }
    const ctx: SessionContext = {
      model: this.acoustic,
      batcher: this.batcher,
      grammars: this.grammars,
      decoders: this.decoders,
      stats: this.recorder,
      maxQueuedAudioSec: this.config.maxQueuedAudioSec,
      log: this.log,
      onDone: (s) => {
        if (this.sessions.delete(s)) this.recorder.activeSessions = this.sessions.size;
      },
    };
    const session = new Session(this.nextId++, ctx, resolved, grammar, onEvent, limitQueue);
    this.sessions.add(session);
    this.recorder.activeSessions = this.sessions.size;
    this.recorder.sessionsStarted++;
    return session;
  }

  /**
   * Recognises a whole recording: WAV bytes (any rate, PCM or float, any channels), headerless PCM bytes with
   * `options.raw`, or mono samples (`Float32Array` at options.sampleRate). Runs as a session (batched with the
   * streaming ones) without partials. Rejects with the audio's AUDIO_* errors, the session's errors, or the first
   * fatal error of the recognition.
   */
  async transcribe(audio: Uint8Array | Float32Array, options: TranscribeOptions = {}): Promise<TranscribeResult> {
    const t0 = performance.now();
    if (typeof options !== 'object' || options === null) throw new EngineError('ENGINE_OPTION', 'transcribe options must be an object', { option: 'options' });
    for (const k of Object.keys(options)) {
      if (!TRANSCRIBE_KEYS.includes(k)) throw new EngineError('ENGINE_OPTION', `transcribe: unknown option "${k}"`, { option: k });
    }
    const rate = this.model.sampleRate;
    let samples: Float32Array;
    if (audio instanceof Float32Array) {
      const from = options.sampleRate === undefined ? rate : checkSampleRate(options.sampleRate);
      samples = from === rate ? audio : resample(audio, from, rate);
    } else if (audio instanceof Uint8Array) {
      samples = decodeAudio(audio, { sampleRate: rate, ...(options.raw === undefined ? {} : { raw: options.raw }) }).samples;
    } else {
      throw new EngineError('ENGINE_OPTION', 'audio must be bytes or a Float32Array', { option: 'audio' });
    }
    const segments: TranscriptSegment[] = [];
    const session = await this.openSession(
      {
        partials: false,
        ...(options.grammar === undefined ? {} : { grammar: options.grammar }),
        ...(options.alternatives === undefined ? {} : { alternatives: options.alternatives }),
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      },
      (e) => {
        if (e.type === 'final') {
          const { type: _type, ...segment } = e;
          segments.push(segment);
        }
      },
      false,
    );
    session.acceptSamples(samples);
    await session.end();
    if (session.failure !== undefined) throw session.failure;
    const durationSec = samples.length / rate;
    const processingSec = (performance.now() - t0) / 1000;
    return {
      text: segments.map((s) => s.text).filter((t) => t !== '').join(' '),
      segments,
      words: segments.flatMap((s) => s.words),
      durationSec,
      processingSec,
      rtf: durationSec > 0 ? processingSec / durationSec : 0,
      grammar: session.grammar,
    };
  }

  /** Counters and histograms for metrics. O(buckets). */
  stats(): EngineStats {
    const r = this.recorder;
    const audioSec = r.audioSamples / this.model.sampleRate;
    const processingSec = (r.modelMs + r.decodeMs) / 1000;
    return {
      activeSessions: this.sessions.size,
      sessionsStarted: r.sessionsStarted,
      audioSec,
      modelSec: r.modelMs / 1000,
      decodeSec: r.decodeMs / 1000,
      processingSec,
      rtf: audioSec > 0 ? processingSec / audioSec : 0,
      queueDepth: this.batcher.queueDepth,
      queuedAudioSec: r.queuedSamples / this.model.sampleRate,
      modelRuns: r.modelRuns,
      streamsRun: r.streamsRun,
      meanBatch: r.modelRuns > 0 ? r.streamsRun / r.modelRuns : 0,
      batchSize: r.batchSize.snapshot(),
      firstPartialMs: r.firstPartialMs.snapshot(),
      finalAfterSpeechMs: r.finalAfterSpeechMs.snapshot(),
      finalAfterEofMs: r.finalAfterEofMs.snapshot(),
      loopBlockMs: r.loopBlockMs.snapshot(),
      decodeWorkers: this.decoders.workers,
      workerRestarts: { model: this.acoustic.restarts, decode: this.decoders.restarts, compile: this.grammars.compilerRestarts },
      userGrammars: this.grammars.userCount,
      inlineGrammars: this.grammars.inlineCount,
    };
  }

  /**
   * Ends one worker thread the way a crash would, for fault-injection tests and drills: 'model' (the acoustic
   * model's thread: every session ends), 'decode' (search thread `index`: the sessions pinned to it end) or
   * 'compile' (the grammar compiler: compiles in progress fail). The engine recovers as from a real crash: what was
   * on the thread gets ENGINE_WORKER_FAILED, a replacement starts, `stats().workerRestarts` counts it. Resolves once
   * the thread is gone: true, or false when no such thread runs (e.g. the model on the event loop).
   */
  terminateWorker(kind: 'model' | 'decode' | 'compile', index = 0): Promise<boolean> {
    if (kind === 'model') return this.acoustic.terminateWorker();
    if (kind === 'decode') return this.decoders.terminateWorker(index);
    return this.grammars.terminateCompileWorker();
  }

  /** Closes every session (no more events), stops batching and releases the model. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.isReady = false;
    for (const s of [...this.sessions]) s.close();
    this.batcher.close();
    // Let a model run in flight finish before the session is released.
    while (this.batcher.busy) await new Promise((r) => setTimeout(r, 1));
    await this.decoders.close();
    await this.grammars.close();
    await this.acoustic.dispose();
  }
}
