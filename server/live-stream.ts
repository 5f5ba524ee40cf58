// One open WebSocket recognition stream, whatever its dialect: the engine session, the limits (idle time, stream
// duration, queued audio, slow reader), metrics, and an orderly end (final results, then a close code).
// Dialects (stream-connection.ts, vosk-connection.ts) only parse messages and format results.

import type { RawData, WebSocket } from 'ws';
import type { Slot } from './admission.ts';
import type { ServerConfig } from './config.ts';
import { ServerError, statusOf, toWireError, type WireError } from './errors.ts';
import type { Protocol, ServerMetrics } from './metrics.ts';
import type {
  FinalEvent,
  GrammarEvent,
  GrammarSpec,
  PartialEvent,
  Recognition,
  RecognitionSession,
  SessionEvent,
  SessionOptions,
} from './recognition.ts';
import { explainProtocolCloses } from './ws-close.ts';
import { WsSender } from './ws-sender.ts';

/** How a dialect presents a stream's events to its client. */
export interface StreamOutput {
  partial(p: PartialEvent): void;
  final(f: FinalEvent): void;
  grammar(g: GrammarEvent): void;
  /** A coded error that does not end the stream. */
  error(w: WireError): void;
  /** Called once, after the last final and before the close frame: `error` is null for a normal end (eof). */
  closing(error: WireError | null): void;
}

/** A dialect's handler of one client message (text decoded as UTF-8, binary as bytes). */
export type MessageHandler = (data: Buffer, isBinary: boolean) => void;

/** Minimal logger (fastify's pino logger fits). */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LiveStreamDeps {
  config: ServerConfig;
  recognition: Recognition;
  metrics: ServerMetrics;
  log: Log;
}

/** Bytes per sample of the session encodings, for the audio-seconds metric. */
const SAMPLE_BYTES: Record<string, number> = { s16le: 2, f32le: 4 };

/** How long a closing socket may take to answer our close frame before it is cut, ms. */
const CLOSE_HANDSHAKE_MS = 5000;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Drives one engine session over one socket. Life: `open` → audio / finalize / setGrammar … → `eof`, a limit or
 * drain → finals → `closing` → close frame → slot released. A client that goes away closes the session at once.
 * Client messages that arrive while a session is being opened are held (and the socket paused) and then handled
 * in order.
 */
