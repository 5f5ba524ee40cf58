// WebSocket upgrades: /v1/stream (native protocol), /vosk and / (Vosk's protocol). Authentication, admission and
// option errors are reported after the upgrade, as a message and a close code, so every client can read them.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Slot } from './admission.ts';
import type { ServerContext } from './context.ts';
import { statusOf, toWireError } from './errors.ts';
import type { Log, LiveStream } from './live-stream.ts';
import { serveStream } from './stream-connection.ts';
import { errorMessage, optionsFromQuery } from './stream-protocol.ts';
import { serveVosk } from './vosk-connection.ts';
import { voskError } from './vosk-protocol.ts';

/** Paths that accept an upgrade, and their dialect. `/` is Vosk's, so unchanged Vosk clients can use the bare URL. */
export const WS_PATHS: Readonly<Record<string, 'stream' | 'vosk'>> = Object.freeze({ '/v1/stream': 'stream', '/vosk': 'vosk', '/': 'vosk' });

/** Refuses an upgrade with a plain HTTP error: the code's status and a JSON body. */
function reject(socket: Duplex, code: 'BAD_REQUEST' | 'NOT_FOUND', message: string): void {
  const status = statusOf(code).http;
  const body = JSON.stringify({ code, message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The upgrade handler of one server, and the sockets it holds (for shutdown). */
export class WsRoutes {
  readonly wss: WebSocketServer;

  constructor(
    private readonly ctx: ServerContext,
    private readonly log: Log,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: ctx.config.maxMessageBytes, perMessageDeflate: false, clientTracking: true });
  }

  /** The http server's 'upgrade' listener. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      // Parsed as a path: a request target such as "//" must not be read as a host (and must not throw here, in an
      // event listener, where an exception would end the process).
      url = new URL(`http://localhost${(req.url ?? '/').startsWith('/') ? '' : '/'}${req.url ?? '/'}`);
    } catch {
      this.ctx.metrics.error('BAD_REQUEST');
      reject(socket, 'BAD_REQUEST', 'the request target is not a valid URL');
      return;
    }
    const dialect = WS_PATHS[url.pathname];
    if (dialect === undefined) {
      this.ctx.metrics.error('NOT_FOUND');
      reject(socket, 'NOT_FOUND', `no WebSocket endpoint at ${url.pathname}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, url, dialect));
  };

  private onConnection(ws: WebSocket, req: IncomingMessage, url: URL, dialect: 'stream' | 'vosk'): void {
    const { ctx } = this;
    const refuse = (e: unknown): void => {
      const w = toWireError(e);
      if (w.code === 'INTERNAL') this.log.error({ err: e }, 'websocket setup failed');
      ctx.metrics.error(w.code);
      ws.send(dialect === 'stream' ? errorMessage(w.code, w.message, w.details) : JSON.stringify({ error: voskError(w) }));
      ws.close(statusOf(w.code).wsClose, w.code);
      setTimeout(() => ws.terminate(), 5000).unref();
    };
    let slot: Slot;
    let live: LiveStream | undefined;
    let draining = false;
    try {
      ctx.auth.check(req.headers.authorization, url.searchParams.get('token'));
      const engine = ctx.recognition();
      const options = dialect === 'stream' ? optionsFromQuery(url.searchParams) : null;
      slot = ctx.admission.acquire(dialect, () => {
        draining = true;
        live?.drain();
      });
      const deps = { config: ctx.config, recognition: engine, metrics: ctx.metrics, log: this.log };
      live = options !== null ? serveStream(ws, slot, options, deps) : serveVosk(ws, slot, deps);
      if (draining) live.drain();
    } catch (e) {
      refuse(e);
    }
  }

  /** Cuts every socket still open (after the shutdown grace time). */
  terminateAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  /** Streams open now, for logs. */
  get open(): number {
    return this.wss.clients.size;
  }
}
