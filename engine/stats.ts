// Counters and fixed-bucket histograms of the engine, read by `Engine.stats()` for the server's metrics.

/** A histogram snapshot: counts per bucket (value ≤ bounds[i]; the last count is above every bound). */
export interface HistogramSnapshot {
  bounds: number[];
  /** Per-bucket (not cumulative) counts; length bounds.length + 1. */
  counts: number[];
  count: number;
  sum: number;
  max: number;
}

/** A fixed-bucket histogram: O(buckets) per observation, no allocation. */
export class Histogram {
  private readonly bounds: Float64Array;
  private readonly counts: Float64Array;
  private n = 0;
  private total = 0;
  private largest = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]) i++;
    this.counts[i]++;
    this.n++;
    this.total += v;
    if (v > this.largest) this.largest = v;
  }

  snapshot(): HistogramSnapshot {
    return { bounds: [...this.bounds], counts: [...this.counts], count: this.n, sum: this.total, max: this.largest };
  }
}

/** Latency buckets, ms. */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([5, 10, 25, 50, 100, 250, 500, 750, 1000, 1500, 2500, 5000, 10000]);
/** Event-loop block buckets, ms. */
export const BLOCK_BOUNDS_MS: readonly number[] = Object.freeze([1, 2, 5, 10, 20, 50, 100, 250, 500, 1000]);
/** Batch size buckets (streams per model run). */
export const BATCH_BOUNDS: readonly number[] = Object.freeze([1, 2, 4, 8, 16, 32, 64, 128]);

/** What `Engine.stats()` returns. Counters are cumulative since the engine started. */
export interface EngineStats {
  /** Sessions open now (streaming and `transcribe` requests). */
  activeSessions: number;
  sessionsStarted: number;
  /** Audio that went through the model, seconds. */
  audioSec: number;
  /** Wall time in model runs, seconds. */
  modelSec: number;
  /** Wall time decoding (search, partials, finals), seconds. */
  decodeSec: number;
  /** modelSec + decodeSec. */
  processingSec: number;
  /** Real-time factor: processingSec / audioSec (0 before any audio). */
  rtf: number;
  /** Sessions with a full chunk waiting for a model run now. */
  queueDepth: number;
  /** Audio received and not yet through the model, all sessions, seconds. */
  queuedAudioSec: number;
  /** Model runs, and the streams they carried (meanBatch = streamsRun / modelRuns). */
  modelRuns: number;
  streamsRun: number;
  meanBatch: number;
  /** Streams per model run. */
  batchSize: HistogramSnapshot;
  /** From the arrival of the audio where the first word starts to the session's first partial event, ms. */
  firstPartialMs: HistogramSnapshot;
  /** From the arrival of the audio where the last word of an endpointed final ends to that final, ms (includes the endpoint's trailing silence). */
  finalAfterSpeechMs: HistogramSnapshot;
  /** From `end()` to the session's `end` event (model flush, last finals), ms. */
  finalAfterEofMs: HistogramSnapshot;
  /** Longest synchronous stretches of engine work on the event loop: each model run, each decode slice, ms. */
  loopBlockMs: HistogramSnapshot;
  /** Worker threads decoding (0: decoding runs on the event loop). Always set by `Engine.stats()`. */
  decodeWorkers?: number;
  /** Worker threads started to replace threads that died, by kind (model, decode, compile), since start. */
  workerRestarts: { model: number; decode: number; compile: number };
  /** User grammars in the store, inline grammars in its cache. */
  userGrammars: number;
  inlineGrammars: number;
}

/** The mutable counters behind `EngineStats`, shared by the engine, its batcher and its sessions. */
export class StatsRecorder {
  activeSessions = 0;
  sessionsStarted = 0;
  audioSamples = 0;
  modelMs = 0;
  decodeMs = 0;
  modelRuns = 0;
  streamsRun = 0;
  queuedSamples = 0;
  readonly batchSize = new Histogram(BATCH_BOUNDS);
  readonly firstPartialMs = new Histogram(LATENCY_BOUNDS_MS);
  readonly finalAfterSpeechMs = new Histogram(LATENCY_BOUNDS_MS);
  readonly finalAfterEofMs = new Histogram(LATENCY_BOUNDS_MS);
  readonly loopBlockMs = new Histogram(BLOCK_BOUNDS_MS);
}
