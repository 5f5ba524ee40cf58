// Where a session's WFST search runs: on the event loop (LocalDecoder) or in worker threads sharing frozen graphs.

import { Worker } from 'node:worker_threads';
import { ConstFst, type ConstFstArrays } from '../decoder/fst/const-fst.ts';
import { semiringByName } from '../decoder/fst/semiring.ts';
import { SymbolTable } from '../decoder/fst/symbol-table.ts';
import type { CompiledGraph } from '../decoder/graph/tlg.ts';
import { TokenTable } from '../decoder/graph/tokens.ts';
import { WordTable } from '../decoder/graph/words.ts';
import type { DecoderOptions } from '../decoder/search/config.ts';
import type { EndpointOptions } from '../decoder/search/endpoint.ts';
import { Recognizer } from '../decoder/search/recognizer.ts';
import type { UtteranceResult } from '../decoder/search/results.ts';
import type { Stream } from '../decoder/search/stream.ts';
import { EngineError, errorInfo, type ErrorCode } from './errors.ts';

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

/** A coded error as data (what crosses a thread boundary). */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

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
      const info = errorInfo(e);
      return { op: 'error', of: req.op, error: { code: info.code, message: info.message, details: { ...info.details } }, ms: performance.now() - t0 };
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
  /** A graph ready for `open` and swap requests (ships it to workers the first time). */
  prepareGraph(graph: CompiledGraph, recognizer: Recognizer): GraphRef;
  open(graph: GraphRef, opts: DecoderStreamOptions, onReply: (r: DecodeReply) => void): DecoderHandle;
  close(): Promise<void>;
}

/** Decoding on the calling thread: requests are answered synchronously, inside `send`. */
export class LocalDecoderHost implements DecoderHost {
  readonly workers = 0;

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

  async close(): Promise<void> {}
}

/** A compiled graph in shared memory: what a worker needs to rebuild it without copying the arcs. */
export interface SharedGraph {
  semiring: 'tropical' | 'log';
  props: number;
  arrays: ConstFstArrays;
  wordsText: string;
  tokens: { names: readonly string[]; blank: number; space: number | null };
  decoder: DecoderOptions;
}

function shared<T extends Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const sab = new SharedArrayBuffer(a.byteLength);
  const out = (a instanceof Int32Array ? new Int32Array(sab) : new Float32Array(sab)) as T;
  out.set(a);
  return out;
}

/** Copies a graph's CSR arrays into SharedArrayBuffers (once per graph: O(E)), with its tables as text. */
export function shareGraph(graph: CompiledGraph, decoder: DecoderOptions): SharedGraph {
  const t = graph.tlg;
  return {
    semiring: t.semiring.name,
    props: t.properties(-1, false),
    arrays: {
      start: t.startState,
      finals: shared(t.finals),
      arcStart: shared(t.arcStart),
      ilabel: shared(t.ilabel),
      olabel: shared(t.olabel),
      nextstate: shared(t.nextstate),
      weight: shared(t.weight),
    },
    wordsText: graph.words.symbols.toText(),
    tokens: { names: graph.tokens.tokens, blank: graph.tokens.blank, space: graph.tokens.space < 0 ? null : graph.tokens.space },
    decoder,
  };
}

/** The recognizer of a shared graph (in a worker): the arcs stay in shared memory; the search scratch is its own. */
export function recognizerFromShared(g: SharedGraph): Recognizer {
  const semiring = semiringByName(g.semiring);
  if (semiring === undefined) throw new EngineError('ENGINE_INTERNAL', `unknown semiring ${g.semiring}`, { cause: 'semiring' });
  const words = WordTable.fromSymbolTable(SymbolTable.fromText(g.wordsText, 'words'));
  const tokens = new TokenTable(g.tokens.names, { blank: g.tokens.blank, space: g.tokens.space });
  const tlg = new ConstFst(semiring, g.arrays, g.props, tokens.symbols(), words.symbols);
  return new Recognizer({ graph: { tlg, words, tokens, info: {} as CompiledGraph['info'] }, decoder: g.decoder });
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
  worker: Worker;
  sessions: number;
  /** Graph id → sessions of this worker using it (absent: not shipped). */
  graphRefs: Map<number, number>;
}

