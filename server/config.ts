// The server's configuration: one schema, one default per option, validated once at start-up.

import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ENGINE_CONFIG, resolveEngineConfig, type EngineConfig } from '../engine/config.ts';

/** The repository root; a relative modelDir is resolved against it, not against the working directory. */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';

/**
 * Server settings (transport only; recognition settings belong to the engine). Every field: meaning, unit,
 * trade-off, default. Each is read from an environment variable or a flag (flags win), listed in SERVER_OPTIONS.
 */
export interface ServerConfig {
  /** TCP port to listen on; 0 picks a free one. Env PORT or --port. Default 8080. */
  port: number;
  /** Interface to bind. Env HOST or --host. Default "0.0.0.0" (all interfaces; 127.0.0.1 for local only). */
  host: string;
  /** Log level: fatal | error | warn | info | debug | silent. Env LOG_LEVEL or --log-level. Default "info". */
  logLevel: LogLevel;
  /**
   * Acoustic model folder (holding model.json); a relative path is resolved against the repository root. Env
   * MODEL_DIR or --model-dir. Default: the engine's (models/ds2-stream-en).
   */
  modelDir: string;
  /**
   * Grammar of requests that name none; loaded and warmed before /readyz turns 200. Env GRAMMAR or --grammar.
   * Default: the engine's ("en", the 20k-word trigram LM).
   */
  grammar: string;
  /**
   * Further engine settings (EngineConfig: batching, decoder, caches, grammar limits …), as JSON. modelDir,
   * defaultGrammar and maxSessions come from this config's own options and may not be set here. Env ENGINE_CONFIG
   * or --engine-config. Default {} (the engine's defaults, documented in engine/config.ts).
   */
  engine: Partial<EngineConfig>;
  /**
   * API keys. Empty: no authentication. Otherwise HTTP needs `Authorization: Bearer KEY` and WebSocket the same
   * header or a `token` query parameter. Env API_KEYS (comma-separated). Default none.
   */
  apiKeys: string[];
  /** Whether GET /metrics needs a key too (when keys are configured). /healthz and /readyz never do. Default false. */
  metricsAuth: boolean;
  /**
   * Recognition sessions at once: WebSocket streams plus HTTP transcriptions in progress (also the engine's
   * maxSessions). Beyond it a request gets 503 (WebSocket: close 1013) with a retry hint. Higher → more memory and
   * CPU contention. Default 64.
   */
  maxStreams: number;
  /** Retry hint sent with 503 / close 1013 (Retry-After header, `retry_after_ms` field), seconds. Default 2. */
  retryAfterSec: number;
  /**
   * Largest WebSocket message, bytes (audio frame or JSON). Larger → close 1009 (MESSAGE_TOO_LARGE).
   * 1 MiB holds 32 s of 16 kHz s16le audio. Default 1048576.
   */
  maxMessageBytes: number;
  /** Largest HTTP audio upload, bytes (/v1/transcribe, /v1/audio/transcriptions); larger → 413. Default 26214400 (25 MiB, OpenAI's limit). */
  maxUploadBytes: number;
  /** Longest WebSocket stream, seconds of wall time since it opened; then final results and close 1008 (STREAM_TOO_LONG). Default 3600. */
  maxStreamSec: number;
  /**
   * Longest time a WebSocket stream may go without audio, seconds; then final results and close 1008
   * (IDLE_TIMEOUT). Also catches clients that vanished without closing TCP. Default 30.
   */
  idleTimeoutSec: number;
  /**
   * Audio a stream may have waiting for the model before the server stops reading its socket, seconds of audio
   * (TCP backpressure: the client's sends block); reading resumes when half has drained. The engine's own
   * maxQueuedAudioSec (default 30 s) is the hard limit behind it (ENGINE_BACKLOG, close 1008). Higher → absorbs
   * longer bursts, more memory per stream. Default 5.
   */
  maxQueuedAudioSec: number;
  /**
   * Bytes the server may have buffered for one slow WebSocket reader. Above an eighth of it partial results are
   * skipped (later ones supersede them); above all of it the stream is closed with 1008 (SLOW_CONSUMER).
   * Default 1048576.
   */
  maxSendBufferBytes: number;
  /**
   * After SIGTERM/SIGINT: seconds open streams get to deliver their final results before they are cut, and the
   * process exits. Default 10.
   */
  shutdownGraceSec: number;
  /** Sample rate assumed on /vosk when the client's config names none, Hz (vosk-server's own default is 8000). Default 16000. */
  voskSampleRate: number;
}

