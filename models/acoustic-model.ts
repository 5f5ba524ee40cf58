// The acoustic-model runtime: an ONNX streaming CTC model (see model-card.ts) run by onnxruntime-node.
//
// AcousticModel (shared, immutable after load) → AcousticStream (per connection: its own state tensors and PCM
// remainder). Streams take audio in chunks of any length and return log-probabilities as a row-major
// Float32Array [frames × tokens]; several streams' chunks can run in one session call (runBatch).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelError } from './errors.ts';
import { LOGPROBS_OUTPUT, PCM_INPUT, loadModelCard, stateSizePerStream, type ModelCard, type StateSpec } from './model-card.ts';

export type ExecutionProvider = 'cpu' | 'cuda';

/** Runtime settings of an AcousticModel. Every field: meaning, unit, trade-off, default. */
export interface AcousticModelOptions {
  /**
   * Where onnxruntime runs the graph. "cuda" needs onnxruntime-node's CUDA provider library (installed with
   * `npm install --onnxruntime-node-install=cuda12`) plus CUDA 12 and cuDNN 9; when it cannot be used, load
   * fails with MODEL_PROVIDER_UNAVAILABLE rather than silently running on the CPU. Default "cpu".
   */
  executionProvider: ExecutionProvider;
  /**
   * Threads onnxruntime uses inside one operator. 0 lets onnxruntime pick (one per core). More threads cut the
   * latency of one run but a server running many streams gets more from batching and processes. Default 1.
   */
  intraOpThreads: number;
  /** Threads running independent operators in parallel; 1 runs the graph sequentially. Default 1. */
  interOpThreads: number;
  /** CUDA device ordinal, used when executionProvider is "cuda". Default 0. */
  cudaDeviceId: number;
  /**
   * Audio per model run, ms. Must be a whole multiple of the card's chunkMultipleSamples. Larger → fewer runs
   * and higher throughput, but log-probs arrive later (latency ≥ chunk + delayFrames × 20 ms). Default null: the
   * card's first recommendedChunkMs (100 ms for our models).
   */
  chunkMs: number | null;
  /** Most streams stacked into one session run by runBatch; more are run in several. Default 32. */
  maxBatchStreams: number;
  /** Run one zero chunk at load, so the first real chunk does not pay for lazy initialisation. Default true. */
  warmUp: boolean;
}

export const DEFAULT_ACOUSTIC_MODEL_OPTIONS: Readonly<AcousticModelOptions> = Object.freeze({
  executionProvider: 'cpu',
  intraOpThreads: 1,
  interOpThreads: 1,
  cudaDeviceId: 0,
  chunkMs: null,
  maxBatchStreams: 32,
  warmUp: true,
});

const OPTION_KEYS = Object.keys(DEFAULT_ACOUSTIC_MODEL_OPTIONS);

/** Validates options and fills defaults. Unknown keys and bad values → MODEL_OPTION naming the option. */
export function resolveAcousticModelOptions(opts: Partial<AcousticModelOptions>): AcousticModelOptions {
  const o: AcousticModelOptions = { ...DEFAULT_ACOUSTIC_MODEL_OPTIONS };
  const bad = (option: string, value: unknown, why: string): ModelError =>
    new ModelError('MODEL_OPTION', `acoustic model option ${option} ${why}`, { option, value });
  for (const [k, v] of Object.entries(opts)) {
    if (!OPTION_KEYS.includes(k)) throw bad(k, v, 'is unknown');
    if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  }
  if (o.executionProvider !== 'cpu' && o.executionProvider !== 'cuda') {
    throw bad('executionProvider', o.executionProvider, 'must be "cpu" or "cuda"');
  }
  const intIn = (k: 'intraOpThreads' | 'interOpThreads' | 'cudaDeviceId' | 'maxBatchStreams', lo: number, hi: number) => {
    if (!Number.isInteger(o[k]) || o[k] < lo || o[k] > hi) throw bad(k, o[k], `must be an integer in [${lo}, ${hi}]`);
  };
  intIn('intraOpThreads', 0, 1024);
  intIn('interOpThreads', 0, 1024);
  intIn('cudaDeviceId', 0, 1024);
  intIn('maxBatchStreams', 1, 4096);
  if (o.chunkMs !== null && !(typeof o.chunkMs === 'number' && o.chunkMs > 0 && o.chunkMs <= 60000)) {
    throw bad('chunkMs', o.chunkMs, 'must be null or a number of ms in (0, 60000]');
  }
  if (typeof o.warmUp !== 'boolean') throw bad('warmUp', o.warmUp, 'must be a boolean');
  return o;
}

