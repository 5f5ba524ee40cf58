// Where the acoustic model runs: on the event loop (LocalModelHost) or in a worker thread (WorkerModelHost).

import { AcousticModel, type AcousticModelOptions, type AcousticStream, type LogProbBlock } from '../models/acoustic-model.ts';
import type { ModelCard } from '../models/model-card.ts';
import { EngineError, errorFromData, type ErrorData } from './errors.ts';
import { RESTART_BACKOFF_MS, WorkerThread } from './worker-thread.ts';

/** One session's stream through the model, as the engine sees it. */
export interface ModelStream {
  /** Samples buffered in the stream, waiting for a full chunk. */
  readonly pendingSamples: number;
}

/** The part of `AcousticModel` the engine uses, wherever the model runs. */
export interface ModelHost {
  readonly card: ModelCard;
  readonly cardPath: string;
  /** Samples per model run. */
  readonly chunkSamples: number;
  /** The model's effective options (maxBatchStreams: most streams per run). */
  readonly options: Readonly<AcousticModelOptions>;
  /** Model runs so far and the streams they carried. */
  readonly runs: number;
  readonly streamsRun: number;
  /** True when the model runs in a worker thread. */
  readonly inWorker: boolean;
  /** Model threads started to replace a thread that died. */
  readonly restarts: number;
  /**
   * `listener` is told when the model thread died: every stream's state is lost, so the engine ends every session
   * with the error (ENGINE_WORKER_FAILED). Never called for a model on the event loop.
   */
  onWorkerFailure(listener: (e: EngineError) => void): void;
  /** Ends the model thread the way a crash would (fault injection); false when there is none running. */
  terminateWorker(): Promise<boolean>;
  createStream(): ModelStream;
  /** Frees a stream's state (a session that ended). */
  releaseStream(s: ModelStream): void;
  /** As `AcousticModel.runBatch`. */
  runBatch(streams: readonly ModelStream[], chunks: readonly Float32Array[]): Promise<LogProbBlock[]>;
  /** As `AcousticModel.finishBatch`. */
  finishBatch(streams: readonly ModelStream[]): Promise<LogProbBlock[]>;
  dispose(): Promise<void>;
}

/** The model on the calling thread: `AcousticModel` itself. A run blocks the event loop while it lasts. */
export class LocalModelHost implements ModelHost {
  readonly inWorker = false;
  readonly restarts = 0;
  private readonly model: AcousticModel;

  constructor(model: AcousticModel) {
    this.model = model;
  }

  static async load(dir: string, opts: Partial<AcousticModelOptions>): Promise<LocalModelHost> {
    return new LocalModelHost(await AcousticModel.load(dir, opts));
  }