export const DEFAULT_SERVER_CONFIG: Readonly<ServerConfig> = Object.freeze({
  port: 8080,
  host: '0.0.0.0',
  logLevel: 'info',
  modelDir: DEFAULT_ENGINE_CONFIG.modelDir,
  grammar: DEFAULT_ENGINE_CONFIG.defaultGrammar,
  engine: Object.freeze({}) as Partial<EngineConfig>,
  apiKeys: Object.freeze([]) as unknown as string[],
  metricsAuth: false,
  maxStreams: 64,
  retryAfterSec: 2,
  maxMessageBytes: 1_048_576,
  maxUploadBytes: 26_214_400,
  maxStreamSec: 3600,
  idleTimeoutSec: 30,
  maxQueuedAudioSec: 5,
  maxSendBufferBytes: 1_048_576,
  shutdownGraceSec: 10,
  voskSampleRate: 16000,
});

type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'string' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'bool' }
  | { type: 'list' }
  | { type: 'json' };

/** One option: its key, where it is read from, and how it is checked. */
export interface ServerOption {
  key: keyof ServerConfig;
  env: string;
  flag: string;
  kind: Kind;
  /** One line for `asr serve --help` (the full text is on ServerConfig and in docs/config.md). */
  help: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

/** Every option, in help order. */
export const SERVER_OPTIONS: readonly ServerOption[] = Object.freeze([
  { key: 'port', env: 'PORT', flag: '--port', kind: { type: 'int', min: 0, max: 65535 }, help: 'TCP port (0: any free one)' },
  { key: 'host', env: 'HOST', flag: '--host', kind: { type: 'string' }, help: 'interface to bind' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: '--log-level', kind: { type: 'enum', values: LOG_LEVELS }, help: 'log level' },
  { key: 'modelDir', env: 'MODEL_DIR', flag: '--model-dir', kind: { type: 'string' }, help: 'acoustic model folder' },
  { key: 'grammar', env: 'GRAMMAR', flag: '--grammar', kind: { type: 'string' }, help: 'default grammar' },
  { key: 'engine', env: 'ENGINE_CONFIG', flag: '--engine-config', kind: { type: 'json' }, help: 'further engine settings, JSON (engine/config.ts)' },
  { key: 'apiKeys', env: 'API_KEYS', flag: '--api-keys', kind: { type: 'list' }, help: 'comma-separated API keys (empty: no auth)' },
  { key: 'metricsAuth', env: 'METRICS_AUTH', flag: '--metrics-auth', kind: { type: 'bool' }, help: '/metrics needs a key too' },
  { key: 'maxStreams', env: 'MAX_STREAMS', flag: '--max-streams', kind: { type: 'int', min: 1, max: 100000 }, help: 'concurrent recognition sessions' },
  { key: 'retryAfterSec', env: 'RETRY_AFTER_SEC', flag: '--retry-after-sec', kind: { type: 'number', min: 0, max: 3600 }, help: 'retry hint when full, s' },
  { key: 'maxMessageBytes', env: 'MAX_MESSAGE_BYTES', flag: '--max-message-bytes', kind: { type: 'int', min: 1024, max: 2 ** 30 }, help: 'largest WebSocket message, bytes' },
  { key: 'maxUploadBytes', env: 'MAX_UPLOAD_BYTES', flag: '--max-upload-bytes', kind: { type: 'int', min: 1024, max: 2 ** 31 }, help: 'largest HTTP audio upload, bytes' },
  { key: 'maxStreamSec', env: 'MAX_STREAM_SEC', flag: '--max-stream-sec', kind: { type: 'number', min: 1, max: 7 * 86400 }, help: 'longest stream, s' },
  { key: 'idleTimeoutSec', env: 'IDLE_TIMEOUT_SEC', flag: '--idle-timeout-sec', kind: { type: 'number', min: 0.1, max: 86400 }, help: 'longest time without audio, s' },
  { key: 'maxQueuedAudioSec', env: 'MAX_QUEUED_AUDIO_SEC', flag: '--max-queued-audio-sec', kind: { type: 'number', min: 0.1, max: 600 }, help: 'audio queued per stream before backpressure, s' },
  { key: 'maxSendBufferBytes', env: 'MAX_SEND_BUFFER_BYTES', flag: '--max-send-buffer-bytes', kind: { type: 'int', min: 4096, max: 2 ** 30 }, help: 'bytes buffered for a slow reader' },
  { key: 'shutdownGraceSec', env: 'SHUTDOWN_GRACE_SEC', flag: '--shutdown-grace-sec', kind: { type: 'number', min: 0, max: 600 }, help: 'time to finish streams on SIGTERM, s' },
  { key: 'voskSampleRate', env: 'VOSK_SAMPLE_RATE', flag: '--vosk-sample-rate', kind: { type: 'int', min: 1000, max: 384000 }, help: '/vosk sample rate when the client names none, Hz' },
] satisfies ServerOption[]);

const OPTIONS_BY_KEY = new Map<string, ServerOption>(SERVER_OPTIONS.map((o) => [o.key, o]));

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

function parseValue(opt: ServerOption, raw: unknown): unknown {
  const k = opt.kind;
  const bad = (why: string) => new ConfigError(opt.key, `${opt.key} ${why}, got ${JSON.stringify(raw)}`);
  switch (k.type) {
    case 'int':
    case 'number': {
      const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof v !== 'number' || !Number.isFinite(v) || (k.type === 'int' && !Number.isInteger(v)) || v < k.min || v > k.max) {
        throw bad(`must be ${k.type === 'int' ? 'an integer' : 'a number'} from ${k.min} to ${k.max}`);
      }
      return v;
    }
    case 'string':
      if (typeof raw !== 'string' || raw === '') throw bad('must be a non-empty string');
      return raw;
    case 'enum':
      if (typeof raw !== 'string' || !k.values.includes(raw)) throw bad(`must be one of ${k.values.join(', ')}`);
      return raw;
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw bad('must be true or false');
    case 'json': {
      let v: unknown = raw;
      if (typeof raw === 'string') {
        try {
          v = JSON.parse(raw);
        } catch {
          throw bad('must be a JSON object');
        }
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('must be a JSON object');
      return v;
    }
    case 'list': {
      const items = typeof raw === 'string' ? raw.split(',') : raw;
      if (!Array.isArray(items) || items.some((s) => typeof s !== 'string')) throw bad('must be a comma-separated list');
      const out = (items as string[]).map((s) => s.trim()).filter((s) => s !== '');
      return out;
    }
  }
}

/** Validates a partial config against the schema and fills defaults. Unknown keys are rejected. */
export function resolveServerConfig(input: Record<string, unknown>): ServerConfig {
  const out: Record<string, unknown> = { ...DEFAULT_SERVER_CONFIG, apiKeys: [], engine: {} };
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    const opt = OPTIONS_BY_KEY.get(key);
    if (opt === undefined) throw new ConfigError(key, `unknown configuration key "${key}"`);
    out[key] = parseValue(opt, raw);
  }
  const c = out as unknown as ServerConfig;
  if (!isAbsolute(c.modelDir)) c.modelDir = resolve(REPO_ROOT, c.modelDir);
  for (const k of ['modelDir', 'defaultGrammar', 'maxSessions']) {
    if (k in c.engine) throw new ConfigError('engine', `engine.${k} is set by the server's own option (modelDir, grammar, maxStreams)`);
  }
  try {
    resolveEngineConfig(engineConfigOf(c));
  } catch (e) {
    throw new ConfigError('engine', e instanceof Error ? e.message : String(e));
  }
  return c;
}

