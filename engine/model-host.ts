// Where the acoustic model runs: on the event loop (LocalModelHost) or in a worker thread (WorkerModelHost).

import { Worker } from 'node:worker_threads';
import { AcousticModel, type AcousticModelOptions, type AcousticStream, type LogProbBlock } from '../models/acoustic-model.ts';
import type { ModelCard } from '../models/model-card.ts';
import type { ErrorData } from './decoder-pool.ts';
import { EngineError, errorFromData, errorInfo } from './errors.ts';

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
  | { type: 'run'; call: number; sids: number[]; chunks: Float32Array[] | null };

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

/**
 * The model in a worker thread: onnxruntime runs there, so a run never blocks the event loop (measured: a worker
 * running batches of 16 while the loop's 1 ms timer kept ticking, longest gap 7 ms). Streams' states live in the
 * worker; chunks are transferred in, log-probs (5 frames × tokens per stream and run) copied back. Calls are
 * answered in order.
 */
export class WorkerModelHost implements ModelHost {
  readonly inWorker = true;
  readonly card: ModelCard;
  readonly cardPath: string;
  readonly chunkSamples: number;
  readonly options: Readonly<AcousticModelOptions>;
  runs = 0;
  streamsRun = 0;
  private readonly worker: Worker;
  private readonly calls = new Map<number, { resolve: (b: LogProbBlock[]) => void; reject: (e: unknown) => void }>();
  private nextCall = 1;
  private nextSid = 1;
  private dead: Error | null = null;

  private constructor(worker: Worker, loaded: Extract<FromModelWorker, { type: 'loaded' }>) {
    this.worker = worker;
    this.card = loaded.card;
    this.cardPath = loaded.cardPath;
    this.chunkSamples = loaded.chunkSamples;
    this.options = Object.freeze(loaded.options);
    worker.on('message', (m: FromModelWorker) => {
      if (m.type !== 'done') return;
      const c = this.calls.get(m.call);
      this.calls.delete(m.call);
      this.runs = m.runs;
      this.streamsRun = m.streamsRun;
      if (c === undefined) return;
      if (m.error !== null) c.reject(errorFromData(m.error));
      else c.resolve(m.blocks as LogProbBlock[]);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      if (this.dead === null) this.fail(new Error(`model worker exited with code ${code}`));
    });
  }

  /** Starts the worker and loads the model there. Errors as `AcousticModel.load` (MODEL_*). */
  static async load(dir: string, opts: Partial<AcousticModelOptions>): Promise<WorkerModelHost> {
    // No inherited flags: the bootstrap registers the TypeScript loader itself, and flags like --input-type break workers.
    const worker = new Worker(new URL('./model-worker.mjs', import.meta.url), { execArgv: [] });
    try {
      const loaded = await new Promise<Extract<FromModelWorker, { type: 'loaded' }>>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (m: FromModelWorker) => {
          worker.off('error', reject);
          if (m.type === 'loaded') resolve(m);
          else if (m.type === 'load-failed') reject(errorFromData(m.error));
          else reject(new EngineError('ENGINE_INTERNAL', 'model worker answered out of order', { cause: m.type }));
        });
        worker.postMessage({ type: 'load', dir, options: opts } satisfies ToModelWorker);
      });
      return new WorkerModelHost(worker, loaded);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
  }

  private fail(e: Error): void {
    if (this.dead !== null) return;
    this.dead = e;
    const err = new EngineError('ENGINE_INTERNAL', `model worker failed: ${e.message}`, { cause: e.message });
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
  }

  createStream(): ModelStream {
    const s = new RemoteStream(this.nextSid++);
    this.worker.postMessage({ type: 'create', sid: s.sid } satisfies ToModelWorker);
    return s;
  }

  releaseStream(s: ModelStream): void {
    if (this.dead === null) this.worker.postMessage({ type: 'release', sid: (s as RemoteStream).sid } satisfies ToModelWorker);
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
    if (this.dead !== null) {
      return Promise.reject(new EngineError('ENGINE_INTERNAL', `model worker is down: ${this.dead.message}`, { cause: this.dead.message }));
    }
    const call = this.nextCall++;
    const sids = streams.map((s) => (s as RemoteStream).sid);
    return new Promise((resolve, reject) => {
      this.calls.set(call, { resolve, reject });
      this.worker.postMessage({ type: 'run', call, sids, chunks } satisfies ToModelWorker, chunks === null ? [] : chunks.map((c) => c.buffer as ArrayBuffer));
    });
  }

  async dispose(): Promise<void> {
    this.dead ??= new Error('disposed');
    await this.worker.terminate();
  }
}

/** The error of a failed call as data for the wire between threads. */
export function errorData(e: unknown): ErrorData {
  const info = errorInfo(e);
  return { code: info.code, message: info.message, details: { ...info.details } };
}
