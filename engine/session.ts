// One recognition session (a WebSocket connection or an HTTP request): audio in, partial/final/grammar events out.

import { RawPcmDecoder } from '../audio/pcm.ts';
import { Resampler } from '../audio/resample.ts';
import { endpointConfig } from '../decoder/search/endpoint.ts';
import type { LogProbBlock } from '../models/acoustic-model.ts';
import type { BatchClient, Batcher } from './batcher.ts';
import { checkGrammarSpec, type GrammarSpec, type ResolvedSessionOptions } from './config.ts';
import type { DecodeReply, DecoderHandle, DecoderHost, FinalEvent, PartialEvent } from './decoder-pool.ts';
import { EngineError, errorData, errorFromData, type ErrorCode, type ErrorData } from './errors.ts';
import type { GrammarStore, ResolvedGrammar } from './grammar-store.ts';
import type { ModelHost, ModelStream } from './model-host.ts';
import type { StatsRecorder } from './stats.ts';

export type { FinalEvent, FinalWordEvent, PartialEvent, PartialWordEvent } from './decoder-pool.ts';

/** A grammar switch took effect (compiled or found). */
export interface GrammarEvent {
  type: 'grammar';
  name: string;
  /** Wall time of the compile or load, ms (≈ 0 when cached). */
  compile_ms: number;
  /** From the next utterance, or the current utterance decoded again from its start. */
  effective_at: 'next_utterance' | 'current_utterance';
}

/** A coded error. Fatal: the session is over and an `end` event follows; otherwise it goes on. */
export interface ErrorEvent {
  type: 'error';
  code: ErrorCode;
  message: string;
  fatal: boolean;
  /** Machine-readable context of the code (e.g. line and column of a grammar syntax error). */
  details?: Record<string, unknown>;
}

/** The last event of a session. */
export interface EndEvent {
  type: 'end';
  /** Audio received, seconds at the model's rate. */
  audio_sec: number;
}

export type SessionEvent = PartialEvent | FinalEvent | GrammarEvent | ErrorEvent | EndEvent;

/** Options of `Session.setGrammar`. */
export interface SetGrammarOptions {
  /** Decode the current utterance again from its start with the new grammar. Default false (next utterance). */
  restartUtterance?: boolean;
}

/** What a session needs from its engine. */
export interface SessionContext {
  model: ModelHost;
  batcher: Batcher;
  grammars: GrammarStore;
  decoders: DecoderHost;
  stats: StatsRecorder;
  maxQueuedAudioSec: number;
  log: (line: string) => void;
  /** Called once when the session is over (ended, failed or closed). */
  onDone: (s: Session) => void;
}

type SessionState = 'open' | 'ending' | 'ended' | 'closed';

/** A control request queued behind the audio received before it. */
interface Op {
  /** Absolute model-rate sample position: the op runs once every full chunk before it went through the model. */
  at: number;
  kind: 'finalize' | 'end';
}

/**
 * The answer to a grammar request, waiting for the swaps asked for before it: a swap the decoder has not answered
 * yet, or the error of a request that failed to resolve (sent once the swaps before it are answered, so that answers
 * keep the order of the requests).
 */
type PendingAnswer = { kind: 'swap'; name: string; compileMs: number; restart: boolean } | { kind: 'error'; error: ErrorData };

/** Arrival times of the last pushes of audio kept, for latency metrics. */
const ARRIVALS = 256;

/**
 * Decode requests a session may have outstanding (each ≈ one 100 ms chunk of log-probs, ~0.6 KB) before it stops
 * asking for model runs: a memory bound for a decode worker that falls far behind (30 s of audio), not a pacing
 * device — pacing sessions one by one by their decode replies breaks batching (measured: 64 overloaded streams fell
 * from a mean batch of 29 to 4, and the model's cost rose fourfold).
 */
const MAX_DECODE_PENDING = 300;

