// A worker thread of the engine (model, search, grammar compiles) whose unexpected end is reported exactly once.

import { Worker, type TransferListItem } from 'node:worker_threads';

/** What the owner of a worker thread hears from it. */
export interface WorkerThreadHandlers<Out> {
  /** A message from the thread (none after its end). */
  message(m: Out): void;
  /**
   * The thread ended without being asked to (`stop`): an uncaught exception, `process.exit`, an out-of-memory
   * abort, or `kill`. `cause` says which, for logs and error details. Called once.
   */
  death(cause: string): void;
}

/** Delays between attempts to start a worker thread whose predecessors died before they became ready, ms. */
export const RESTART_BACKOFF_MS: readonly number[] = Object.freeze([1000, 2000, 5000, 10000, 30000]);

/**
 * One worker thread started from a bootstrap module (which registers the TypeScript loader, see *.mjs). The
 * thread's 'error' and 'exit' events become one `death` call, so that its owner fails the work that was on it and
 * starts a replacement in one place; messages posted after the end are dropped, not thrown.
 */
export class WorkerThread<In, Out> {
  private readonly worker: Worker;
  private readonly handlers: WorkerThreadHandlers<Out>;
  private ended = false;
  private readonly gone: Promise<void>;

  constructor(url: URL, handlers: WorkerThreadHandlers<Out>, workerData?: unknown) {
    this.handlers = handlers;
    // No inherited flags: the bootstrap registers the TypeScript loader itself, and flags like --input-type break workers.
    this.worker = new Worker(url, { execArgv: [], workerData });
    this.gone = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (m: Out) => {
      if (!this.ended) handlers.message(m);
    });
    this.worker.on('error', (e: Error) => this.died(`uncaught ${e.name}: ${e.message}`));
    this.worker.on('exit', (code: number) => this.died(`exited with code ${code}`));
  }

  /** False once the thread ended (or was stopped). */
  get alive(): boolean {
    return !this.ended;
  }

  /** Posts a message; dropped when the thread has ended. */
  post(m: In, transfer: readonly TransferListItem[] = []): void {
    if (!this.ended) this.worker.postMessage(m, transfer);
  }

  /**
   * Ends the thread on purpose: no `death` is reported. Resolves once it is gone. `ask`, when given, is a message
   * that makes the thread end itself once its native work is done (a thread inside onnxruntime must not
   * be terminated mid-run: the run's completion would call into a torn-down environment and abort the process);
   * the thread is terminated if it has not ended within `graceMs`.
   */
  async stop(ask?: In, graceMs = 5000): Promise<void> {
    if (ask !== undefined && !this.ended) {
      this.ended = true;
      this.worker.postMessage(ask);
      if (await this.endsWithin(graceMs)) return;
    }
    this.ended = true;
    await this.worker.terminate();
  }

  /**
   * Ends the thread the way a crash would, for fault-injection tests and drills: `death` is reported as for a
   * crash, and the owner recovers as from one. Resolves once the thread is gone and its death handled. `ask` as
   * for `stop`: a message that makes the thread throw an uncaught exception once its native work is done.
   */
  async kill(ask?: In, graceMs = 5000): Promise<void> {
    let ended = false;
    if (ask !== undefined && !this.ended) {
      this.worker.postMessage(ask);
      ended = await this.endsWithin(graceMs);
    }
    if (!ended) await this.worker.terminate();
    await this.gone;
  }

  private async endsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const ended = await Promise.race([this.gone.then(() => true), timeout]);
    clearTimeout(timer);
    return ended;
  }

  private died(cause: string): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.death(cause);
  }
}
