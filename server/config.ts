// The server's configuration: one schema, one default per option, validated once at start-up.

/** Server settings. Every field: meaning, unit, default. */
export interface ServerConfig {
  /** TCP port to listen on. Env PORT or --port. Default 8080. */
  port: number;
  /** Interface to bind. Env HOST or --host. Default "0.0.0.0" (all interfaces; use 127.0.0.1 for local only). */
  host: string;
  /** Log level: fatal | error | warn | info | debug | silent. Env LOG_LEVEL or --log-level. Default "info". */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

export const DEFAULT_SERVER_CONFIG: Readonly<ServerConfig> = Object.freeze({
  port: 8080,
  host: '0.0.0.0',
  logLevel: 'info',
});

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'silent']);

/** A configuration problem, with the offending key. Thrown before anything starts. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates a partial config against the schema and fills defaults. Unknown keys are rejected. */
export function resolveServerConfig(input: Record<string, unknown>): ServerConfig {
  const out: ServerConfig = { ...DEFAULT_SERVER_CONFIG };
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    switch (key) {
      case 'port': {
        const v = typeof raw === 'string' ? Number(raw) : raw;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) {
          throw new ConfigError(key, `port must be an integer 0–65535, got ${String(raw)}`);
        }
        out.port = v;
        break;
      }
      case 'host':
        if (typeof raw !== 'string' || raw === '') throw new ConfigError(key, 'host must be a non-empty string');
        out.host = raw;
        break;
      case 'logLevel':
        if (typeof raw !== 'string' || !LOG_LEVELS.has(raw)) {
          throw new ConfigError(key, `logLevel must be one of ${[...LOG_LEVELS].join(', ')}`);
        }
        out.logLevel = raw as ServerConfig['logLevel'];
        break;
      default:
        throw new ConfigError(key, `unknown configuration key "${key}"`);
    }
  }
  return out;
}

/** Reads config from the environment, then command-line flags (flags win). */
export function configFromEnvAndArgs(env: NodeJS.ProcessEnv, argv: string[]): ServerConfig {
  const input: Record<string, unknown> = { port: env.PORT, host: env.HOST, logLevel: env.LOG_LEVEL };
  const flagKeys: Record<string, string> = { '--port': 'port', '--host': 'host', '--log-level': 'logLevel' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const key = flagKeys[flag];
    if (!key) throw new ConfigError(flag, `unknown flag "${flag}"`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(key, `flag ${flag} needs a value`);
    input[key] = value;
  }
  return resolveServerConfig(input);
}
