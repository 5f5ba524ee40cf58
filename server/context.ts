// What every route of the server shares: config, admission, metrics, auth, and the engine once it is loaded.

import type { Admission } from './admission.ts';
import type { ApiKeyAuth } from './auth.ts';
import type { ServerConfig } from './config.ts';
import { ServerError } from './errors.ts';
import type { ServerMetrics } from './metrics.ts';
import type { Recognition } from './recognition.ts';

/** Shared state of one server. The engine is attached after listening starts (the model loads meanwhile). */
export class ServerContext {
  private engine: Recognition | null = null;

  constructor(
    readonly config: ServerConfig,
    readonly admission: Admission,
    readonly metrics: ServerMetrics,
    readonly auth: ApiKeyAuth,
  ) {}

  /** Attaches the loaded engine and marks the server ready. */
  attach(recognition: Recognition): void {
    this.engine = recognition;
    this.metrics.setEngineStats(() => recognition.stats());
    this.admission.setReady();
  }

  get attached(): Recognition | null {
    return this.engine;
  }

  /** The engine; throws NOT_READY (503) while it is loading. */
  recognition(): Recognition {
    if (this.engine === null) {
      throw new ServerError('NOT_READY', 'the acoustic model is loading', { retry_after_ms: Math.round(this.config.retryAfterSec * 1000) });
    }
    return this.engine;
  }
}