/** Log-probabilities of consecutive frames of one stream. */
export interface LogProbBlock {
  /** Row-major [frames × numTokens] natural-log probabilities. Owned by the caller; may view a larger buffer. */
  data: Float32Array;
  frames: number;
  /** Stream-relative index of the first frame (frame k describes audio [k·shift, (k+1)·shift) samples). */
  firstFrame: number;
  numTokens: number;
  /** True for the block returned by finish(): the stream has no more frames. */
  final: boolean;
}

const EMPTY = new Float32Array(0);

/** Where one stream's state slice sits inside a batched state tensor laid out as [outer, batch, inner]. */
interface StateLayout {
  spec: StateSpec;
  /** Product of the dimensions before the batch axis. */
  outer: number;
  /** Product of the dimensions after the batch axis. */
  inner: number;
  /** outer × inner: one stream's elements. */
  size: number;
}

/**
 * Copies one stream's state (outer × inner elements) into slot `slot` of a batched tensor [outer, batch, inner].
 * O(size), no allocation. `stackStateReference` is its plain twin.
 */
export function stackState(src: Float32Array, dst: Float32Array, outer: number, inner: number, batch: number, slot: number): void {
  for (let o = 0; o < outer; o++) {
    const d = (o * batch + slot) * inner;
    const s = o * inner;
    for (let i = 0; i < inner; i++) dst[d + i] = src[s + i];
  }
}

/** The inverse of stackState: slot `slot` of a batched tensor [outer, batch, inner] → one stream's state. */
export function unstackState(src: Float32Array, dst: Float32Array, outer: number, inner: number, batch: number, slot: number): void {
  for (let o = 0; o < outer; o++) {
    const s = (o * batch + slot) * inner;
    const d = o * inner;
    for (let i = 0; i < inner; i++) dst[d + i] = src[s + i];
  }
}

/**
 * Plain reference of stackState over a full shape: walks every multi-index of the per-stream tensor (shape with
 * the batch axis removed) and writes it at the same multi-index with `slot` inserted at `batchAxis`.
 */
export function stackStateReference(
  src: Float32Array,
  dst: Float32Array,
  shape: readonly number[],
  batchAxis: number,
  batch: number,
  slot: number,
): void {
  const full = [...shape.slice(0, batchAxis), batch, ...shape.slice(batchAxis)];
  const idx = new Array<number>(shape.length).fill(0);
  for (let n = 0; n < src.length; n++) {
    let rem = n;
    for (let a = shape.length - 1; a >= 0; a--) {
      idx[a] = rem % shape[a];
      rem = Math.floor(rem / shape[a]);
    }
    const fullIdx = [...idx.slice(0, batchAxis), slot, ...idx.slice(batchAxis)];
    let off = 0;
    for (let a = 0; a < full.length; a++) off = off * full[a] + fullIdx[a];
    dst[off] = src[n];
  }
}

/** Reused input buffers and tensors for one (batch, samples) shape. */
interface RunBuffers {
  batch: number;
  samples: number;
  pcm: Float32Array;
  states: Float32Array[];
  feeds: Record<string, ort.Tensor>;
}

