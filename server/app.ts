// Builds the fastify application: routes only, no listening (tests drive it on a loopback port).

import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerConfig } from './config.ts';

/** Version reported by the server; read once from package.json by the caller. */
export interface AppInfo {
  name: string;
  version: string;
}

/**
 * The HTTP application. At this stage it serves health, readiness and a service description; recognition
 * routes are added as the decoder and model land. Readiness stays false until a model is loaded.
 */
export function buildApp(config: ServerConfig, info: AppInfo): FastifyInstance {
  const app = Fastify({ logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    return reply.code(503).send({ ready: false, code: 'NOT_READY', reason: 'no acoustic model is loaded' });
  });
  app.get('/', async () => ({ name: info.name, version: info.version, endpoints: ['/healthz', '/readyz'] }));
  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }),
  );
  return app;
}
