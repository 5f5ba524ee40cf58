// An in-memory stand-in for the engine, for transport unit tests: sessions record what they get and emit what the
// test tells them to. (End-to-end tests use the real engine.)

import { EngineError } from '../../../engine/errors.ts';
import type {
  EngineStats,
  FinalEvent,
  Recognition,
  RecognitionSession,
  SessionEvent,
  SessionOptions,
  TranscribeResult,
} from '../../../server/recognition.ts';

const emptyHist = { bounds: [1], counts: [0, 0], count: 0, sum: 0, max: 0 };

export function final(text: string, start = 0, end = 1): FinalEvent {
  return { type: 'final', code: text === '' ? 'NO_SPEECH' : 'OK', text, start, end, words: text === '' ? [] : [{ word: text, start, end, confidence: 1 }] };
}

/** A session of the fake engine. */
export class FakeSession implements RecognitionSession {
  bytes = 0;
  queuedSec = 0;
  closed = false;
  ended = false;
  finalizes = 0;
  grammars: unknown[] = [];

  constructor(
    readonly options: SessionOptions,
    readonly emit: (e: SessionEvent) => void,
    private readonly onEnd: (s: FakeSession) => FinalEvent[],
  ) {}

  acceptAudio(bytes: Uint8Array): void {
    if (this.ended || this.closed) throw new EngineError('ENGINE_SESSION_STATE', 'ended', { state: 'ended' });
    this.bytes += bytes.byteLength;
    this.queuedSec += bytes.byteLength / 32000;
  }

  finalize(): void {
    this.finalizes++;
    this.emit(final(`utterance${this.finalizes}`));
  }

  setGrammar(spec: unknown): void {
    this.grammars.push(spec);
    if (spec === 'bad') this.emit({ type: 'error', code: 'ENGINE_GRAMMAR_NOT_FOUND', message: 'no', fatal: false, details: { name: 'bad' } });
    else this.emit({ type: 'grammar', name: String(spec), compile_ms: 1, effective_at: 'next_utterance' });
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await new Promise((r) => setTimeout(r, 5));
    if (this.closed) return;
    for (const f of this.onEnd(this)) this.emit(f);
    this.emit({ type: 'end', audio_sec: this.bytes / 32000 });
  }

  close(): void {
    this.closed = true;
  }
}

/** The fake engine. `openDelayMs` delays createSession; `onEnd` gives the finals each session emits at end(). */
export class FakeRecognition implements Recognition {
  readonly model = { name: 'fake', version: '1', status: '', placeholder: false, sampleRate: 16000, chunkMs: 100, frameShiftMs: 20, tokens: [] };
  readonly config = { maxGrammarSourceBytes: 4096, defaultGrammar: 'digits' };
  readonly sessions: FakeSession[] = [];
  openDelayMs = 0;
  onEnd: (s: FakeSession) => FinalEvent[] = (s) => [final(`bytes${s.bytes}`)];
  readonly grammars = {
    put: async () => {
      throw new EngineError('ENGINE_INTERNAL', 'not in the fake');
    },
    delete: () => false,
    list: () => [],
  };

  async createSession(options: SessionOptions, onEvent: (ev: SessionEvent) => void): Promise<FakeSession> {
    if (options.grammar === 'missing') throw new EngineError('ENGINE_GRAMMAR_NOT_FOUND', 'no grammar', { name: 'missing' });
    if (this.openDelayMs > 0) await new Promise((r) => setTimeout(r, this.openDelayMs));
    const s = new FakeSession(options, onEvent, (x) => this.onEnd(x));
    this.sessions.push(s);
    return s;
  }

  async transcribe(): Promise<TranscribeResult> {
    return { text: 'fake', segments: [], words: [], durationSec: 1, processingSec: 0.1, rtf: 0.1, grammar: 'digits' };
  }

  stats(): EngineStats {
    return {
      activeSessions: 0,
      sessionsStarted: 0,
      audioSec: 0,
      modelSec: 0,
      decodeSec: 0,
      processingSec: 0,
      rtf: 0,
      queueDepth: 0,
      queuedAudioSec: 0,
      modelRuns: 0,
      streamsRun: 0,
      meanBatch: 0,
      batchSize: emptyHist,
      firstPartialMs: emptyHist,
      finalAfterSpeechMs: emptyHist,
      finalAfterEofMs: emptyHist,
      loopBlockMs: emptyHist,
      workerRestarts: { model: 0, decode: 0, compile: 0 },
      userGrammars: 0,
      inlineGrammars: 0,
    };
  }

  describe(): Record<string, unknown> {
    return {};
  }

  async close(): Promise<void> {}
}
