// Where a session's WFST search runs: on the event loop (LocalDecoder) or in worker threads sharing frozen graphs.

import type { CompiledGraph } from '../decoder/graph/tlg.ts';
import type { DecoderOptions } from '../decoder/search/config.ts';
import type { EndpointOptions } from '../decoder/search/endpoint.ts';
import { Recognizer } from '../decoder/search/recognizer.ts';
import type { UtteranceResult } from '../decoder/search/results.ts';
import type { Stream } from '../decoder/search/stream.ts';
import { EngineError, errorData, type ErrorData } from './errors.ts';
import { graphFromShared, shareGraph, type SharedGraph } from './shared-graph.ts';
import { RESTART_BACKOFF_MS, WorkerThread } from './worker-thread.ts';

/** A word of a partial result; times in seconds from the start of the stream. */
export interface PartialWordEvent {
  word: string;
  start: number;
  end: number;
}

/** A word of a final result, with its posterior probability in [0, 1]. */
export interface FinalWordEvent extends PartialWordEvent {
  confidence: number;
}

/** The best hypothesis of the utterance in progress (sent when its text changes; never empty). */
export interface PartialEvent {
  type: 'partial';
  text: string;
  words: PartialWordEvent[];
}

/** A finished utterance. */
export interface FinalEvent {
  type: 'final';
  /** OK: words recognised; NO_MATCH: the grammar cannot account for the audio (text empty); NO_SPEECH: nothing said. */
  code: 'OK' | 'NO_MATCH' | 'NO_SPEECH';
  text: string;
  /** Stream time of the utterance's first frame and of the end of its last frame, seconds. */
  start: number;
  end: number;
  words: FinalWordEvent[];
  /** The n-best list (best first), when the session asked for more than one alternative. */
  alternatives?: { text: string; confidence: number }[];
}

/** What a session asks of its decoder, in order. */
export type DecodeRequest =
  /** Log-probs [frames × tokens]; `last`: the input ended after them (finish the stream). */
  | { op: 'frames'; data: Float32Array; frames: number; last: boolean }
  /** End the current utterance now. */
  | { op: 'endUtterance' }
  /** Switch to the graph of `graph` (a token from `DecoderHost.prepareGraph`), now or from the next utterance. */
  | { op: 'swap'; graph: GraphRef; restart: boolean };

/** The decoder's answer to each request, in request order. `ms`: decoding wall time. */
export type DecodeReply =
  /** Finals of endpoints inside the frames; the partial if its text changed; `last` → the input's final (or null). */
  | { op: 'frames'; finals: FinalEvent[]; partial: PartialEvent | null; ended: FinalEvent | null; ms: number }
  | { op: 'endUtterance'; final: FinalEvent; ms: number }
  | { op: 'swap'; finals: FinalEvent[]; partial: PartialEvent | null; ms: number }
  | { op: 'error'; of: DecodeRequest['op']; error: ErrorData; ms: number };

/** Options of one session's decoder (validated by the session beforehand). */
export interface DecoderStreamOptions {
  endpoint: EndpointOptions | false | undefined;
  alternatives: number;
  partials: boolean;
}

/** A graph as a decoder host knows it: the recognizer itself (in-process) or an id (in workers). */
export type GraphRef = Recognizer | number;