/**
 * Decoding in worker threads. Each session is pinned to the worker with the fewest sessions; its requests and
 * replies travel as messages (log-probs transferred, not copied twice), in order. Graphs are shipped once per worker
 * as SharedArrayBuffers: every worker reads the same arc arrays (59 MB for `en`) and keeps only its own search
 * scratch (8 bytes a state). A graph no session of a worker uses any more is dropped there, except pinned ones.
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
  private nextGid = 1;
  private nextSid = 1;
  private dead: Error | null = null;

  private constructor(n: number, decoder: DecoderOptions, log: (line: string) => void) {
    this.workers = n;
    this.decoder = decoder;
    this.log = log;
  }

  /** Starts `n` workers and waits until each has loaded. */
  static async start(n: number, decoder: DecoderOptions, log: (line: string) => void): Promise<WorkerDecoderHost> {
    const host = new WorkerDecoderHost(n, decoder, log);
    await Promise.all(Array.from({ length: n }, (_, k) => host.spawn(k)));
    return host;
  }

  private spawn(k: number): Promise<void> {
    // No inherited flags: the bootstrap registers the TypeScript loader itself, and flags like --input-type break workers.
    const worker = new Worker(new URL('./decode-worker.mjs', import.meta.url), { execArgv: [] });
    const slot: WorkerSlot = { worker, sessions: 0, graphRefs: new Map() };
    this.slots[k] = slot;
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          worker.off('error', reject);
          worker.on('error', (e) => this.fail(e));
          resolve();
        } else if (m.type === 'reply') this.handlers.get(m.sid)?.(m.reply);
        else if (m.type === 'graph') this.log(`decode worker ${k}: graph ${m.gid} ready in ${m.ms.toFixed(0)} ms`);
      });
      worker.on('exit', (code) => {
        if (this.dead === null && code !== 0) this.fail(new Error(`decode worker ${k} exited with code ${code}`));
      });
    });
  }

  /** A worker died: every session still decoding gets a fatal ENGINE_INTERNAL reply. */
  private fail(e: Error): void {
    if (this.dead !== null) return;
    this.dead = e;
    this.log(`decode worker failed: ${e.message}`);
    const error: ErrorData = { code: 'ENGINE_INTERNAL', message: `decode worker failed: ${e.message}`, details: { cause: e.message } };
    for (const h of this.handlers.values()) h({ op: 'error', of: 'frames', error, ms: 0 });
    this.handlers.clear();
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
      copy = shareGraph(graph, this.decoder);
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
      slot.worker.postMessage({ type: 'graph', gid, graph } satisfies ToWorker);
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
    slot.worker.postMessage({ type: 'drop', gid } satisfies ToWorker);
    if (!this.slots.some((s) => s.graphRefs.has(gid))) this.sharedGraphs.delete(gid);
  }

  open(graph: GraphRef, opts: DecoderStreamOptions, onReply: (r: DecodeReply) => void): DecoderHandle {
    if (this.dead !== null) throw new EngineError('ENGINE_INTERNAL', `decode workers are down: ${this.dead.message}`, { cause: this.dead.message });
    let slot = this.slots[0];
    for (const s of this.slots) if (s.sessions < slot.sessions) slot = s;
    const sid = this.nextSid++;
    const gids = [graph as number];
    let pending = 0;
    this.acquire(slot, graph as number);
    slot.sessions++;
    this.handlers.set(sid, (r) => {
      pending--;
      onReply(r);
    });
    slot.worker.postMessage({ type: 'open', sid, gid: graph as number, opts } satisfies ToWorker);
    let closed = false;
    return {
      get pending() {
        return pending;
      },
      send: (req) => {
        if (closed) return;
        pending++;
        if (req.op === 'swap') {
          this.acquire(slot, req.graph as number);
          gids.push(req.graph as number);
        }
        if (req.op === 'frames') {
          // The block may view a model output shared with other sessions: copy, then transfer the copy.
          const data = req.data.slice();
          slot.worker.postMessage({ type: 'req', sid, req: { ...req, data } } satisfies ToWorker, [data.buffer]);
        } else slot.worker.postMessage({ type: 'req', sid, req } satisfies ToWorker);
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.handlers.delete(sid);
        slot.sessions--;
        slot.worker.postMessage({ type: 'close', sid } satisfies ToWorker);
        for (const g of gids) this.release(slot, g);
      },
    };
  }

  async close(): Promise<void> {
    this.dead ??= new Error('closed');
    this.handlers.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
