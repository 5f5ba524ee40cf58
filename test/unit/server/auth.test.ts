// API keys: off when none are configured; Bearer header or (WebSocket) token parameter; UNAUTHORIZED otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeyAuth } from '../../../server/auth.ts';
import { ServerError } from '../../../server/errors.ts';

const unauthorized = (e: unknown) => e instanceof ServerError && e.code === 'UNAUTHORIZED';

test('with no keys configured everything passes', () => {
  const a = new ApiKeyAuth([]);
  assert.equal(a.enabled, false);
  a.check(undefined);
  a.check('Bearer whatever');
});

test('a configured key passes as a Bearer header (any case) or a token parameter', () => {
  const a = new ApiKeyAuth(['k1', 'k2']);
  a.check('Bearer k1');
  a.check('bearer k2 ');
  a.check(undefined, 'k2');
  assert.equal(a.accepts('k1'), true);
});

test('missing, wrong, prefixed or malformed keys are refused with UNAUTHORIZED', () => {
  const a = new ApiKeyAuth(['k1']);
  assert.throws(() => a.check(undefined), unauthorized);
  assert.throws(() => a.check(undefined, ''), unauthorized);
  assert.throws(() => a.check('Bearer k2'), unauthorized);
  assert.throws(() => a.check('Bearer k1x'), unauthorized);
  assert.throws(() => a.check('Basic azE6'), unauthorized);
  assert.throws(() => a.check('k1'), unauthorized);
  assert.throws(() => a.check(undefined, 'k'), unauthorized);
});

test('a valid header wins over a wrong token, and a wrong header is not rescued by a token', () => {
  const a = new ApiKeyAuth(['k1']);
  a.check('Bearer k1', 'nope');
  assert.throws(() => a.check('Bearer nope', 'k1'), unauthorized);
});