  get card(): ModelCard {
    return this.model.card;
  }
  get cardPath(): string {
    return this.model.cardPath;
  }
  get chunkSamples(): number {
    return this.model.chunkSamples;
  }
  get options(): Readonly<AcousticModelOptions> {
    return this.model.options;
  }
  get runs(): number {
    return this.model.runs;
  }
  get streamsRun(): number {
    return this.model.streamsRun;
  }
  onWorkerFailure(): void {}
  async terminateWorker(): Promise<boolean> {
    return false;
  }
  createStream(): ModelStream {
    return this.model.createStream();
  }
  releaseStream(): void {}
  runBatch(streams: readonly ModelStream[], chunks: readonly Float32Array[]): Promise<LogProbBlock[]> {
    return this.model.runBatch(streams as AcousticStream[], chunks);
  }
  finishBatch(streams: readonly ModelStream[]): Promise<LogProbBlock[]> {
    return this.model.finishBatch(streams as AcousticStream[]);
  }
  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

/** Messages to the model worker. */
export type ToModelWorker =
  | { type: 'load'; dir: string; options: Partial<AcousticModelOptions> }
  | { type: 'create'; sid: number }
  | { type: 'release'; sid: number }
  | { type: 'run'; call: number; sids: number[]; chunks: Float32Array[] | null }
  /** End the thread once the runs in flight are done: `quit` exits, `crash` throws (fault injection). */
  | { type: 'quit' | 'crash' };

/** A block as it crosses threads (its data copied out of the batch's output). */
export type BlockData = LogProbBlock;

/** Messages from the model worker. */
export type FromModelWorker =
  | { type: 'loaded'; card: ModelCard; cardPath: string; chunkSamples: number; options: AcousticModelOptions }
  | { type: 'load-failed'; error: ErrorData }
  | { type: 'done'; call: number; blocks: BlockData[] | null; error: ErrorData | null; runs: number; streamsRun: number };

/** A stream whose state lives in the model worker; its pending count is mirrored here. */
class RemoteStream implements ModelStream {
  pendingSamples = 0;
  constructor(readonly sid: number) {}
}

/** A loaded model, as the worker describes it. */
type Loaded = Extract<FromModelWorker, { type: 'loaded' }>;

/**
 * The model in a worker thread: onnxruntime runs there, so a run never blocks the event loop (measured: a worker
 * running batches of 16 while the loop's 1 ms timer kept ticking, longest gap 7 ms). Streams' states live in the
 * worker; chunks are transferred in, log-probs (5 frames × tokens per stream and run) copied back. Calls are
 * answered in order.
 * A worker that dies (uncaught error, exit, out of memory) takes every stream's state with it: the calls in flight
 * reject with ENGINE_WORKER_FAILED, the failure listener is told (the engine ends every session with that code), and
 * a replacement loads the model at once (after a growing delay when its predecessor died before it had loaded).
 * Calls made meanwhile wait in the new worker until its model is loaded.
 */
export class WorkerModelHost implements ModelHost {
  readonly inWorker = true;
  readonly card: ModelCard;
  readonly cardPath: string;
  readonly chunkSamples: number;
  readonly options: Readonly<AcousticModelOptions>;
  runs = 0;
  streamsRun = 0;
  private readonly dir: string;
  private readonly loadOptions: Partial<AcousticModelOptions>;
  private readonly log: (line: string) => void;
  private thread: WorkerThread<ToModelWorker, FromModelWorker>;
  /** The current thread has loaded the model. */
  private loaded = true;
  private readonly calls = new Map<number, { resolve: (b: LogProbBlock[]) => void; reject: (e: unknown) => void }>();
  private nextCall = 1;
  private nextSid = 1;
  /** The runs of threads that died, so that the counters stay cumulative across replacements. */
  private runsBase = 0;
  private streamsRunBase = 0;
  private replaced = 0;
  private backoff = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private failureListener: (e: EngineError) => void = () => {};

  private constructor(thread: WorkerThread<ToModelWorker, FromModelWorker>, loaded: Loaded, dir: string, opts: Partial<AcousticModelOptions>, log: (line: string) => void) {
    this.thread = thread;
    this.card = loaded.card;
    this.cardPath = loaded.cardPath;
    this.chunkSamples = loaded.chunkSamples;
    this.options = Object.freeze(loaded.options);
    this.dir = dir;
    this.loadOptions = opts;
    this.log = log;
  }

  /** Starts the worker and loads the model there. Errors as `AcousticModel.load` (MODEL_*). */
  static async load(dir: string, opts: Partial<AcousticModelOptions>, log: (line: string) => void = () => {}): Promise<WorkerModelHost> {
    let host: WorkerModelHost | null = null;
    let settle: { resolve: (m: Loaded) => void; reject: (e: unknown) => void } | null = null;
    const first = new Promise<Loaded>((resolve, reject) => (settle = { resolve, reject }));
    const thread = new WorkerThread<ToModelWorker, FromModelWorker>(new URL('./model-worker.mjs', import.meta.url), {
      message: (m) => {
        if (host !== null) host.onMessage(thread, m);
        else if (m.type === 'loaded') settle?.resolve(m);
        else if (m.type === 'load-failed') settle?.reject(errorFromData(m.error));
        else settle?.reject(new EngineError('ENGINE_INTERNAL', 'model worker answered out of order', { cause: m.type }));
      },
      death: (cause) => {
        if (host !== null) host.onDeath(thread, cause);
        else settle?.reject(new EngineError('ENGINE_WORKER_FAILED', `the model worker failed to start: ${cause}`, { worker: 'model', cause }));
      },
    });
    thread.post({ type: 'load', dir, options: opts });
    try {
      host = new WorkerModelHost(thread, await first, dir, opts, log);
      return host;
    } catch (e) {
      await thread.stop();
      throw e;
    }
  }

  get restarts(): number {
    return this.replaced;
  }

