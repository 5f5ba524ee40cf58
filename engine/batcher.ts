// Dynamic batching of acoustic-model runs across sessions, and time-sliced decoding of their results.

import type { LogProbBlock } from '../models/acoustic-model.ts';
import type { ModelHost, ModelStream } from './model-host.ts';
import type { StatsRecorder } from './stats.ts';

/** A session as the batcher sees it. */
export interface BatchClient {
  readonly acoustic: ModelStream;
  /**
   * The samples that complete the stream's next chunk (chunkSamples − acoustic.pendingSamples of them). Called
   * only after the client announced itself with `ready`, when its run starts.
   */
  takeChunk(): Float32Array;
  /** The rest of the client's audio (less than one chunk), before its stream is finished. */
  takeTail(): Float32Array;
  /** The frames of a run, in stream order (block.final after a finish). Decodes synchronously. */
  onFrames(block: LogProbBlock): void;
  /** The model run carrying this client failed (MODEL_RUNTIME …): its stream is unusable. */
  onModelError(e: unknown): void;
}

/** Batching settings (from `EngineConfig`). */
export interface BatcherOptions {
  /** See `EngineConfig.batchMaxWaitMs`. */
  maxWaitMs: number;
  /** See `EngineConfig.decodeSliceMs`. */
  sliceMs: number;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Collects, from every session that has a full chunk, that one chunk, and runs them through the model together:
 * at once when maxBatchStreams sessions are ready, else when the first of them has waited maxWaitMs. One model
 * run at a time (on the event loop, or in the model worker); a session with a backlog takes one chunk per run,
 * so sessions are served round-robin and the loop gets a turn between runs. After a run, the sessions' frames are
 * handed over one session after another (decoded right there when decoding runs on the event loop), yielding to the
 * event loop whenever a slice of sliceMs is used up.
 * Finishing streams (end of input) are flushed together in the same way.
 */
export class Batcher {
  private readonly model: ModelHost;
  private readonly opts: BatcherOptions;
  private readonly stats: StatsRecorder;
  /** Clients with a full chunk, in arrival order, with the time they became ready. */
  private readonly ready = new Map<BatchClient, number>();
  private readonly finishing = new Map<BatchClient, number>();
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;

  constructor(model: ModelHost, opts: BatcherOptions, stats: StatsRecorder) {
    this.model = model;
    this.opts = opts;
    this.stats = stats;
  }

  /** Clients waiting for a run (ready or finishing). */
  get queueDepth(): number {
    return this.ready.size + this.finishing.size;
  }

  /** True while a model run or its decoding is in progress. */
  get busy(): boolean {
    return this.running;
  }

  /** `client` has a full chunk (precondition); it will get exactly one `onFrames` or `onModelError`. */
  markReady(client: BatchClient): void {
    if (this.closed || this.ready.has(client)) return;
    this.ready.set(client, performance.now());
    this.schedule();
  }

  /** `client` has no full chunk left and its input ended: flush its stream; `onFrames` gets a final block. */
  finish(client: BatchClient): void {
    if (this.closed || this.finishing.has(client)) return;
    this.finishing.set(client, performance.now());
    this.schedule();
  }

  /** Forgets a client that is waiting (a closed session). A run in flight still calls it back. */
  remove(client: BatchClient): void {
    this.ready.delete(client);
    this.finishing.delete(client);
  }

  /** Stops scheduling; waiting clients are dropped. */
  close(): void {
    this.closed = true;
    this.ready.clear();
    this.finishing.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private oldest(): number {
    let t = Infinity;
    for (const v of this.ready.values()) {
      t = v;
      break;
    }
    for (const v of this.finishing.values()) {
      if (v < t) t = v;
      break;
    }
    return t;
  }

  private schedule(): void {
    if (this.running || this.closed || this.immediate !== null) return;
    if (this.ready.size === 0 && this.finishing.size === 0) return;
    const waited = performance.now() - this.oldest();
    if (this.ready.size >= this.model.options.maxBatchStreams || waited >= this.opts.maxWaitMs) {
      if (this.timer !== null) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.immediate = setImmediate(() => {
        this.immediate = null;
        void this.run();
      });
      return;
    }
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, Math.max(1, Math.ceil(this.opts.maxWaitMs - waited)));
    }
  }

  private async run(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      const max = this.model.options.maxBatchStreams;
      const clients: BatchClient[] = [];
      for (const c of this.ready.keys()) {
        if (clients.length === max) break;
        clients.push(c);
      }
      for (const c of clients) this.ready.delete(c);
      if (clients.length > 0) await this.runChunks(clients);
      const fin = [...this.finishing.keys()].slice(0, max);
      for (const c of fin) this.finishing.delete(c);
      if (fin.length > 0) await this.runFinish(fin);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private async runChunks(clients: BatchClient[]): Promise<void> {
    const chunks = clients.map((c) => c.takeChunk());
    let samples = 0;
    for (const c of chunks) samples += c.length;
    const blocks = await this.modelCall(clients, () => this.model.runBatch(clients.map((c) => c.acoustic), chunks));
    this.stats.audioSamples += samples;
    if (blocks !== null) await this.deliver(clients, blocks);
  }

  private async runFinish(clients: BatchClient[]): Promise<void> {
    const tails = clients.map((c) => c.takeTail());
    let samples = 0;
    for (const t of tails) samples += t.length;
    const streams = clients.map((c) => c.acoustic);
    // The tails are shorter than a chunk (a client finishes only then), so this run only buffers them.
    const blocks = await this.modelCall(clients, async () => {
      await this.model.runBatch(streams, tails);
      return this.model.finishBatch(streams);
    });
    this.stats.audioSamples += samples;
    if (blocks !== null) await this.deliver(clients, blocks);
  }

  /** One model call, timed and counted; on failure every client is told and null returned. */
  private async modelCall(clients: BatchClient[], call: () => Promise<LogProbBlock[]>): Promise<LogProbBlock[] | null> {
    const runs0 = this.model.runs;
    const streams0 = this.model.streamsRun;
    const t0 = performance.now();
    let blocks: LogProbBlock[] | null = null;
    try {
      blocks = await call();
    } catch (e) {
      for (const c of clients) c.onModelError(e);
    }
    const ms = performance.now() - t0;
    const runs = this.model.runs - runs0;
    const streams = this.model.streamsRun - streams0;
    this.stats.modelMs += ms;
    this.stats.modelRuns += runs;
    this.stats.streamsRun += streams;
    for (let i = 0; i < runs; i++) this.stats.batchSize.observe(streams / runs);
    // On the event loop a run holds the loop for its whole duration.
    if (runs > 0 && !this.model.inWorker) this.stats.loopBlockMs.observe(ms);
    // Let sockets and timers in between the model run and the decoding.
    await yieldToLoop();
    return blocks;
  }

  private async deliver(clients: BatchClient[], blocks: LogProbBlock[]): Promise<void> {
    let slice = performance.now();
    for (let i = 0; i < clients.length; i++) {
      try {
        clients[i].onFrames(blocks[i]);
      } catch (e) {
        clients[i].onModelError(e);
      }
      const t1 = performance.now();
      if (t1 - slice >= this.opts.sliceMs && i < clients.length - 1) {
        this.stats.loopBlockMs.observe(t1 - slice);
        await yieldToLoop();
        slice = performance.now();
      }
    }
    this.stats.loopBlockMs.observe(performance.now() - slice);
  }
}
