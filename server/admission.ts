// Admission of recognition sessions: readiness state, the concurrent-session limit, and draining at shutdown.

import { ServerError } from './errors.ts';

/** Where the server is in its life: loading the model, serving, or draining before exit. */
export type ServerPhase = 'loading' | 'ready' | 'draining';

/** What a session is: a WebSocket stream of either dialect, or one HTTP transcription. */
export type SessionKind = 'stream' | 'vosk' | 'transcribe';

/** A held place among maxStreams. `release` is idempotent. */
export interface Slot {
  readonly kind: SessionKind;
  release(): void;
}

interface Held {
  kind: SessionKind;
  /** Called once when draining starts: the session should deliver its final results and close. */
  drain: (() => void) | undefined;
}

/**
 * Counts sessions against a limit and knows the server's phase. All methods are O(1) except `startDraining`
 * (O(open sessions)). Not thread-safe; lives on the event loop like everything in server/.
 */
export class Admission {
  private phaseNow: ServerPhase = 'loading';
  private readonly held = new Set<Held>();
  private idleWaiters: Array<() => void> = [];
  private loadingReason = 'the acoustic model is loading';

  /** `maxStreams`: config.maxStreams; `retryAfterSec`: config.retryAfterSec (the hint in TOO_MANY_STREAMS). */
  constructor(
    readonly maxStreams: number,
    readonly retryAfterSec: number,
  ) {}

  get phase(): ServerPhase {
    return this.phaseNow;
  }

  /** Sessions open now, by kind and in total. */
  get active(): number {
    return this.held.size;
  }

  activeOf(kind: SessionKind): number {
    let n = 0;
    for (const h of this.held) if (h.kind === kind) n++;
    return n;
  }

  /** Marks the server ready (model loaded and warmed). Ignored once draining. */
  setReady(): void {
    if (this.phaseNow === 'loading') this.phaseNow = 'ready';
  }

  /** Why the server is not ready yet (for /readyz while loading). */
  setLoadingReason(reason: string): void {
    this.loadingReason = reason;
  }

  /** The error a new session would get now, or null if it would be admitted. */
  refusal(): ServerError | null {
    const retryMs = Math.round(this.retryAfterSec * 1000);
    if (this.phaseNow === 'loading') return new ServerError('NOT_READY', this.loadingReason, { retry_after_ms: retryMs });
    if (this.phaseNow === 'draining') return new ServerError('SHUTTING_DOWN', 'the server is shutting down');
    if (this.held.size >= this.maxStreams) {
      return new ServerError('TOO_MANY_STREAMS', `${this.maxStreams} sessions are already open`, {
        limit: this.maxStreams,
        retry_after_ms: retryMs,
      });
    }
    return null;
  }

  /**
   * Takes a place for a new session, or throws NOT_READY, SHUTTING_DOWN or TOO_MANY_STREAMS. `drain` is called
   * once if the server starts draining while the slot is held.
   */
  acquire(kind: SessionKind, drain?: () => void): Slot {
    const refusal = this.refusal();
    if (refusal !== null) throw refusal;
    const h: Held = { kind, drain };
    this.held.add(h);
    let released = false;
    return {
      kind,
      release: () => {
        if (released) return;
        released = true;
        this.held.delete(h);
        if (this.held.size === 0) this.wakeIdle();
      },
    };
  }

  /** Stops admitting sessions and asks each open one to finish. Idempotent. */
  startDraining(): void {
    if (this.phaseNow === 'draining') return;
    this.phaseNow = 'draining';
    for (const h of [...this.held]) {
      const d = h.drain;
      h.drain = undefined;
      d?.();
    }
  }

  /** Resolves when no session is open (at once if none is). */
  idle(): Promise<void> {
    if (this.held.size === 0) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