export class LiveStream {
  readonly sender: WsSender;
  private session: RecognitionSession | null = null;
  private generation = 0;
  private opening = false;
  private backlog: Array<[Buffer, boolean]> = [];
  private finishing = false;
  private closed = false;
  private endError: WireError | null = null;
  private readPaused = 0;
  private audioBytes = 0;
  private secondsPerByte = 0;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly lifeTimer: NodeJS.Timeout;
  private backpressureTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly slot: Slot,
    private readonly deps: LiveStreamDeps,
    private readonly protocol: Extract<Protocol, 'stream' | 'vosk'>,
    private readonly out: StreamOutput,
    private readonly onMessage: MessageHandler,
  ) {
    const { config, metrics } = deps;
    this.sender = new WsSender(ws, config.maxSendBufferBytes, () =>
      this.fail(new ServerError('SLOW_CONSUMER', 'the client is not reading its results', { limit: config.maxSendBufferBytes })),
    );
    metrics.activeStreams.inc({ protocol });
    metrics.sessionsTotal.inc({ protocol });
    this.idleTimer = setTimeout(
      () => this.finish(new ServerError('IDLE_TIMEOUT', `no audio for ${config.idleTimeoutSec} s`, { limit: config.idleTimeoutSec })),
      config.idleTimeoutSec * 1000,
    );
    this.lifeTimer = setTimeout(
      () => this.finish(new ServerError('STREAM_TOO_LONG', `streams last at most ${config.maxStreamSec} s`, { limit: config.maxStreamSec })),
      config.maxStreamSec * 1000,
    );
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = toBuffer(data);
      if (this.opening) this.backlog.push([buf, isBinary]);
      else this.dispatch(buf, isBinary);
    });
    ws.on('close', () => this.onSocketClosed());
    // A message over maxMessageBytes or a malformed frame: ws closes the socket itself (1009, 1002, 1007). The client
    // gets our error message first and the code as close reason; the session is abandoned (no finals).
    explainProtocolCloses(ws, (wsCode) => {
      const w: WireError =
        wsCode === 1009
          ? { code: 'MESSAGE_TOO_LARGE', message: `a message is larger than ${config.maxMessageBytes} bytes`, details: { limit: config.maxMessageBytes } }
          : { code: 'BAD_MESSAGE', message: 'a frame breaks the WebSocket protocol', details: { close: wsCode } };
      if (!this.closed) {
        this.finishing = true;
        this.out.closing(w);
      }
      return w.code;
    });
    ws.on('error', (e: Error & { code?: string }) => {
      // ws has closed the socket already, with the reason given above.
      const code = e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'MESSAGE_TOO_LARGE' : 'BAD_MESSAGE';
      this.deps.metrics.error(code);
      this.deps.log.warn({ err: e.message, wsCode: e.code, code }, 'websocket protocol error');
      this.session?.close();
      this.release();
    });
  }

  get audioStarted(): boolean {
    return this.audioBytes > 0;
  }

  /** True once the stream is ending (eof, a limit, drain) or gone: further client messages are ignored. */
  get isFinishing(): boolean {
    return this.finishing || this.closed;
  }

  /** Called by Admission when the server starts draining. */
  drain(): void {
    this.finish(new ServerError('SHUTTING_DOWN', 'the server is shutting down'));
  }

  /**
   * Opens (or, before any audio, reopens) the engine session. Client messages wait meanwhile. Returns false when
   * the session could not be created (unknown grammar, bad option); `onFailure` decides whether that ends the
   * stream (at connect) or is reported and the old session kept (a config message). `onOpened` runs before the
   * held messages are handled (the dialect's `ready` goes first).
   */
  async open(options: SessionOptions, onFailure: 'fail' | 'report', onOpened?: () => void): Promise<boolean> {
    const gen = ++this.generation;
    this.opening = true;
    this.pauseReading();
    let session: RecognitionSession;
    try {
      session = await this.deps.recognition.createSession(options, (ev) => {
        if (gen !== this.generation || this.closed) return;
        // Events arrive from inside the engine's batch; a failure here must not reach (and stall) other sessions.
        try {
          this.onEvent(ev);
        } catch (e) {
          this.deps.log.error({ err: e }, 'stream event handling failed');
          this.fail(e);
        }
      });
    } catch (e) {
      if (gen === this.generation) this.generation++;
      this.opening = false;
      this.resumeReading();
      if (onFailure === 'fail') this.fail(e);
      else this.reportError(e);
      this.flushBacklog();
      return false;
    }
    if (this.closed || this.finishing) {
      session.close();
      this.opening = false;
      this.resumeReading();
      if (this.finishing && !this.closed) this.finishNow();
      return false;
    }
    const old = this.session;
    this.session = session;
    old?.close();
    const enc = options.encoding ?? 's16le';
    const rate = options.sampleRate ?? this.deps.recognition.model.sampleRate;
    this.secondsPerByte = 1 / ((SAMPLE_BYTES[enc] ?? 2) * (options.channels ?? 1) * rate);
    this.opening = false;
    try {
      onOpened?.();
    } catch (e) {
      this.reportError(e);
    }
    this.resumeReading();
    this.flushBacklog();
    return true;
  }

  /** Queues audio. A backlog the engine refuses (ENGINE_BACKLOG) ends the stream; other errors are reported. */
  audio(bytes: Buffer): void {
    const s = this.session;
    if (s === null || this.finishing) return;
    this.idleTimer.refresh();
    try {
      s.acceptAudio(bytes);
    } catch (e) {
      const w = toWireError(e);
      if (w.code === 'ENGINE_BACKLOG') this.fail(e);
      else this.reportError(e);
      return;
    }
    this.audioBytes += bytes.byteLength;
    this.deps.metrics.audioSeconds.inc({ protocol: this.protocol }, bytes.byteLength * this.secondsPerByte);
    this.checkBackpressure(s);
  }

  /** Ends the current utterance now (one final follows). */
  finalize(): void {
    if (this.session === null || this.finishing) return;
    try {
      this.session.finalize();
    } catch (e) {
      this.reportError(e);
    }
  }

  /** Swaps the grammar: a `grammar` event follows, or a non-fatal error (the old grammar stays). */
  setGrammar(spec: GrammarSpec, restartUtterance = false): void {
    if (this.session === null || this.finishing) return;
    try {
      this.session.setGrammar(spec, { restartUtterance });
    } catch (e) {
      this.reportError(e);
    }
  }

  /** The client sent eof: finals, then the dialect's closing message, then close 1000. */
  eof(): void {
    this.finish(null);
  }

  /** Sends a non-fatal coded error to the client and counts it. */
  reportError(e: unknown): void {
    const w = toWireError(e);
    if (w.code === 'INTERNAL') this.deps.log.error({ err: e }, 'stream error');
    this.deps.metrics.error(w.code);
    this.out.error(w);
  }

  /**
   * Ends the stream after delivering the final results of the audio received: `error` null is a normal end
   * (close 1000); otherwise the error is sent and its close code used. Idempotent.
   */
  finish(error: ServerError | null): void {
    if (this.finishing || this.closed) return;
    this.finishing = true;
    this.endError = error === null ? null : toWireError(error);
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifeTimer);
    if (this.opening) return; // open() sees `finishing` and continues here
    this.finishNow();
  }

  private finishNow(): void {
    this.backlog = [];
    while (this.readPaused > 0) this.resumeReading();
    const s = this.session;
    if (s === null) {
      this.closeNow(this.endError);
      return;
    }
    // No deadline here: under overload finals take long but come; a client that stops waiting closes its socket
    // (which closes the session), and at shutdown the grace time cuts whatever is left.
    s.end().catch((e: unknown) => {
      this.deps.log.error({ err: e }, 'session end failed');
      this.closeNow(toWireError(e));
    });
  }

  /** Ends the stream at once, without final results (a fatal error). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.finishing = true;
    this.session?.close();
    this.closeNow(toWireError(error));
  }

  private dispatch(data: Buffer, isBinary: boolean): void {
    try {
      this.onMessage(data, isBinary);
    } catch (e) {
      this.reportError(e);
    }
  }

  private flushBacklog(): void {
    while (this.backlog.length > 0 && !this.opening && !this.closed) {
      const [data, isBinary] = this.backlog.shift()!;
      this.dispatch(data, isBinary);
    }
  }

  private onEvent(ev: SessionEvent): void {
    switch (ev.type) {
      case 'partial':
        this.out.partial(ev);
        return;
      case 'final':
        this.out.final(ev);
        return;
      case 'grammar':
        // compile_ms is ~0 for a grammar found in a cache; only real compiles go into the histogram.
        if (ev.compile_ms > 0) this.deps.metrics.grammarCompile.observe({ source: 'stream' }, ev.compile_ms / 1000);
        this.out.grammar(ev);
        return;
      case 'error':
        if (ev.fatal) {
          this.endError = { code: ev.code, message: ev.message, details: ev.details ?? {} };
          this.finishing = true;
        } else {
          this.deps.metrics.error(ev.code);
          this.out.error({ code: ev.code, message: ev.message, details: ev.details ?? {} });
        }
        return;
      case 'end':
        if (this.finishing) this.closeNow(this.endError);
        else {
          // The engine ended the session on its own (a fatal error): end the stream with it.
          this.closeNow(this.endError ?? { code: 'INTERNAL', message: 'the session ended unexpectedly', details: {} });
        }
        return;
    }
  }

  private closeNow(error: WireError | null): void {
    if (this.closed) return;
    if (error !== null && error.code !== 'SHUTTING_DOWN') this.deps.metrics.error(error.code);
    this.out.closing(error);
    const code = error === null ? 1000 : statusOf(error.code).wsClose;
    this.ws.close(code, error === null ? '' : error.code);
    this.release();
    // A client that never answers the close frame must not hold the socket.
    setTimeout(() => this.ws.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }

  private onSocketClosed(): void {
    if (this.closed) return;
    // The client went away: nothing more can be delivered.
    this.session?.close();
    this.release();
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.backlog = [];
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifeTimer);
    clearTimeout(this.backpressureTimer);
    this.deps.metrics.activeStreams.dec({ protocol: this.protocol });
    this.slot.release();
  }

  private pauseReading(): void {
    if (this.readPaused++ === 0) this.ws.pause();
  }

  private resumeReading(): void {
    if (this.readPaused > 0 && --this.readPaused === 0 && !this.closed) this.ws.resume();
  }

  /**
   * Stops reading the socket while more than maxQueuedAudioSec of this stream's audio waits for the model, so
   * TCP pushes back on the client; polls (every 20 ms) until half of it has drained.
   */
  private checkBackpressure(s: RecognitionSession): void {
    if (this.backpressureTimer !== undefined) return;
    const max = this.deps.config.maxQueuedAudioSec;
    if (s.queuedSec <= max) return;
    this.pauseReading();
    const poll = (): void => {
      if (this.closed || this.finishing || s !== this.session || s.queuedSec <= max / 2) {
        this.backpressureTimer = undefined;
        this.resumeReading();
      } else this.backpressureTimer = setTimeout(poll, 20);
    };
    this.backpressureTimer = setTimeout(poll, 20);
  }
}