  onWorkerFailure(listener: (e: EngineError) => void): void {
    this.failureListener = listener;
  }

  private onMessage(thread: WorkerThread<ToModelWorker, FromModelWorker>, m: FromModelWorker): void {
    if (thread !== this.thread) return;
    switch (m.type) {
      case 'loaded':
        this.loaded = true;
        this.backoff = 0;
        this.log('model worker: replacement ready');
        return;
      case 'load-failed':
        // A replacement that cannot load the model is a death like any other.
        void thread.stop();
        this.onDeath(thread, `cannot load the model: ${m.error.code} ${m.error.message}`);
        return;
      case 'done': {
        const c = this.calls.get(m.call);
        this.calls.delete(m.call);
        this.runs = this.runsBase + m.runs;
        this.streamsRun = this.streamsRunBase + m.streamsRun;
        if (c === undefined) return;
        if (m.error !== null) c.reject(errorFromData(m.error));
        else c.resolve(m.blocks as LogProbBlock[]);
        return;
      }
    }
  }

  /** The current thread died: fail what was on it, tell the engine, start a replacement. */
  private onDeath(thread: WorkerThread<ToModelWorker, FromModelWorker>, cause: string): void {
    if (this.closed || thread !== this.thread) return;
    this.log(`model worker failed (${cause}) with ${this.calls.size} runs in flight`);
    const err = new EngineError('ENGINE_WORKER_FAILED', `the model worker failed (${cause}); every session ends, a new worker starts`, {
      worker: 'model',
      cause,
    });
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.runsBase = this.runs;
    this.streamsRunBase = this.streamsRun;
    const delay = this.loaded ? 0 : RESTART_BACKOFF_MS[Math.min(this.backoff++, RESTART_BACKOFF_MS.length - 1)];
    this.loaded = false;
    for (const c of calls) c.reject(err);
    this.failureListener(err);
    if (delay === 0) this.restart();
    else this.timer = setTimeout(() => this.restart(), delay);
  }

  private restart(): void {
    this.timer = null;
    if (this.closed) return;
    this.replaced++;
    this.log('model worker: starting a replacement');
    const thread: WorkerThread<ToModelWorker, FromModelWorker> = new WorkerThread(new URL('./model-worker.mjs', import.meta.url), {
      message: (m) => this.onMessage(thread, m),
      death: (cause) => this.onDeath(thread, cause),
    });
    this.thread = thread;
    thread.post({ type: 'load', dir: this.dir, options: this.loadOptions });
  }

  createStream(): ModelStream {
    const s = new RemoteStream(this.nextSid++);
    this.thread.post({ type: 'create', sid: s.sid });
    return s;
  }

  releaseStream(s: ModelStream): void {
    this.thread.post({ type: 'release', sid: (s as RemoteStream).sid });
  }

  runBatch(streams: readonly ModelStream[], chunks: readonly Float32Array[]): Promise<LogProbBlock[]> {
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i] as RemoteStream;
      s.pendingSamples = (s.pendingSamples + chunks[i].length) % this.chunkSamples;
    }
    return this.call(streams, chunks.map((c) => c.slice()));
  }

  finishBatch(streams: readonly ModelStream[]): Promise<LogProbBlock[]> {
    for (const s of streams) (s as RemoteStream).pendingSamples = 0;
    return this.call(streams, null);
  }

  private call(streams: readonly ModelStream[], chunks: Float32Array[] | null): Promise<LogProbBlock[]> {
    if (this.closed) return Promise.reject(new EngineError('ENGINE_NOT_READY', 'the model is released'));
    if (!this.thread.alive) {
      return Promise.reject(new EngineError('ENGINE_WORKER_FAILED', 'the model worker is down (a replacement is starting)', { worker: 'model' }));
    }
    const call = this.nextCall++;
    const sids = streams.map((s) => (s as RemoteStream).sid);
    return new Promise((resolve, reject) => {
      this.calls.set(call, { resolve, reject });
      this.thread.post({ type: 'run', call, sids, chunks }, chunks === null ? [] : chunks.map((c) => c.buffer as ArrayBuffer));
    });
  }

  terminateWorker(): Promise<boolean> {
    if (!this.thread.alive) return Promise.resolve(false);
    return this.thread.kill({ type: 'crash' }).then(() => true);
  }

  async dispose(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.thread.stop({ type: 'quit' });
  }
}