/** The engine's config as this server config sets it. */
export function engineConfigOf(c: ServerConfig): Partial<EngineConfig> {
  return { ...c.engine, modelDir: c.modelDir, defaultGrammar: c.grammar, maxSessions: c.maxStreams };
}

/** Reads config from the environment, then command-line flags (flags win). A bare boolean flag means true. */
export function configFromEnvAndArgs(env: NodeJS.ProcessEnv, argv: string[]): ServerConfig {
  const input: Record<string, unknown> = {};
  for (const o of SERVER_OPTIONS) input[o.key] = env[o.env];
  const byFlag = new Map(SERVER_OPTIONS.map((o) => [o.flag, o]));
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    const flag = eq < 0 ? argv[i] : argv[i].slice(0, eq);
    const opt = byFlag.get(flag);
    if (!opt) throw new ConfigError(flag, `unknown flag "${flag}"`);
    let value: string | undefined = eq < 0 ? undefined : argv[i].slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      if (opt.kind.type === 'bool' && (next === undefined || next.startsWith('--'))) value = 'true';
      else value = argv[++i];
    }
    if (value === undefined) throw new ConfigError(opt.key, `flag ${flag} needs a value`);
    input[opt.key] = value;
  }
  return resolveServerConfig(input);
}

/** The config as logged once at start-up: API keys are replaced by their count. */
export function describeServerConfig(config: ServerConfig): Record<string, unknown> {
  return { ...config, apiKeys: `${config.apiKeys.length} configured` };
}

/** The `asr serve --help` text, generated from SERVER_OPTIONS and the defaults. */
export function serverUsage(): string {
  const lines = ['usage: asr serve [--flag value]...', '', 'flag (env) — meaning [default]'];
  for (const o of SERVER_OPTIONS) {
    const d = DEFAULT_SERVER_CONFIG[o.key];
    const shown = Array.isArray(d)
      ? d.length === 0
        ? 'none'
        : d.join(',')
      : typeof d === 'object'
        ? JSON.stringify(d)
        : typeof d === 'string' && d.startsWith(REPO_ROOT)
          ? relative(REPO_ROOT, d)
          : String(d);
    lines.push(`  ${o.flag} (${o.env}) — ${o.help} [${shown}]`);
  }
  return lines.join('\n') + '\n';
}