function sec(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** An utterance result as a final event. */
export function finalEvent(r: UtteranceResult, alternatives: number): FinalEvent {
  const ev: FinalEvent = {
    type: 'final',
    code: r.code,
    text: r.text,
    start: sec(r.startSec),
    end: sec(r.endSec),
    words: r.words.map((w) => ({ word: w.word, start: sec(w.startSec), end: sec(w.endSec), confidence: w.confidence })),
  };
  if (alternatives > 1) ev.alternatives = r.alternatives.map((a) => ({ text: a.text, confidence: a.posterior }));
  return ev;
}

/** Endpoint and end-of-input finals with nothing in them are not reported (an explicit finalize always is). */
function reportable(r: UtteranceResult): boolean {
  return !(r.code === 'NO_SPEECH' && r.words.length === 0);
}

/**
 * One session's search: a decoder `Stream` over a shared Recognizer, answering `DecodeRequest`s with wire-ready
 * events. Runs wherever its host runs it (the event loop or a worker); knows nothing of audio or sockets.
 */
export class DecoderCore {
  private readonly stream: Stream;
  private readonly opts: DecoderStreamOptions;
  private lastPartial = '';

  constructor(recognizer: Recognizer, opts: DecoderStreamOptions) {
    this.opts = opts;
    this.stream = recognizer.createStream({
      ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
      nbest: opts.alternatives,
      keepUtteranceFrames: true,
    });
  }

  /** Answers one request; `resolve` maps a graph id to its recognizer (workers). Never throws. */
  handle(req: DecodeRequest, resolve: (g: GraphRef) => Recognizer): DecodeReply {
    const t0 = performance.now();
    try {
      switch (req.op) {
        case 'frames': {
          const finals = this.finals(req.frames > 0 ? this.stream.accept(req.data, req.frames) : []);
          let ended: FinalEvent | null = null;
          let partial: PartialEvent | null = null;
          if (req.last) {
            const r = this.stream.finish();
            ended = reportable(r) ? finalEvent(r, this.opts.alternatives) : null;
          } else partial = this.partial();
          return { op: 'frames', finals, partial, ended, ms: performance.now() - t0 };
        }
        case 'endUtterance': {
          const r = this.stream.endUtterance();
          this.lastPartial = '';
          return { op: 'endUtterance', final: finalEvent(r, this.opts.alternatives), ms: performance.now() - t0 };
        }
        case 'swap': {
          const finals = this.finals(this.stream.setRecognizer(resolve(req.graph), { restartUtterance: req.restart }));
          if (req.restart) this.lastPartial = '';
          return { op: 'swap', finals, partial: req.restart ? this.partial() : null, ms: performance.now() - t0 };
        }
      }
    } catch (e) {
      return { op: 'error', of: req.op, error: errorData(e), ms: performance.now() - t0 };
    }
  }

  private finals(rs: UtteranceResult[]): FinalEvent[] {
    const out: FinalEvent[] = [];
    for (const r of rs) {
      this.lastPartial = '';
      if (reportable(r)) out.push(finalEvent(r, this.opts.alternatives));
    }
    return out;
  }

  private partial(): PartialEvent | null {
    if (!this.opts.partials) return null;
    const p = this.stream.partial();
    if (p.text === this.lastPartial) return null;
    this.lastPartial = p.text;
    if (p.text === '') return null;
    return { type: 'partial', text: p.text, words: p.words.map((w) => ({ word: w.word, start: sec(w.startSec), end: sec(w.endSec) })) };
  }
}

/** A session's handle on its decoder: requests in, replies to the callback given when it was opened, in order. */
export interface DecoderHandle {
  send(req: DecodeRequest): void;
  /** Requests sent and not answered yet. */
  readonly pending: number;
  close(): void;
}

/** Where sessions' decoders live. */
export interface DecoderHost {
  /** Threads decoding (0: the event loop). */
  readonly workers: number;
  /** Decode threads started to replace threads that died. */
  readonly restarts: number;
  /** A graph ready for `open` and swap requests (ships it to workers the first time). */
  prepareGraph(graph: CompiledGraph, recognizer: Recognizer): GraphRef;
  open(graph: GraphRef, opts: DecoderStreamOptions, onReply: (r: DecodeReply) => void): DecoderHandle;
  /**
   * Ends decode thread `index` the way a crash would (fault injection): its sessions fail with ENGINE_WORKER_FAILED
   * and a replacement starts. False when there is no such thread running.
   */
  terminateWorker(index: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Decoding on the calling thread: requests are answered synchronously, inside `send`. */
export class LocalDecoderHost implements DecoderHost {
  readonly workers = 0;
  readonly restarts = 0;

  prepareGraph(_graph: CompiledGraph, recognizer: Recognizer): GraphRef {
    return recognizer;
  }

  open(graph: GraphRef, opts: DecoderStreamOptions, onReply: (r: DecodeReply) => void): DecoderHandle {
    const core = new DecoderCore(graph as Recognizer, opts);
    const resolve = (g: GraphRef) => g as Recognizer;
    return {
      pending: 0,
      send: (req) => onReply(core.handle(req, resolve)),
      close: () => {},
    };
  }

  async terminateWorker(): Promise<boolean> {
    return false;
  }

  async close(): Promise<void> {}
}

/** The recognizer of a shared graph (in a worker): the arcs stay in shared memory; the search scratch is its own. */
export function recognizerFromShared(g: SharedGraph, decoder: DecoderOptions): Recognizer {
  return new Recognizer({ graph: graphFromShared(g), decoder });
}

/** What a decode worker is started with (its workerData). */
export interface DecodeWorkerData {
  /** Decoder options of every graph's recognizer. */
  decoder: DecoderOptions;
}

/** Messages to a decode worker. */
export type ToWorker =
  | { type: 'graph'; gid: number; graph: SharedGraph }
  | { type: 'drop'; gid: number }
  | { type: 'open'; sid: number; gid: number; opts: DecoderStreamOptions }
  | { type: 'req'; sid: number; req: DecodeRequest }
  | { type: 'close'; sid: number };

/** Messages from a decode worker. */
export type FromWorker = { type: 'ready' } | { type: 'reply'; sid: number; reply: DecodeReply } | { type: 'graph'; gid: number; ms: number };

interface WorkerSlot {
  index: number;
  thread: WorkerThread<ToWorker, FromWorker>;
  /** The thread has loaded (answered 'ready'). */
  ready: boolean;
  /** Sessions pinned to this thread. */
  sids: Set<number>;
  /** Graph id → sessions of this worker using it (absent: not shipped). */
  graphRefs: Map<number, number>;
}

/**
 * Decoding in worker threads. Each session is pinned to the worker with the fewest sessions; its requests and
 * replies travel as messages (log-probs transferred, not copied twice), in order. Graphs are shipped once per worker
 * as SharedArrayBuffers: every worker reads the same arc arrays (59 MB for `en`) and keeps only its own search
 * scratch (8 bytes a state). A graph no session of a worker uses any more is dropped there, except pinned ones.
 * A worker that dies (uncaught error, exit, out of memory) takes only its own sessions with it: each gets a fatal
 * ENGINE_WORKER_FAILED reply, and a replacement starts at once with the pinned graphs (after a growing delay when
 * its predecessor died before it was ready, so that a worker that cannot start does not spin).
 */
export class WorkerDecoderHost implements DecoderHost {
  readonly workers: number;
  private readonly slots: WorkerSlot[] = [];
  private readonly ids = new WeakMap<CompiledGraph, number>();
  /** The shared copy of each graph, made once and kept as long as the graph lives. */
  private readonly copies = new WeakMap<CompiledGraph, SharedGraph>();
  /** Graphs that may be shipped now (prepared, or in use by some worker). */
  private readonly sharedGraphs = new Map<number, SharedGraph>();
  private readonly pinned = new Set<number>();
  private readonly handlers = new Map<number, (r: DecodeReply) => void>();
  private readonly decoder: DecoderOptions;
  private readonly log: (line: string) => void;
  private readonly backoff: number[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextGid = 1;
  private nextSid = 1;
  private replaced = 0;
  private started = false;
  private closed = false;

  private constructor(n: number, decoder: DecoderOptions, log: (line: string) => void) {
    this.workers = n;
    this.decoder = decoder;
    this.log = log;
    this.backoff = Array.from({ length: n }, () => 0);
  }

  /** Starts `n` workers and waits until each has loaded; rejects (and stops them) when one fails to start. */
  static async start(n: number, decoder: DecoderOptions, log: (line: string) => void): Promise<WorkerDecoderHost> {
    const host = new WorkerDecoderHost(n, decoder, log);
    try {
      await Promise.all(Array.from({ length: n }, (_, k) => host.spawn(k)));
      host.started = true;
    } catch (e) {
      await host.close();
      throw e;
    }
    return host;
  }

  /** Workers started to replace dead ones, since start. */
  get restarts(): number {
    return this.replaced;
  }

  /** Starts worker `k` (first start or replacement) with the pinned graphs; resolves once it is ready. */
  private spawn(k: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const data: DecodeWorkerData = { decoder: this.decoder };
      const slot: WorkerSlot = {
        index: k,
        ready: false,
        sids: new Set(),
        graphRefs: new Map(),
        thread: new WorkerThread<ToWorker, FromWorker>(
          new URL('./decode-worker.mjs', import.meta.url),
          {
            message: (m) => {
              if (m.type === 'ready') {
                slot.ready = true;
                this.backoff[k] = 0;
                resolve();
              } else if (m.type === 'reply') this.handlers.get(m.sid)?.(m.reply);
              else this.log(`decode worker ${k}: graph ${m.gid} ready in ${m.ms.toFixed(0)} ms`);
            },
            death: (cause) => {
              reject(new EngineError('ENGINE_WORKER_FAILED', `decode worker ${k} failed to start: ${cause}`, { worker: 'decode', index: k, cause }));
              this.onDeath(slot, cause);
            },
          },
          data,
        ),
      };
      this.slots[k] = slot;
      for (const gid of this.pinned) this.acquire(slot, gid);
    });
  }

  /** Worker `slot` died: its sessions get a fatal reply, its graphs are forgotten, a replacement is started. */
  private onDeath(slot: WorkerSlot, cause: string): void {
    if (this.closed || this.slots[slot.index] !== slot) return;
    const k = slot.index;
    const error: ErrorData = {
      code: 'ENGINE_WORKER_FAILED',
      message: `decode worker ${k} failed (${cause}); the sessions decoding there end, a new worker starts`,
      details: { worker: 'decode', index: k, cause },
    };
    this.log(`decode worker ${k} failed (${cause}) with ${slot.sids.size} sessions`);
    const sids = [...slot.sids];
    slot.sids.clear();
    for (const sid of sids) {
      const h = this.handlers.get(sid);
      this.handlers.delete(sid);
      h?.({ op: 'error', of: 'frames', error, ms: 0 });
    }
    const gids = [...slot.graphRefs.keys()];
    slot.graphRefs.clear();
    for (const gid of gids) if (!this.pinned.has(gid) && !this.slots.some((s) => s.graphRefs.has(gid))) this.sharedGraphs.delete(gid);
    // At start-up `start` reports the failure and gives up.
    if (!this.started) return;
    const delay = slot.ready ? 0 : RESTART_BACKOFF_MS[Math.min(this.backoff[k], RESTART_BACKOFF_MS.length - 1)];
    if (!slot.ready) this.backoff[k]++;
    const restart = (): void => {
      if (this.closed) return;
      this.replaced++;
      this.log(`decode worker ${k}: starting a replacement`);
      this.spawn(k).catch(() => {});
    };
    if (delay === 0) restart();
    else {
      const t = setTimeout(() => {
        this.timers.delete(t);
        restart();
      }, delay);
      this.timers.add(t);
    }
  }

  /** Ships a graph to every worker now and keeps it there (the default grammar: no session waits for it). */
  preload(graph: CompiledGraph): void {
    const gid = this.prepareGraph(graph) as number;
    this.pinned.add(gid);
    for (const slot of this.slots) if (!slot.graphRefs.has(gid)) this.acquire(slot, gid);
  }

  prepareGraph(graph: CompiledGraph): GraphRef {
    let gid = this.ids.get(graph);
    if (gid === undefined) {
      gid = this.nextGid++;
      this.ids.set(graph, gid);
    }
    let copy = this.copies.get(graph);
    if (copy === undefined) {
      copy = shareGraph(graph);
      this.copies.set(graph, copy);
    }
    this.sharedGraphs.set(gid, copy);
    return gid;
  }

  private acquire(slot: WorkerSlot, gid: number): void {
    const refs = slot.graphRefs.get(gid);
    if (refs === undefined) {
      const graph = this.sharedGraphs.get(gid);
      if (graph === undefined) throw new EngineError('ENGINE_INTERNAL', `graph ${gid} is not prepared`, { cause: 'graph' });
      slot.thread.post({ type: 'graph', gid, graph });
    }
    slot.graphRefs.set(gid, (refs ?? 0) + 1);
  }

  private release(slot: WorkerSlot, gid: number): void {
    const refs = (slot.graphRefs.get(gid) ?? 1) - 1;
    if (refs > 0 || this.pinned.has(gid)) {
      slot.graphRefs.set(gid, refs);
      return;
    }
    slot.graphRefs.delete(gid);
    slot.thread.post({ type: 'drop', gid });
    if (!this.slots.some((s) => s.graphRefs.has(gid))) this.sharedGraphs.delete(gid);
  }

  open(graph: GraphRef, opts: DecoderStreamOptions, onReply: (r: DecodeReply) => void): DecoderHandle {
    if (this.closed) throw new EngineError('ENGINE_NOT_READY', 'the decode workers are stopped');
    let slot: WorkerSlot | undefined;
    for (const s of this.slots) if (s.thread.alive && (slot === undefined || s.sids.size < slot.sids.size)) slot = s;
    if (slot === undefined) {
      throw new EngineError('ENGINE_WORKER_FAILED', 'no decode worker is running (replacements are starting)', { worker: 'decode' });
    }
    const home = slot;
    const sid = this.nextSid++;
    const gids = [graph as number];
    let pending = 0;
    this.acquire(home, graph as number);
    home.sids.add(sid);
    this.handlers.set(sid, (r) => {
      pending--;
      onReply(r);
    });
    home.thread.post({ type: 'open', sid, gid: graph as number, opts });
    let closed = false;
    return {
      get pending() {
        return pending;
      },
      send: (req) => {
        if (closed) return;
        pending++;
        if (req.op === 'swap') {
          this.acquire(home, req.graph as number);
          gids.push(req.graph as number);
        }
        if (req.op === 'frames') {
          // The block may view a model output shared with other sessions: copy, then transfer the copy.
          const data = req.data.slice();
          home.thread.post({ type: 'req', sid, req: { ...req, data } }, [data.buffer]);
        } else home.thread.post({ type: 'req', sid, req });
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.handlers.delete(sid);
        // A dead worker's sessions and graphs were dropped with it.
        if (!home.sids.delete(sid)) return;
        home.thread.post({ type: 'close', sid });
        for (const g of gids) this.release(home, g);
      },
    };
  }

  async terminateWorker(index: number): Promise<boolean> {
    const slot = this.slots[index];
    if (slot === undefined || !slot.thread.alive) return false;
    await slot.thread.kill();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.slots.map((s) => s.thread.stop()));
  }
}