function providerLibraryPath(): { dir: string; file: string } | null {
  let root: string;
  try {
    root = dirname(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')));
  } catch {
    return null;
  }
  const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
  const file = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return { dir, file };
}

/** Throws MODEL_PROVIDER_UNAVAILABLE unless onnxruntime-node's CUDA provider library is installed. */
function checkCudaProviderInstalled(): void {
  const lib = providerLibraryPath();
  if (process.platform === 'darwin' || lib === null || !existsSync(join(lib.dir, lib.file))) {
    throw new ModelError(
      'MODEL_PROVIDER_UNAVAILABLE',
      'executionProvider "cuda" was requested but onnxruntime-node has no CUDA provider here' +
        (lib === null ? '' : ` (${lib.file} is not in ${lib.dir})`) +
        '; reinstall with `npm install onnxruntime-node --onnxruntime-node-install=cuda12` on a Linux/Windows x64 ' +
        'machine with CUDA 12 and cuDNN 9, or set executionProvider to "cpu"',
      { provider: 'cuda', cause: 'provider library missing', path: lib === null ? null : join(lib.dir, lib.file) },
    );
  }
}

/**
 * A loaded acoustic model: an onnxruntime session plus its card. Shared by all streams; session runs are queued
 * and executed one at a time in call order (onnxruntime-node runs them on the JS thread anyway), so calls on the
 * same stream may be issued without awaiting the previous one.
 *
 * Memory: the PCM and stacked-state input tensors are allocated once per batch size and reused. onnxruntime-node
 * returns fresh output tensors on every run (in 1.30 a pre-allocated output is filled and then copied anyway), so
 * log-probs are handed out as views of them and state outputs are copied into each stream's own buffers.
 */
export class AcousticModel {
  readonly card: ModelCard;
  readonly cardPath: string;
  readonly modelPath: string;
  /** The effective options, defaults filled in. */
  readonly options: Readonly<AcousticModelOptions>;
  /** Samples per model run (chunkMs at the card's rate). */
  readonly chunkSamples: number;
  readonly numTokens: number;
  /** Wall time of load(), ms: card, session creation and warm-up. */
  loadMs = 0;
  /** Session runs so far and the streams they carried (for metrics: mean batch = streamsRun / runs). */
  runs = 0;
  streamsRun = 0;
  private readonly session: ort.InferenceSession;
  private readonly layouts: StateLayout[];
  private readonly fetchNames: string[];
  private readonly buffers = new Map<number, RunBuffers>();
  private readonly group: AcousticStream[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(
    session: ort.InferenceSession,
    card: ModelCard,
    cardPath: string,
    modelPath: string,
    options: AcousticModelOptions,
    chunkSamples: number,
  ) {
    this.session = session;
    this.card = card;
    this.cardPath = cardPath;
    this.modelPath = modelPath;
    this.options = Object.freeze(options);
    this.chunkSamples = chunkSamples;
    this.numTokens = card.tokens.length;
    this.layouts = card.states.map((spec) => {
      const axis = spec.batchAxis;
      const dims = spec.shape as readonly number[];
      let outer = 1;
      let inner = 1;
      for (let a = 0; a < axis; a++) outer *= dims[a];
      for (let a = axis + 1; a < dims.length; a++) inner *= dims[a];
      return { spec, outer, inner, size: stateSizePerStream(spec) };
    });
    this.fetchNames = [LOGPROBS_OUTPUT, ...card.states.map((s) => s.outputName)];
  }

  /**
   * Loads a model from its folder (containing model.json) or its card path, creates the onnxruntime session,
   * checks the graph's inputs and outputs against the card and, unless `warmUp` is false, runs one zero chunk.
   * Errors: MODEL_IO, MODEL_CARD_INVALID, MODEL_CARD_VERSION, MODEL_OPTION, MODEL_PROVIDER_UNAVAILABLE,
   * MODEL_MISMATCH, MODEL_RUNTIME.
   */
  static async load(path: string, opts: Partial<AcousticModelOptions> = {}): Promise<AcousticModel> {
    const t0 = performance.now();
    const options = resolveAcousticModelOptions(opts);
    const { card, cardPath, modelPath } = loadModelCard(path);
    const chunkMs = options.chunkMs ?? card.recommendedChunkMs[0];
    const chunkSamples = (chunkMs * card.sampleRate) / 1000;
    if (!Number.isInteger(chunkSamples) || chunkSamples % card.chunkMultipleSamples !== 0) {
      throw new ModelError(
        'MODEL_OPTION',
        `chunkMs ${chunkMs} is ${chunkSamples} samples, not a multiple of the model's ${card.chunkMultipleSamples}`,
        { option: 'chunkMs', value: chunkMs },
      );
    }
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: options.interOpThreads,
      executionMode: options.interOpThreads > 1 ? 'parallel' : 'sequential',
      graphOptimizationLevel: 'all',
      executionProviders:
        options.executionProvider === 'cuda' ? [{ name: 'cuda', deviceId: options.cudaDeviceId }, 'cpu'] : ['cpu'],
    };
    if (options.executionProvider === 'cuda') checkCudaProviderInstalled();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, sessionOptions);
    } catch (e) {
      const cause = String((e as Error).message ?? e);
      if (options.executionProvider === 'cuda' && /cuda|provider|cudnn|cublas/i.test(cause)) {
        throw new ModelError('MODEL_PROVIDER_UNAVAILABLE', `the CUDA execution provider failed to start: ${cause}`, {
          provider: 'cuda',
          cause,
        });
      }
      throw new ModelError('MODEL_RUNTIME', `onnxruntime could not load ${modelPath}: ${cause}`, { path: modelPath, cause });
    }
    try {
      checkGraphAgainstCard(session, card);
    } catch (e) {
      await session.release();
      throw e;
    }
    const model = new AcousticModel(session, card, cardPath, modelPath, options, chunkSamples);
    if (options.warmUp) {
      try {
        await model.runBatch([model.createStream()], [new Float32Array(chunkSamples)]);
      } catch (e) {
        await model.dispose();
        throw e;
      }
    }
    model.loadMs = performance.now() - t0;
    return model;
  }

  /** A new stream with zero state. O(state size + chunkSamples) memory. */
  createStream(): AcousticStream {
    if (this.disposed) throw new ModelError('MODEL_ARGUMENT', 'model was disposed', { reason: 'disposed' });
    return new AcousticStream(this, this.chunkSamples, this.layouts.map((l) => new Float32Array(l.size)));
  }

  /**
   * Appends chunks[i] to streams[i] (any lengths, including 0) and runs every full chunk, stacking the streams
   * that have one into a single session run (up to maxBatchStreams), until no stream has a full chunk left.
   * Returns each stream's new frames, in the order given. Equal to calling accept on each stream separately,
   * within float rounding. Errors: MODEL_ARGUMENT, MODEL_STREAM_FINISHED (checked before anything runs, so a
   * refused call changes no stream), MODEL_MISMATCH, MODEL_RUNTIME (after which the streams of the call are in an
   * undefined state: reset() them). Cost: one session run per round of full chunks (per maxBatchStreams streams).
   */
  runBatch(streams: readonly AcousticStream[], chunks: readonly Float32Array[]): Promise<LogProbBlock[]> {
    return this.exclusive(() => this.process(streams, chunks, false));
  }

  /**
   * Ends several streams: pads each to a whole chunkMultipleSamples, feeds flushSamples zeros and returns the
   * remaining frames, so that each stream has yielded exactly ceil(samples / frameShiftSamples) frames in all.
   * Flush runs of different streams share session runs like runBatch.
   */
  finishBatch(streams: readonly AcousticStream[]): Promise<LogProbBlock[]> {
    return this.exclusive(() => this.process(streams, null, true));
  }

  /** Releases the onnxruntime session. Streams of this model must not be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.exclusive(() => this.session.release());
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async process(
    streams: readonly AcousticStream[],
    chunks: readonly Float32Array[] | null,
    finishing: boolean,
  ): Promise<LogProbBlock[]> {
    if (this.disposed) throw new ModelError('MODEL_ARGUMENT', 'model was disposed', { reason: 'disposed' });
    if (chunks !== null && chunks.length !== streams.length) {
      throw new ModelError('MODEL_ARGUMENT', `${streams.length} streams but ${chunks.length} chunks`, {
        reason: 'lengths differ',
      });
    }
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i];
      if (!(s instanceof AcousticStream) || s.model !== this) {
        throw new ModelError('MODEL_ARGUMENT', `streams[${i}] does not belong to this model`, { reason: 'foreign stream', index: i });
      }
      if (s.isFinished) throw new ModelError('MODEL_STREAM_FINISHED', `streams[${i}] was finished`, { stream: i });
      if (streams.indexOf(s) !== i) {
        throw new ModelError('MODEL_ARGUMENT', `streams[${i}] appears twice in one batch`, { reason: 'duplicate stream', index: i });
      }
      if (chunks !== null && !(chunks[i] instanceof Float32Array)) {
        throw new ModelError('MODEL_ARGUMENT', `chunks[${i}] is not a Float32Array`, { reason: 'not Float32Array', index: i });
      }
    }
    for (let i = 0; i < streams.length; i++) streams[i].begin(chunks === null ? EMPTY : chunks[i], finishing);
    const group = this.group;
    const max = this.options.maxBatchStreams;
    try {
      for (;;) {
        group.length = 0;
        for (const s of streams) if (s.fill() === this.chunkSamples) group.push(s);
        if (group.length === 0) break;
        for (let i = 0; i < group.length; i += max) await this.runGroup(group, i, Math.min(group.length, i + max), this.chunkSamples);
      }
      if (finishing) {
        // The last partial chunks (already padded to frame multiples with zeros) run in one shorter call.
        group.length = 0;
        let longest = 0;
        for (const s of streams) {
          if (s.pendingSamples > 0) {
            group.push(s);
            longest = Math.max(longest, s.pendingSamples);
          }
        }
        const mult = this.card.chunkMultipleSamples;
        const samples = Math.ceil(longest / mult) * mult;
        for (let i = 0; i < group.length; i += max) await this.runGroup(group, i, Math.min(group.length, i + max), samples);
      }
    } finally {
      group.length = 0;
    }
    return streams.map((s) => s.end());
  }

  private buffersFor(batch: number, samples: number): RunBuffers {
    const reuse = samples === this.chunkSamples;
    const cached = reuse ? this.buffers.get(batch) : undefined;
    if (cached !== undefined) return cached;
    const pcm = new Float32Array(batch * samples);
    const feeds: Record<string, ort.Tensor> = { [PCM_INPUT]: new ort.Tensor('float32', pcm, [batch, samples]) };
    const states = this.layouts.map((l) => {
      const data = new Float32Array(l.size * batch);
      const dims = l.spec.shape.map((d) => (d === 'batch' ? batch : d));
      feeds[l.spec.name] = new ort.Tensor('float32', data, dims);
      return data;
    });
    const b: RunBuffers = { batch, samples, pcm, states, feeds };
    if (reuse) this.buffers.set(batch, b);
    return b;
  }

  /** One session run over group[from … to), each stream contributing `samples` samples (zero-padded). */
  private async runGroup(group: readonly AcousticStream[], from: number, to: number, samples: number): Promise<void> {
    const batch = to - from;
    const buf = this.buffersFor(batch, samples);
    for (let b = 0; b < batch; b++) {
      const s = group[from + b];
      s.copyPending(buf.pcm, b * samples, samples);
      for (let k = 0; k < this.layouts.length; k++) {
        const l = this.layouts[k];
        stackState(s.state[k], buf.states[k], l.outer, l.inner, batch, b);
      }
    }
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run(buf.feeds, this.fetchNames);
    } catch (e) {
      const cause = String((e as Error).message ?? e);
      throw new ModelError('MODEL_RUNTIME', `onnxruntime run failed: ${cause}`, { cause, batch, samples });
    }
    this.runs++;
    this.streamsRun += batch;
    const lp = out[LOGPROBS_OUTPUT] as ort.Tensor;
    const frames = samples / this.card.frameShiftSamples;
    const d = lp.dims;
    if (lp.type !== 'float32' || d.length !== 3 || d[0] !== batch || d[1] !== frames || d[2] !== this.numTokens) {
      throw new ModelError('MODEL_MISMATCH', `logprobs came back ${lp.type} [${d.join(', ')}]`, {
        name: LOGPROBS_OUTPUT,
        expected: [batch, frames, this.numTokens],
        found: [...d],
      });
    }
    for (let k = 0; k < this.layouts.length; k++) {
      const l = this.layouts[k];
      const t = out[l.spec.outputName] as ort.Tensor;
      if (t.type !== 'float32' || t.size !== l.size * batch) {
        throw new ModelError('MODEL_MISMATCH', `state ${l.spec.outputName} came back ${t.type} [${t.dims.join(', ')}]`, {
          name: l.spec.outputName,
          expected: l.spec.shape.map((x) => (x === 'batch' ? batch : x)),
          found: [...t.dims],
        });
      }
      const data = t.data as Float32Array;
      for (let b = 0; b < batch; b++) unstackState(data, group[from + b].state[k], l.outer, l.inner, batch, b);
    }
    const data = lp.data as Float32Array;
    for (let b = 0; b < batch; b++) group[from + b].collect(data, b * frames, frames);
  }
}

