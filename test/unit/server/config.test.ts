// Server config: defaults, environment and flags, validation with codes, the engine section, help text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  DEFAULT_SERVER_CONFIG,
  REPO_ROOT,
  SERVER_OPTIONS,
  configFromEnvAndArgs,
  describeServerConfig,
  engineConfigOf,
  resolveServerConfig,
  serverUsage,
} from '../../../server/config.ts';

const bad = (f: () => unknown, key: string) =>
  assert.throws(f, (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_INVALID' && e.key === key);

test('defaults apply when nothing is set', () => {
  assert.deepEqual(configFromEnvAndArgs({}, []), DEFAULT_SERVER_CONFIG);
});

test('flags override the environment', () => {
  const c = configFromEnvAndArgs({ PORT: '9000', HOST: '127.0.0.1' }, ['--port=9100']);
  assert.equal(c.port, 9100);
  assert.equal(c.host, '127.0.0.1');
});

test('every option has a default, an env variable and a flag, all distinct', () => {
  const keys = Object.keys(DEFAULT_SERVER_CONFIG).sort();
  assert.deepEqual(SERVER_OPTIONS.map((o) => o.key).sort(), keys);
  assert.equal(new Set(SERVER_OPTIONS.map((o) => o.env)).size, keys.length);
  assert.equal(new Set(SERVER_OPTIONS.map((o) => o.flag)).size, keys.length);
  for (const o of SERVER_OPTIONS) assert.match(serverUsage(), new RegExp(o.flag));
});

test('unknown keys, unknown flags and bad values are rejected with the key', () => {
  bad(() => resolveServerConfig({ prot: 1 }), 'prot');
  bad(() => configFromEnvAndArgs({}, ['--verbose']), '--verbose');
  bad(() => configFromEnvAndArgs({ PORT: '70000' }, []), 'port');
  bad(() => configFromEnvAndArgs({ LOG_LEVEL: 'loud' }, []), 'logLevel');
  bad(() => configFromEnvAndArgs({}, ['--host']), 'host');
  bad(() => configFromEnvAndArgs({ MAX_STREAMS: '0' }, []), 'maxStreams');
  bad(() => configFromEnvAndArgs({ IDLE_TIMEOUT_SEC: 'soon' }, []), 'idleTimeoutSec');
  bad(() => configFromEnvAndArgs({ METRICS_AUTH: 'maybe' }, []), 'metricsAuth');
  bad(() => configFromEnvAndArgs({ MAX_STREAMS: '' }, []), 'maxStreams');
});

test('lists, booleans and numbers are parsed from strings; a bare boolean flag means true', () => {
  const c = configFromEnvAndArgs({ API_KEYS: ' a, b ,,c', MAX_STREAMS: '3', IDLE_TIMEOUT_SEC: '0.5' }, ['--metrics-auth', '--port', '0']);
  assert.deepEqual(c.apiKeys, ['a', 'b', 'c']);
  assert.equal(c.metricsAuth, true);
  assert.equal(c.maxStreams, 3);
  assert.equal(c.idleTimeoutSec, 0.5);
  assert.equal(c.port, 0);
  assert.equal(configFromEnvAndArgs({ METRICS_AUTH: 'true' }, ['--metrics-auth=false']).metricsAuth, false);
});

test('the engine section is JSON, checked by the engine, and may not repeat server options', () => {
  const c = configFromEnvAndArgs({ ENGINE_CONFIG: '{"batchMaxWaitMs": 2}' }, ['--max-streams', '7', '--grammar', 'digits']);
  assert.deepEqual(engineConfigOf(c), { batchMaxWaitMs: 2, modelDir: c.modelDir, defaultGrammar: 'digits', maxSessions: 7 });
  bad(() => configFromEnvAndArgs({ ENGINE_CONFIG: '{"batchMaxWait": 2}' }, []), 'engine');
  bad(() => configFromEnvAndArgs({ ENGINE_CONFIG: '[1]' }, []), 'engine');
  bad(() => configFromEnvAndArgs({ ENGINE_CONFIG: '{"maxSessions": 2}' }, []), 'engine');
  bad(() => configFromEnvAndArgs({ ENGINE_CONFIG: '{' }, []), 'engine');
});

test('a relative model folder is resolved against the repository root', () => {
  assert.equal(configFromEnvAndArgs({ MODEL_DIR: 'test/fixtures/toy-acoustic-model' }, []).modelDir, `${REPO_ROOT}/test/fixtures/toy-acoustic-model`);
});

test('the logged config does not show API keys', () => {
  const d = describeServerConfig(configFromEnvAndArgs({ API_KEYS: 'secret1,secret2' }, []));
  assert.doesNotMatch(JSON.stringify(d), /secret/);
  assert.equal(d.apiKeys, '2 configured');
});
