// Server error codes: the table's statuses, the lookup through the engine's table, and what reaches clients.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, ERROR_STATUS } from '../../../engine/errors.ts';
import { SERVER_ERROR_CODES, ServerError, httpErrorBody, statusOf, toWireError } from '../../../server/errors.ts';

test('every server code has an HTTP status and a legal close code, and none shadows a component code', () => {
  for (const [code, s] of Object.entries(SERVER_ERROR_CODES)) {
    assert.ok(s.http >= 400 && s.http < 600, code);
    assert.ok(s.ws >= 1000 && s.ws < 5000 && ![1004, 1005, 1006, 1015].includes(s.ws), code);
    assert.ok(!Object.hasOwn(ERROR_STATUS, code), code);
  }
});

test('statusOf reads the server table, then the engine table; unknown codes are internal errors', () => {
  assert.deepEqual(statusOf('TOO_MANY_STREAMS'), { http: 503, ws: 1013 });
  assert.deepEqual(statusOf('UNAUTHORIZED'), { http: 401, ws: 1008 });
  assert.deepEqual(statusOf('ENGINE_GRAMMAR_NOT_FOUND'), { http: 404, ws: 1008 });
  assert.deepEqual(statusOf('AUDIO_BAD_RATE'), { http: 400, ws: 1007 });
  assert.deepEqual(statusOf('NOPE'), { http: 500, ws: 1011 });
});

test('coded errors keep code and details; anything else becomes INTERNAL without its message', () => {
  assert.deepEqual(toWireError(new ServerError('IDLE_TIMEOUT', 'x', { limit: 3 })), { code: 'IDLE_TIMEOUT', message: 'x', details: { limit: 3 } });
  assert.equal(toWireError(new EngineError('ENGINE_BUSY', 'full', { limit: 2 })).code, 'ENGINE_BUSY');
  const w = toWireError(new Error('secret path /etc/x'));
  assert.equal(w.code, 'INTERNAL');
  assert.doesNotMatch(w.message, /secret/);
  assert.equal(toWireError('a string').code, 'INTERNAL');
});

test('HTTP error bodies carry JSON-safe details next to code and message', () => {
  const body = httpErrorBody({ code: 'GRAMMAR_SYNTAX', message: 'm', details: { line: 3, column: 7, cause: new Error('x') } });
  assert.deepEqual(body, { line: 3, column: 7, code: 'GRAMMAR_SYNTAX', message: 'm' });
});