/** Checks the session's input and output names and declared types/shapes against the card (MODEL_MISMATCH). */
function checkGraphAgainstCard(session: ort.InferenceSession, card: ModelCard): void {
  const mismatch = (name: string, expected: unknown, found: unknown, what: string): ModelError =>
    new ModelError('MODEL_MISMATCH', `ONNX graph and model card disagree on ${name}: ${what}`, { name, expected, found });
  const wantIn = [PCM_INPUT, ...card.states.map((s) => s.name)];
  const wantOut = [LOGPROBS_OUTPUT, ...card.states.map((s) => s.outputName)];
  for (const n of session.inputNames) if (!wantIn.includes(n)) throw mismatch(n, wantIn, session.inputNames, 'graph input not in card');
  for (const n of wantIn) if (!session.inputNames.includes(n)) throw mismatch(n, wantIn, session.inputNames, 'card input missing from graph');
  for (const n of wantOut) {
    if (!session.outputNames.includes(n)) throw mismatch(n, wantOut, session.outputNames, 'card output missing from graph');
  }
  const meta = (list: readonly ort.InferenceSession.ValueMetadata[], name: string) => list.find((m) => m.name === name);
  const check = (m: ort.InferenceSession.ValueMetadata | undefined, name: string, shape: ReadonlyArray<number | string> | null) => {
    if (m === undefined || !m.isTensor) return;
    if (m.type !== 'float32') throw mismatch(name, 'float32', m.type, 'element type');
    if (shape === null) return;
    if (m.shape.length !== shape.length) throw mismatch(name, shape, m.shape, 'rank');
    // A named dimension of the card (batch, samples, frames) must be dynamic in the graph; a number must match.
    m.shape.forEach((d, i) => {
      if (typeof d !== 'number') return;
      if (typeof shape[i] !== 'number') throw mismatch(name, shape, m.shape, `dimension ${i} ("${shape[i]}") is fixed`);
      if (d !== shape[i]) throw mismatch(name, shape, m.shape, `dimension ${i}`);
    });
  };
  check(meta(session.inputMetadata, PCM_INPUT), PCM_INPUT, ['batch', 'samples']);
  check(meta(session.outputMetadata, LOGPROBS_OUTPUT), LOGPROBS_OUTPUT, ['batch', 'frames', card.tokens.length]);
  for (const s of card.states) {
    check(meta(session.inputMetadata, s.name), s.name, s.shape);
    check(meta(session.outputMetadata, s.outputName), s.outputName, s.shape);
  }
}

