// Prometheus metrics of the server (prom-client): transport counters kept here, engine counters and histograms
// read from Engine.stats() at each scrape. One registry per app, so tests can run several apps in one process.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { EngineStats } from './recognition.ts';

/** The protocol or route a session came through. */
export type Protocol = 'stream' | 'vosk' | 'transcribe' | 'openai';
const PROTOCOLS: readonly Protocol[] = ['stream', 'vosk', 'transcribe', 'openai'];

/** An engine histogram as Engine.stats() gives it: per-bucket counts over upper bounds. */
interface Snapshot {
  bounds: number[];
  counts: number[];
  count: number;
  sum: number;
}

interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** A metric family computed at scrape time (prom-client reads `name`, `help`, `type` and `get()`). */
class ComputedMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter' | 'histogram',
    private readonly compute: () => Sample[],
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.compute(), aggregator: 'sum' };
  }
}

/** Prometheus histogram samples (cumulative buckets, +Inf, sum, count) from a snapshot, scaled (ms → s). */
export function histogramSamples(name: string, s: Snapshot, scale: number, labels: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  let acc = 0;
  for (let i = 0; i < s.bounds.length; i++) {
    acc += s.counts[i];
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: s.bounds[i] * scale }, value: acc });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
  out.push({ metricName: `${name}_sum`, labels, value: s.sum * scale });
  out.push({ metricName: `${name}_count`, labels, value: s.count });
  return out;
}

const RTF_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5];
const COMPILE_BUCKETS_SEC = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30];

/** The server's metrics, all prefixed `asr_`, plus Node's process metrics (`process_*`, `nodejs_*`). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly activeStreams: Gauge<'protocol'>;
  readonly sessionsTotal: Counter<'protocol'>;
  readonly audioSeconds: Counter<'protocol'>;
  readonly requestRealTimeFactor: Histogram<'protocol'>;
  readonly grammarCompile: Histogram<'source'>;
  readonly errors: Counter<'code'>;
  private stats: (() => EngineStats) | null = null;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.activeStreams = new Gauge({ name: 'asr_active_streams', help: 'Recognition sessions open now, by protocol', labelNames: ['protocol'], registers });
    for (const protocol of PROTOCOLS) this.activeStreams.set({ protocol }, 0);
    this.sessionsTotal = new Counter({ name: 'asr_sessions_total', help: 'Recognition sessions started, by protocol', labelNames: ['protocol'], registers });
    this.audioSeconds = new Counter({ name: 'asr_audio_seconds_total', help: 'Seconds of audio received, by protocol', labelNames: ['protocol'], registers });
    for (const protocol of PROTOCOLS) {
      this.sessionsTotal.inc({ protocol }, 0);
      this.audioSeconds.inc({ protocol }, 0);
    }
    this.requestRealTimeFactor = new Histogram({
      name: 'asr_request_real_time_factor',
      help: 'Wall time of an HTTP transcription / its audio duration',
      labelNames: ['protocol'],
      buckets: RTF_BUCKETS,
      registers,
    });
    this.grammarCompile = new Histogram({
      name: 'asr_grammar_compile_seconds',
      help: 'Time to compile a grammar into a decoding graph: source="put" (PUT /v1/grammars), source="stream" (a grammar message); cache hits excluded',
      labelNames: ['source'],
      buckets: COMPILE_BUCKETS_SEC,
      registers,
    });
    this.errors = new Counter({ name: 'asr_errors_total', help: 'Errors sent to clients, by code', labelNames: ['code'], registers });

    const engine = (f: (s: EngineStats) => Sample[]) => () => (this.stats === null ? [] : f(this.stats()));
    const families: ComputedMetric[] = [
      new ComputedMetric('asr_engine_audio_seconds_total', 'Seconds of audio through the acoustic model', 'counter', engine((s) => [{ labels: {}, value: s.audioSec }])),
      new ComputedMetric(
        'asr_engine_compute_seconds_total',
        'Seconds of engine work: stage="model" (acoustic model runs), stage="decode" (WFST search)',
        'counter',
        engine((s) => [
          { labels: { stage: 'model' }, value: s.modelSec },
          { labels: { stage: 'decode' }, value: s.decodeSec },
        ]),
      ),
      new ComputedMetric('asr_real_time_factor', 'Engine processing seconds / audio seconds, since start', 'gauge', engine((s) => [{ labels: {}, value: s.rtf }])),
      new ComputedMetric('asr_queue_depth', 'Sessions with a full chunk waiting for a model run', 'gauge', engine((s) => [{ labels: {}, value: s.queueDepth }])),
      new ComputedMetric('asr_queued_audio_seconds', 'Audio received and not yet through the model, all sessions', 'gauge', engine((s) => [{ labels: {}, value: s.queuedAudioSec }])),
      new ComputedMetric('asr_batch_size', 'Streams per acoustic-model run', 'histogram', engine((s) => histogramSamples('asr_batch_size', s.batchSize, 1))),
      new ComputedMetric(
        'asr_time_to_first_partial_seconds',
        'From the arrival of the audio where the first word starts to the first partial result',
        'histogram',
        engine((s) => histogramSamples('asr_time_to_first_partial_seconds', s.firstPartialMs, 1e-3)),
      ),
      new ComputedMetric(
        'asr_final_latency_seconds',
        'after="speech": from the arrival of the audio where the last word ends to its endpointed final (includes the endpoint\'s trailing silence); after="eof": from eof to the last final',
        'histogram',
        engine((s) => [
          ...histogramSamples('asr_final_latency_seconds', s.finalAfterSpeechMs, 1e-3, { after: 'speech' }),
          ...histogramSamples('asr_final_latency_seconds', s.finalAfterEofMs, 1e-3, { after: 'eof' }),
        ]),
      ),
      new ComputedMetric(
        'asr_event_loop_block_seconds',
        'Synchronous stretches of engine work on the event loop (model runs, decode slices)',
        'histogram',
        engine((s) => histogramSamples('asr_event_loop_block_seconds', s.loopBlockMs, 1e-3)),
      ),
      new ComputedMetric(
        'asr_worker_restarts_total',
        'Engine worker threads started to replace threads that died: kind="model" (acoustic model; every session ended), kind="decode" (search; its sessions ended), kind="compile" (grammar compiles)',
        'counter',
        engine((s) => [
          { labels: { kind: 'model' }, value: s.workerRestarts.model },
          { labels: { kind: 'decode' }, value: s.workerRestarts.decode },
          { labels: { kind: 'compile' }, value: s.workerRestarts.compile },
        ]),
      ),
      new ComputedMetric(
        'asr_grammars',
        'Grammars held: user grammars in the store, inline grammars in the cache',
        'gauge',
        engine((s) => [
          { labels: { kind: 'user' }, value: s.userGrammars },
          { labels: { kind: 'inline' }, value: s.inlineGrammars },
        ]),
      ),
    ];
    for (const f of families) this.registry.registerMetric(f as unknown as Metric);
  }

  /** Installs the engine's stats, read at each scrape. */
  setEngineStats(read: () => EngineStats): void {
    this.stats = read;
  }

  /** Counts an error sent to a client. */
  error(code: string): void {
    this.errors.inc({ code });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
