// Builds the server: fastify routes, WebSocket upgrades, auth, metrics, admission and graceful shutdown. No
// listening here (main.ts and the tests do that, on a loopback port in tests).

import Fastify, { type FastifyInstance } from 'fastify';
import { resolveEngineConfig } from '../engine/config.ts';
import { Admission } from './admission.ts';
import { ApiKeyAuth } from './auth.ts';
import { engineConfigOf, type ServerConfig } from './config.ts';
import { ServerContext } from './context.ts';
import { httpErrorBody, statusOf } from './errors.ts';
import { grammarRoutes } from './grammar-routes.ts';
import { requestError, retryHeader } from './http-errors.ts';
import { ServerMetrics } from './metrics.ts';
import type { Recognition } from './recognition.ts';
import { transcribeRoutes } from './transcribe-routes.ts';
import { WsRoutes, WS_PATHS } from './ws-routes.ts';

/** Name and version reported by the server; read once from package.json by the caller. */
export interface AppInfo {
  name: string;
  version: string;
}

/** Routes that never need an API key. /metrics joins them unless config.metricsAuth. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/** A built server: its fastify app, shared state, and the two calls main makes. */
export interface AsrServer {
  readonly app: FastifyInstance;
  readonly ctx: ServerContext;
  readonly ws: WsRoutes;
  /** Attaches the loaded engine: /readyz turns 200 and recognition routes open. */
  attach(recognition: Recognition): void;
  /**
   * Graceful stop: /readyz turns 503, new sessions are refused (SHUTTING_DOWN), open streams deliver their final
   * results and close with 1001, HTTP requests in flight finish; after config.shutdownGraceSec whatever remains is
   * cut. Then the listener and the engine are closed. Idempotent.
   */
  shutdown(): Promise<void>;
}

/** Builds the server. Recognition routes answer 503 NOT_READY until `attach`. */
export function buildServer(config: ServerConfig, info: AppInfo): AsrServer {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    // Bodies are read by each route scope's own parser and limit; this is only the default for other routes.
    bodyLimit: 1_048_576,
    return503OnClosing: true,
  });
  const metrics = new ServerMetrics();
  const admission = new Admission(config.maxStreams, config.retryAfterSec);
  const ctx = new ServerContext(config, admission, metrics, new ApiKeyAuth(config.apiKeys));
  const ws = new WsRoutes(ctx, app.log);
  const maxGrammarBytes = resolveEngineConfig(engineConfigOf(config)).maxGrammarSourceBytes;

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?', 1)[0];
    if (OPEN_PATHS.has(path) || (path === '/metrics' && !config.metricsAuth)) return;
    ctx.auth.check(req.headers.authorization);
  });

  app.setErrorHandler((err, req, reply) => {
    const w = requestError(err, ctx, req.url.startsWith('/v1/grammars') ? 'ENGINE_GRAMMAR_TOO_LARGE' : 'UPLOAD_TOO_LARGE');
    const status = statusOf(w.code).http;
    if (status >= 500 && status !== 503) req.log.error({ err }, 'request failed');
    metrics.error(w.code);
    retryHeader(reply, w.details);
    return reply.code(status).send(httpErrorBody(w));
  });

  app.setNotFoundHandler(async (req, reply) => {
    metrics.error('NOT_FOUND');
    return reply.code(statusOf('NOT_FOUND').http).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?', 1)[0]}` });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const refusal = admission.phase === 'ready' ? null : admission.refusal();
    if (refusal !== null) {
      return reply.code(statusOf(refusal.code).http).send({ ready: false, code: refusal.code, reason: refusal.message });
    }
    const engine = ctx.recognition();
    return {
      ready: true,
      model: engine.model.name,
      model_status: engine.model.status,
      model_placeholder: engine.model.placeholder,
      grammar: engine.config.defaultGrammar,
      active_sessions: admission.active,
      max_sessions: config.maxStreams,
    };
  });

  app.get('/metrics', async (_req, reply) => {
    const m = await metrics.render();
    return reply.type(m.contentType).send(m.body);
  });

  app.get('/', async () => ({
    name: info.name,
    version: info.version,
    model: ctx.attached?.model.name ?? null,
    http: ['GET /healthz', 'GET /readyz', 'GET /metrics', 'POST /v1/transcribe', 'POST /v1/audio/transcriptions', 'GET|PUT|DELETE /v1/grammars[/:name]'],
    websocket: Object.keys(WS_PATHS),
  }));

  app.register(transcribeRoutes, { ctx });
  app.register(grammarRoutes, { ctx, maxGrammarBytes });

  app.server.on('upgrade', ws.handleUpgrade);

  let stopping: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      const t0 = performance.now();
      admission.startDraining();
      app.log.info({ open: admission.active, graceSec: config.shutdownGraceSec }, 'draining');
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<boolean>((res) => {
        timer = setTimeout(() => res(false), config.shutdownGraceSec * 1000);
      });
      const drained = await Promise.race([admission.idle().then(() => true), graceOver]);
      clearTimeout(timer);
      if (!drained) app.log.warn({ open: admission.active }, 'grace time over: cutting the remaining sessions');
      ws.terminateAll();
      await app.close();
      await ctx.attached?.close();
      app.log.info({ ms: Math.round(performance.now() - t0), drained }, 'stopped');
    })();
    return stopping;
  };

  return {
    app,
    ctx,
    ws,
    attach: (r) => ctx.attach(r),
    shutdown,
  };
}