/**
 * One audio stream through the model: its own state tensors, a PCM remainder of less than one chunk, and frame
 * counters. Created by AcousticModel.createStream(); cheap (state + one chunk of floats).
 */
export class AcousticStream {
  readonly model: AcousticModel;
  /** Per-state buffers, [outer × inner] each (the batch axis removed). Read by the model only. */
  readonly state: Float32Array[];
  private readonly pending: Float32Array;
  private pendingLen = 0;
  private samplesIn = 0;
  private rawFrames = 0;
  private framesOut = 0;
  private finished = false;
  private finishing = false;
  private zerosLeft = 0;
  private src: Float32Array = EMPTY;
  private srcPos = 0;
  private firstFrame = 0;
  private readonly parts: Float32Array[] = [];
  private partFrames = 0;
  private queued = 0;

  /** @internal use AcousticModel.createStream() */
  constructor(model: AcousticModel, chunkSamples: number, state: Float32Array[]) {
    this.model = model;
    this.pending = new Float32Array(chunkSamples);
    this.state = state;
  }

  /**
   * Feeds audio (card.sampleRate, mono, [-1, 1]) of any length; runs the model on every full chunk and returns
   * the frames that became final. Frames are emitted in order with no gaps; the first block of a stream starts
   * at frame 0, delayed by delayFrames + the buffered remainder.
   */
  accept(pcm: Float32Array): Promise<LogProbBlock> {
    return this.track(this.model.runBatch([this], [pcm]));
  }

