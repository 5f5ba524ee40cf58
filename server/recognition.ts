// The seam between transport and recognition: the part of engine/engine.ts's API the server uses, as interfaces
// that the real Engine satisfies as is (checked in app.ts) and that transport unit tests can implement in memory.

import type {
  EngineStats,
  FinalEvent,
  GrammarEvent,
  GrammarInfo,
  GrammarListing,
  GrammarSpec,
  ModelInfo,
  PartialEvent,
  SessionEvent,
  SessionOptions,
  SetGrammarOptions,
  TranscribeOptions,
  TranscribeResult,
} from '../engine/engine.ts';
import type { GrammarSource } from '../decoder/graph/tlg.ts';

export type {
  EngineStats,
  FinalEvent,
  GrammarEvent,
  GrammarInfo,
  GrammarListing,
  GrammarSource,
  GrammarSpec,
  ModelInfo,
  PartialEvent,
  SessionEvent,
  SessionOptions,
  TranscribeOptions,
  TranscribeResult,
};

/** One recognition stream. Every method returns at once; results come as events. */
export interface RecognitionSession {
  /** Raw PCM in the session's encoding, any byte count. Throws ENGINE_BACKLOG, ENGINE_SESSION_STATE. */
  acceptAudio(bytes: Uint8Array): void;
  /** Audio received and not yet through the model, seconds (for backpressure). */
  readonly queuedSec: number;
  /** Ends the current utterance now; exactly one final follows. */
  finalize(): void;
  /** Swaps grammar: a `grammar` event on success, a non-fatal `error` event otherwise. */
  setGrammar(spec: GrammarSpec, opts?: SetGrammarOptions): void;
  /** eof: flush, remaining finals, then `end`. */
  end(): Promise<void>;
  /** Abandon (socket gone): no more events. */
  close(): void;
}

/** The grammars all sessions share. */
export interface GrammarStoreApi {
  put(name: string, source: GrammarSource): Promise<GrammarInfo>;
  delete(name: string): boolean;
  list(): GrammarListing[];
}

/** Everything the transport needs from recognition. */
export interface Recognition {
  readonly model: ModelInfo;
  readonly grammars: GrammarStoreApi;
  readonly config: { readonly maxGrammarSourceBytes: number; readonly defaultGrammar: string };
  createSession(options: SessionOptions, onEvent: (ev: SessionEvent) => void): Promise<RecognitionSession>;
  transcribe(audio: Uint8Array, options: TranscribeOptions): Promise<TranscribeResult>;
  stats(): EngineStats;
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}