function sec(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * A session: raw PCM in (any byte split, any rate), through its own acoustic stream (batched with other sessions'
 * by the engine's Batcher) and its own decoder (a search over a shared Recognizer, on the event loop or in a decode
 * worker), events out. Created by `Engine.createSession`; every method is cheap and returns at once: the work
 * happens in the engine's batches. Control calls (`finalize`, `end`, `setGrammar`) take effect in call order with
 * the audio received before them.
 * Memory: the audio waiting for the model, the decoder's state and the current utterance's log-probs.
 */
export class Session implements BatchClient {
  readonly id: number;
  readonly options: Readonly<ResolvedSessionOptions>;
  readonly acoustic: ModelStream;
  private readonly ctx: SessionContext;
  private readonly onEvent: (e: SessionEvent) => void;
  private readonly decoder: DecoderHandle;
  private grammarName: string;
  private readonly input: RawPcmDecoder;
  private readonly resampler: Resampler | null;
  private readonly sampleRate: number;
  private readonly chunkSamples: number;
  private readonly limitQueue: boolean;
  private st: SessionState = 'open';
  // Audio received and not yet handed to the model: q[qHead … qTail).
  private q = new Float32Array(16384);
  private qHead = 0;
  private qTail = 0;
  private received = 0;
  private handed = 0;
  private readonly ops: Op[] = [];
  private readonly answers: PendingAnswer[] = [];
  private waiting = false;
  private inFlight = false;
  private finishing = false;
  private lastSent = false;
  private firstPartialSeen = false;
  private endCalledAt = 0;
  private readonly arrivalAt = new Float64Array(ARRIVALS);
  private readonly arrivalTime = new Float64Array(ARRIVALS);
  private arrivals = 0;
  private grammarChain: Promise<void> = Promise.resolve();
  private fatalError: unknown = undefined;
  private readonly endPromise: Promise<void>;
  private resolveEnd!: () => void;

  /** @internal Use `Engine.createSession`. */
  constructor(
    id: number,
    ctx: SessionContext,
    options: ResolvedSessionOptions,
    grammar: ResolvedGrammar,
    onEvent: (e: SessionEvent) => void,
    limitQueue: boolean,
  ) {
    this.id = id;
    this.ctx = ctx;
    this.options = Object.freeze({ ...options });
    this.onEvent = onEvent;
    this.limitQueue = limitQueue;
    this.sampleRate = ctx.model.card.sampleRate;
    this.chunkSamples = ctx.model.chunkSamples;
    // Endpoint rules are checked here, so that a bad one fails createSession (DECODER_OPTION) wherever decoding runs.
    if (options.endpoint !== undefined && options.endpoint !== false) endpointConfig(options.endpoint);
    this.input = new RawPcmDecoder({ encoding: options.encoding, sampleRate: options.sampleRate, channels: options.channels });
    this.resampler = options.sampleRate === this.sampleRate ? null : new Resampler(options.sampleRate, this.sampleRate);
    this.grammarName = grammar.info.name;
    this.endPromise = new Promise((r) => (this.resolveEnd = r));
    this.acoustic = ctx.model.createStream();
    try {
      this.decoder = ctx.decoders.open(
        ctx.decoders.prepareGraph(grammar.graph, grammar.recognizer),
        { endpoint: options.endpoint, alternatives: options.alternatives, partials: options.partials },
        (r) => this.onReply(r),
      );
    } catch (e) {
      ctx.model.releaseStream(this.acoustic);
      throw e;
    }
  }

  /** open → ending (end() called) → ended (end event sent); closed after close(). */
  get state(): SessionState {
    return this.st;
  }

  /** Name of the grammar decoding now (inline grammars: "inline:" + 12 hex digits of their hash). */
  get grammar(): string {
    return this.grammarName;
  }

  /** The error that ended the session (the one its fatal `error` event reports), or undefined. */
  get failure(): unknown {
    return this.fatalError;
  }

  /** Audio received and not yet through the model, seconds. */
  get queuedSec(): number {
    return (this.received - this.handed) / this.sampleRate;
  }

  /** Audio received so far, seconds at the model's rate. */
  get receivedSec(): number {
    return this.received / this.sampleRate;
  }

  /**
   * Raw PCM in the session's encoding, rate and channels; any byte count (a partial sample is carried to the next
   * call). Returns at once; recognition follows in the engine's batches. Throws ENGINE_SESSION_STATE after end() or
   * close(), ENGINE_OPTION for a non-byte argument, ENGINE_BACKLOG when more than maxQueuedAudioSec waits (the
   * bytes are then dropped). O(bytes).
   */
  acceptAudio(bytes: Uint8Array): void {
    this.checkOpen('acceptAudio');
    if (!(bytes instanceof Uint8Array)) throw new EngineError('ENGINE_OPTION', 'audio must be bytes (Uint8Array or Buffer)', { option: 'audio' });
    if (this.limitQueue && this.queuedSec > this.ctx.maxQueuedAudioSec) {
      throw new EngineError('ENGINE_BACKLOG', `${this.queuedSec.toFixed(1)} s of audio are waiting for the model`, {
        queuedSec: this.queuedSec,
        limit: this.ctx.maxQueuedAudioSec,
      });
    }
    const pcm = this.input.push(bytes);
    this.append(this.resampler === null ? pcm : this.resampler.process(pcm));
  }

  /** Mono float samples at the model's rate (16 kHz), bypassing decoding and resampling. As `acceptAudio` otherwise. */
  acceptSamples(samples: Float32Array): void {
    this.checkOpen('acceptSamples');
    if (!(samples instanceof Float32Array)) throw new EngineError('ENGINE_OPTION', 'samples must be a Float32Array', { option: 'samples' });
    this.append(samples);
  }

  /**
   * Ends the current utterance once the audio received so far has gone through the model (up to its last whole
   * chunk), and emits its final (always, possibly NO_SPEECH). The session stays open. ENGINE_SESSION_STATE after end().
   */
  finalize(): void {
    this.checkOpen('finalize');
    this.ops.push({ at: this.received, kind: 'finalize' });
    this.pump();
  }

  /**
   * Switches grammar without pausing the audio: the grammar is resolved (compiled, or found by name or content
   * hash), then a `grammar` event is sent and it decodes from the next utterance, or with `restartUtterance` the
   * current utterance again from its start. A grammar that cannot be resolved sends an `error` event (not fatal)
   * and the old one stays. Requests apply, and are answered, in call order. ENGINE_SESSION_STATE after end() or
   * close().
   */
  setGrammar(spec: GrammarSpec, opts: SetGrammarOptions = {}): void {
    this.checkOpen('setGrammar');
    const restart = opts.restartUtterance === true;
    this.grammarChain = this.grammarChain.then(async () => {
      // A swap asked for before end() is still answered: end() waits for this chain.
      const live = (): boolean => this.st === 'open' || this.st === 'ending';
      try {
        const g = await this.ctx.grammars.resolve(checkGrammarSpec(spec));
        if (!live()) return;
        const graph = this.ctx.decoders.prepareGraph(g.graph, g.recognizer);
        this.answers.push({ kind: 'swap', name: g.info.name, compileMs: g.info.compileMs, restart });
        this.decoder.send({ op: 'swap', graph, restart });
      } catch (e) {
        if (!live()) return;
        if (this.answers.length === 0) this.emitError(e, false);
        else this.answers.push({ kind: 'error', error: errorData(e) });
      }
    });
  }

  /**
   * End of input: flushes the model and the decoder, emits the remaining finals, then the `end` event; resolves
   * after it. A trailing partial sample is reported as an AUDIO_MISALIGNED error event (not fatal) first. Grammar
   * swaps asked for before are answered first (their `grammar` or `error` event comes before `end`; a compile in
   * progress is waited for). Calling it again returns the same promise. ENGINE_SESSION_STATE after close().
   */
  end(): Promise<void> {
    if (this.st === 'ending' || this.st === 'ended') return this.endPromise;
    this.checkOpen('end');
    this.st = 'ending';
    this.endCalledAt = performance.now();
    try {
      this.input.end();
    } catch (e) {
      this.emitError(e, false);
    }
    if (this.resampler !== null) this.append(this.resampler.flush());
    const at = this.received;
    // Audio before `at` keeps flowing meanwhile; the flush waits until every swap asked for before is sent.
    void this.grammarChain.then(() => {
      if (this.st !== 'ending') return;
      this.ops.push({ at, kind: 'end' });
      this.pump();
    });
    return this.endPromise;
  }

  /** Abandons the session (the client is gone): no more events; pending audio is dropped. Idempotent. */
  close(): void {
    if (this.st === 'closed' || this.st === 'ended') return;
    this.st = 'closed';
    this.release();
  }

  // ---- BatchClient ----

  /** @internal */
  takeChunk(): Float32Array {
    return this.take(this.chunkSamples - this.acoustic.pendingSamples);
  }

  /** @internal */
  takeTail(): Float32Array {
    return this.take(this.received - this.handed);
  }

  /** @internal */
  onFrames(block: LogProbBlock): void {
    this.inFlight = false;
    if (this.st === 'closed' || this.st === 'ended') return;
    if (block.final) this.lastSent = true;
    if (block.frames > 0 || block.final) this.decoder.send({ op: 'frames', data: block.data, frames: block.frames, last: block.final });
    if (!block.final) this.pump();
  }

  /**
   * @internal Ends the session at once with a fatal error event (`e`'s code) and `end`: the engine lost its state
   * (the model thread died). No-op once ended or closed.
   */
  abort(e: unknown): void {
    this.fail(e);
  }

  /** @internal */
  onModelError(e: unknown): void {
    this.inFlight = false;
    this.fail(e);
  }

  // ---- internals ----

  private onReply(r: DecodeReply): void {
    if (this.st === 'closed' || this.st === 'ended') return;
    this.ctx.stats.decodeMs += r.ms;
    switch (r.op) {
      case 'frames':
        for (const f of r.finals) this.emitFinal(f, true);
        if (r.partial !== null) this.emitPartial(r.partial);
        if (r.ended !== null) this.emitFinal(r.ended, false);
        if (this.lastSent && this.decoder.pending === 0) {
          this.finishEnded();
          return;
        }
        break;
      case 'endUtterance':
        this.emitFinal(r.final, false);
        break;
      case 'swap': {
        const sw = this.answers.shift() as Extract<PendingAnswer, { kind: 'swap' }>;
        for (const f of r.finals) this.emitFinal(f, true);
        this.grammarName = sw.name;
        this.emit({ type: 'grammar', name: sw.name, compile_ms: sec(sw.compileMs), effective_at: sw.restart ? 'current_utterance' : 'next_utterance' });
        if (r.partial !== null) this.emitPartial(r.partial);
        this.answerFailedGrammars();
        break;
      }
      case 'error':
        if (r.of === 'swap') {
          this.answers.shift();
          this.emitErrorData(r.error, false);
          this.answerFailedGrammars();
        } else this.fail(r.error);
        return;
    }
    this.pump();
  }

  /** Sends the errors of grammar requests that were waiting for the swap just answered. */
  private answerFailedGrammars(): void {
    while (this.answers.length > 0 && this.answers[0].kind === 'error') {
      const a = this.answers.shift() as Extract<PendingAnswer, { kind: 'error' }>;
      this.emitErrorData(a.error, false);
    }
  }

  private checkOpen(call: string): void {
    if (this.st !== 'open') {
      throw new EngineError('ENGINE_SESSION_STATE', `${call} on a session that is ${this.st}`, { state: this.st, call });
    }
  }

  private append(pcm: Float32Array): void {
    const n = pcm.length;
    if (n === 0) return;
    if (this.qTail + n > this.q.length) {
      const live = this.qTail - this.qHead;
      if (live + n <= this.q.length && this.qHead > 0) {
        this.q.copyWithin(0, this.qHead, this.qTail);
      } else {
        const grown = new Float32Array(Math.max(live + n, this.q.length * 2));
        grown.set(this.q.subarray(this.qHead, this.qTail));
        this.q = grown;
      }
      this.qHead = 0;
      this.qTail = live;
    }
    this.q.set(pcm, this.qTail);
    this.qTail += n;
    this.received += n;
    this.ctx.stats.queuedSamples += n;
    const k = this.arrivals++ % ARRIVALS;
    this.arrivalAt[k] = this.received;
    this.arrivalTime[k] = performance.now();
    this.pump();
  }

  private take(n: number): Float32Array {
    const out = this.q.slice(this.qHead, this.qHead + n);
    this.qHead += n;
    this.handed += n;
    this.ctx.stats.queuedSamples -= n;
    this.waiting = false;
    this.inFlight = true;
    return out;
  }

  /** Hands a full chunk to the batcher, or sends the control ops that are due to the decoder. */
  private pump(): void {
    if (this.waiting || this.inFlight || this.finishing || this.st === 'closed' || this.st === 'ended') return;
    for (;;) {
      const limit = this.ops.length > 0 ? this.ops[0].at : this.received;
      if (limit - this.handed >= this.chunkSamples - this.acoustic.pendingSamples) {
        // A decoder far behind (a busy worker) first catches up; its reply pumps again.
        if (this.decoder.pending >= MAX_DECODE_PENDING) return;
        this.waiting = true;
        this.ctx.batcher.markReady(this);
        return;
      }
      const op = this.ops.shift();
      if (op === undefined) return;
      if (op.kind === 'finalize') {
        this.decoder.send({ op: 'endUtterance' });
        // A local decoder answers inside send; a failure there ends the session.
        if ((this.st as SessionState) === 'ended') return;
        continue;
      }
      this.finishing = true;
      this.waiting = true;
      this.ctx.batcher.finish(this);
      return;
    }
  }

  /** The wall time at which the audio sample `sample` arrived (the oldest remembered one if it is older). */
  private arrivalOf(sample: number): number {
    const n = Math.min(this.arrivals, ARRIVALS);
    let best = NaN;
    for (let i = 1; i <= n; i++) {
      const k = (this.arrivals - i) % ARRIVALS;
      if (this.arrivalAt[k] <= sample) break;
      best = this.arrivalTime[k];
    }
    return Number.isNaN(best) ? this.arrivalTime[(this.arrivals - n) % ARRIVALS] : best;
  }

  private emit(e: SessionEvent): void {
    try {
      this.onEvent(e);
    } catch (err) {
      this.ctx.log(`session ${this.id}: event handler threw: ${(err as Error).message}`);
    }
  }

  private emitError(e: unknown, fatal: boolean): void {
    this.emitErrorData(errorData(e), fatal);
  }

  private emitErrorData(d: ErrorData, fatal: boolean): void {
    const ev: ErrorEvent = { type: 'error', code: d.code, message: d.message, fatal };
    if (Object.keys(d.details).length > 0) ev.details = d.details;
    this.emit(ev);
  }

  private emitPartial(p: PartialEvent): void {
    if (!this.firstPartialSeen && p.words.length > 0) {
      this.firstPartialSeen = true;
      this.ctx.stats.firstPartialMs.observe(performance.now() - this.arrivalOf(p.words[0].start * this.sampleRate));
    }
    this.emit(p);
  }

  private emitFinal(f: FinalEvent, endpointed: boolean): void {
    if (endpointed && f.words.length > 0) {
      const endSample = f.words[f.words.length - 1].end * this.sampleRate;
      this.ctx.stats.finalAfterSpeechMs.observe(performance.now() - this.arrivalOf(endSample));
    }
    this.emit(f);
  }

  private finishEnded(): void {
    this.ctx.stats.finalAfterEofMs.observe(performance.now() - this.endCalledAt);
    this.st = 'ended';
    this.emit({ type: 'end', audio_sec: sec(this.received / this.sampleRate) });
    this.release();
  }

  private fail(e: unknown): void {
    if (this.st === 'closed' || this.st === 'ended') return;
    const data = e !== null && typeof e === 'object' && 'code' in e && 'details' in e && !(e instanceof Error) ? (e as ErrorData) : null;
    this.fatalError = data === null ? e : errorFromData(data);
    if (data === null) this.emitError(e, true);
    else this.emitErrorData(data, true);
    this.st = 'ended';
    this.emit({ type: 'end', audio_sec: sec(this.received / this.sampleRate) });
    this.release();
  }

  private release(): void {
    this.ctx.batcher.remove(this);
    this.decoder.close();
    this.ctx.model.releaseStream(this.acoustic);
    this.ctx.stats.queuedSamples -= this.received - this.handed;
    this.handed = this.received;
    this.qHead = this.qTail = 0;
    this.q = new Float32Array(0);
    this.ops.length = 0;
    this.ctx.onDone(this);
    this.resolveEnd();
  }
}