  /** Ends the stream: flushes buffered audio and the model's delay. Afterwards accept() fails until reset(). */
  finish(): Promise<LogProbBlock> {
    return this.track(this.model.finishBatch([this]));
  }

  /** Back to the state of a new stream (zero state, nothing buffered). MODEL_STREAM_BUSY while calls are queued. */
  reset(): void {
    if (this.queued > 0) throw new ModelError('MODEL_STREAM_BUSY', 'reset() while calls on the stream are pending', { stream: this.queued });
    for (const s of this.state) s.fill(0);
    this.pendingLen = 0;
    this.samplesIn = 0;
    this.rawFrames = 0;
    this.framesOut = 0;
    this.finished = false;
    this.finishing = false;
    this.zerosLeft = 0;
  }

  /** Audio samples accepted so far. */
  get samplesAccepted(): number {
    return this.samplesIn;
  }
  /** Frames returned so far. */
  get framesEmitted(): number {
    return this.framesOut;
  }
  /** Samples buffered, waiting for a full chunk. */
  get pendingSamples(): number {
    return this.pendingLen;
  }
  get isFinished(): boolean {
    return this.finished;
  }

  private async track(p: Promise<LogProbBlock[]>): Promise<LogProbBlock> {
    this.queued++;
    try {
      return (await p)[0];
    } finally {
      this.queued--;
    }
  }

