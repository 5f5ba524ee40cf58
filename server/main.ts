// `asr serve`: resolves the config, logs it once, listens at once (/readyz says 503 while the model loads), loads
// the engine, and on SIGTERM/SIGINT drains streams and exits within the grace time.

import { readFileSync } from 'node:fs';
import { Engine } from '../engine/engine.ts';
import { buildServer } from './app.ts';
import { ConfigError, configFromEnvAndArgs, describeServerConfig, engineConfigOf, serverUsage } from './config.ts';
import { toWireError } from './errors.ts';

/** Starts the server; resolves with the process exit code once it has stopped. */
export async function serveMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(serverUsage());
    return 0;
  }
  let config;
  try {
    config = configFromEnvAndArgs(process.env, argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`asr serve: ${e.code} ${e.key}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  const server = buildServer(config, { name: pkg.name, version: pkg.version });
  const { app } = server;
  app.log.info({ config: describeServerConfig(config) }, 'effective configuration');

  let stopped: (code: number) => void = () => {};
  const done = new Promise<number>((res) => {
    stopped = res;
  });
  let signalled = false;
  const stop = (signal: string): void => {
    if (signalled) return;
    signalled = true;
    app.log.info({ signal }, 'shutting down');
    // The grace time bounds the drain; this bounds everything else (closing the listener and the engine).
    setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      stopped(1);
    }, (config.shutdownGraceSec + 5) * 1000).unref();
    server.shutdown().then(
      () => stopped(0),
      (e: unknown) => {
        app.log.error({ err: e }, 'shutdown failed');
        stopped(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  try {
    const engine = await Engine.create(engineConfigOf(config), { log: (line) => app.log.info(line) });
    if (signalled) {
      await engine.close();
    } else {
      app.log.info({ engine: engine.describe() }, 'engine configuration');
      if (engine.model.placeholder) app.log.warn({ status: engine.model.status }, 'the acoustic model is a placeholder: transcripts are meaningless');
      server.attach(engine);
      app.log.info({ model: engine.model.name, grammar: config.grammar }, 'ready');
    }
  } catch (e) {
    const w = toWireError(e);
    app.log.fatal({ err: e, code: w.code }, 'the engine could not start');
    await app.close();
    return 1;
  }
  return done;
}
