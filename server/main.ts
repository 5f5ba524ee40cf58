// `asr serve`: resolves the config, logs it once, starts listening, and shuts down cleanly on signals.

import { readFileSync } from 'node:fs';
import { buildApp } from './app.ts';
import { ConfigError, configFromEnvAndArgs } from './config.ts';

/** Starts the server; resolves with an exit code once it has stopped (on SIGINT/SIGTERM). */
export async function serveMain(argv: string[]): Promise<number> {
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
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  const app = buildApp(config, { name: pkg.name, version: pkg.version });
  app.log.info({ config }, 'effective configuration');
  await app.listen({ port: config.port, host: config.host });
  return new Promise<number>((resolve) => {
    const stop = () => {
      app.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