  /** @internal Starts a runBatch/finishBatch call with this stream's chunk. */
  begin(src: Float32Array, finishing: boolean): void {
    this.src = src;
    this.srcPos = 0;
    this.samplesIn += src.length;
    this.firstFrame = this.framesOut;
    this.parts.length = 0;
    this.partFrames = 0;
    if (finishing) {
      this.finishing = true;
      const mult = this.model.card.chunkMultipleSamples;
      this.zerosLeft = Math.ceil(this.samplesIn / mult) * mult - this.samplesIn + this.model.card.flushSamples;
    }
  }

  /** @internal Moves input (or flush zeros) into the remainder buffer; returns the samples now pending. */
  fill(): number {
    const cap = this.pending.length;
    if (this.finishing && this.framesOut >= this.targetFrames()) {
      // Every real frame is out; the rest of the flush would only produce frames past the end.
      this.pendingLen = 0;
      this.zerosLeft = 0;
      return 0;
    }
    const take = Math.min(cap - this.pendingLen, this.src.length - this.srcPos);
    for (let i = 0; i < take; i++) this.pending[this.pendingLen + i] = this.src[this.srcPos + i];
    this.pendingLen += take;
    this.srcPos += take;
    const zeros = Math.min(cap - this.pendingLen, this.zerosLeft);
    this.pending.fill(0, this.pendingLen, this.pendingLen + zeros);
    this.pendingLen += zeros;
    this.zerosLeft -= zeros;
    return this.pendingLen;
  }

  /** @internal Copies the pending samples to dst[at …], zero-padding to `samples`, and empties the buffer. */
  copyPending(dst: Float32Array, at: number, samples: number): void {
    const n = this.pendingLen;
    const p = this.pending;
    for (let i = 0; i < n; i++) dst[at + i] = p[i];
    if (n < samples) dst.fill(0, at + n, at + samples);
    this.pendingLen = 0;
  }

  /** @internal Takes `frames` model frames starting at frame `offset` of `data`: drops the delay, caps at the end. */
  collect(data: Float32Array, offset: number, frames: number): void {
    const skip = Math.min(frames, Math.max(0, this.model.card.delayFrames - this.rawFrames));
    this.rawFrames += frames;
    let n = frames - skip;
    if (this.finishing) n = Math.min(n, Math.max(0, this.targetFrames() - this.framesOut));
    if (n <= 0) return;
    const v = this.model.numTokens;
    this.parts.push(data.subarray((offset + skip) * v, (offset + skip + n) * v));
    this.partFrames += n;
    this.framesOut += n;
  }

  /** @internal Ends a call: joins the frames collected during it into one block. */
  end(): LogProbBlock {
    const v = this.model.numTokens;
    let data: Float32Array;
    if (this.parts.length === 0) data = EMPTY;
    else if (this.parts.length === 1) data = this.parts[0];
    else {
      data = new Float32Array(this.partFrames * v);
      let o = 0;
      for (const p of this.parts) {
        data.set(p, o);
        o += p.length;
      }
    }
    this.parts.length = 0;
    this.src = EMPTY;
    const final = this.finishing;
    if (final) {
      this.finished = true;
      this.finishing = false;
    }
    return { data, frames: this.partFrames, firstFrame: this.firstFrame, numTokens: v, final };
  }

  private targetFrames(): number {
    return Math.ceil(this.samplesIn / this.model.card.frameShiftSamples);
  }
}
