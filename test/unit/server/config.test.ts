// Server config: defaults, environment and flags, validation with codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_SERVER_CONFIG, configFromEnvAndArgs, resolveServerConfig } from '../../../server/config.ts';

test('defaults apply when nothing is set', () => {
  assert.deepEqual(configFromEnvAndArgs({}, []), DEFAULT_SERVER_CONFIG);
});

test('flags override the environment', () => {
  const c = configFromEnvAndArgs({ PORT: '9000', HOST: '127.0.0.1' }, ['--port=9100']);
  assert.equal(c.port, 9100);
  assert.equal(c.host, '127.0.0.1');
});

test('unknown keys, unknown flags and bad values are rejected with the key', () => {
  const bad = (f: () => unknown, key: string) =>
    assert.throws(f, (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_INVALID' && e.key === key);
  bad(() => resolveServerConfig({ prot: 1 }), 'prot');
  bad(() => configFromEnvAndArgs({}, ['--verbose']), '--verbose');
  bad(() => configFromEnvAndArgs({ PORT: '70000' }, []), 'port');
  bad(() => configFromEnvAndArgs({ LOG_LEVEL: 'loud' }, []), 'logLevel');
  bad(() => configFromEnvAndArgs({}, ['--host']), 'host');
});
