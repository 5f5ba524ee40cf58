// Where user and inline grammars are compiled: on the calling thread, or in a worker thread off the event loop.

import { compileGrammar, type CompiledGraph, type GrammarSource } from '../decoder/graph/tlg.ts';
import type { TokenTable } from '../decoder/graph/tokens.ts';
import { EngineError, errorFromData, type ErrorData } from './errors.ts';
import { graphFromShared, type SharedGraph } from './shared-graph.ts';
import { WorkerThread } from './worker-thread.ts';

/** Compiles grammar sources into decoding graphs for one token table. */
export interface GrammarCompiler {
  /**
   * The graph of `source` (`compileGrammar` with default options). Rejects with the front-ends' and the builder's
   * coded errors, positions included (GRAMMAR_SYNTAX details.line/column, ARPA_SYNTAX details.line, …).
   */
  compile(source: GrammarSource): Promise<CompiledGraph>;
  /** Compile threads started to replace one that died. */
  readonly restarts: number;
  /** Ends the compile thread the way a crash would (fault injection); false when none is running. */
  terminateWorker(): Promise<boolean>;
  close(): Promise<void>;
}

/** Compiling on the calling thread: a compile holds it for its whole duration (seconds for a large grammar). */
export class LocalGrammarCompiler implements GrammarCompiler {
  readonly restarts = 0;

  constructor(private readonly tokens: TokenTable) {}

  async compile(source: GrammarSource): Promise<CompiledGraph> {
    return compileGrammar(source, this.tokens);
  }

  async terminateWorker(): Promise<boolean> {
    return false;
  }

  async close(): Promise<void> {}
}

/** What the compile worker is started with (its workerData). */
export interface CompileWorkerData {
  tokens: { names: readonly string[]; blank: number; space: number | null };
}

/** Messages to the compile worker. */
export type ToCompileWorker = { type: 'compile'; id: number; source: GrammarSource };

/** Messages from the compile worker: the graph in shared memory, or the compile's coded error. */
export type FromCompileWorker =
  | { type: 'done'; id: number; graph: SharedGraph }
  | { type: 'failed'; id: number; error: ErrorData };

/**
 * Compiling in a worker thread, one grammar after another in call order, so that the event loop keeps serving
 * sockets while a large grammar compiles (4,000 phrases: ~0.5 s; a 1 MiB source: seconds). The graph comes back in
 * SharedArrayBuffers (not copied, and shared as they are with the decode workers); rebuilding its tables here costs
 * O(words). The thread starts with the first compile and stays. If it dies (out of memory on a huge grammar, an
 * uncaught error), the compiles it held reject with ENGINE_WORKER_FAILED and the next compile starts a new one.
 */
export class WorkerGrammarCompiler implements GrammarCompiler {
  private thread: WorkerThread<ToCompileWorker, FromCompileWorker> | null = null;
  private readonly jobs = new Map<number, { resolve: (g: CompiledGraph) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private died = 0;
  private replaced = 0;
  private closed = false;

  constructor(
    private readonly tokens: TokenTable,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get restarts(): number {
    return this.replaced;
  }

  compile(source: GrammarSource): Promise<CompiledGraph> {
    if (this.closed) return Promise.reject(new EngineError('ENGINE_NOT_READY', 'the grammar compiler is closed'));
    const thread = this.thread ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      thread.post({ type: 'compile', id, source });
    });
  }

  private start(): WorkerThread<ToCompileWorker, FromCompileWorker> {
    if (this.died > this.replaced) {
      this.replaced++;
      this.log('grammar compile worker: starting a replacement');
    }
    const t = this.tokens;
    const data: CompileWorkerData = { tokens: { names: t.tokens, blank: t.blank, space: t.space < 0 ? null : t.space } };
    const thread: WorkerThread<ToCompileWorker, FromCompileWorker> = new WorkerThread(
      new URL('./compile-worker.mjs', import.meta.url),
      {
        message: (m) => {
          const job = this.jobs.get(m.id);
          this.jobs.delete(m.id);
          if (job === undefined) return;
          if (m.type === 'failed') job.reject(errorFromData(m.error));
          else {
            try {
              job.resolve(graphFromShared(m.graph, this.tokens));
            } catch (e) {
              job.reject(e);
            }
          }
        },
        death: (cause) => {
          if (this.thread === thread) this.thread = null;
          this.died++;
          this.log(`grammar compile worker failed (${cause}) with ${this.jobs.size} compiles`);
          const err = new EngineError('ENGINE_WORKER_FAILED', `the grammar compile worker failed (${cause}); the grammar was not compiled`, {
            worker: 'compile',
            cause,
          });
          const jobs = [...this.jobs.values()];
          this.jobs.clear();
          for (const j of jobs) j.reject(err);
        },
      },
      data,
    );
    this.thread = thread;
    return thread;
  }

  async terminateWorker(): Promise<boolean> {
    if (this.thread === null || !this.thread.alive) return false;
    await this.thread.kill();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new EngineError('ENGINE_NOT_READY', 'the grammar compiler is closed');
    for (const j of this.jobs.values()) j.reject(err);
    this.jobs.clear();
    await this.thread?.stop();
    this.thread = null;
  }
}
