// Server error codes: one table of every code's statuses, the lookup, what reaches clients, and the docs' table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EngineError, ERROR_STATUS } from '../../../engine/errors.ts';
import { SERVER_ERROR_CODES, STATUS, ServerError, httpErrorBody, statusOf, toWireError } from '../../../server/errors.ts';

test('every server code has an HTTP status and a legal close code, and none shadows a component code', () => {
  for (const [code, s] of Object.entries(SERVER_ERROR_CODES)) {
    assert.ok(s.http >= 400 && s.http < 600, code);
    assert.ok(s.wsClose >= 1000 && s.wsClose < 5000 && ![1004, 1005, 1006, 1015].includes(s.wsClose), code);
    assert.ok(!Object.hasOwn(ERROR_STATUS, code), code);
  }
});

test('STATUS holds every code once, each with the row of the table that defines it', () => {
  assert.equal(Object.keys(STATUS).length, Object.keys(SERVER_ERROR_CODES).length + Object.keys(ERROR_STATUS).length);
  for (const [code, s] of Object.entries(SERVER_ERROR_CODES)) assert.deepEqual(STATUS[code as keyof typeof STATUS], { http: s.http, wsClose: s.wsClose }, code);
  for (const [code, s] of Object.entries(ERROR_STATUS)) assert.deepEqual(STATUS[code as keyof typeof STATUS], s, code);
  assert.ok(Object.isFrozen(STATUS));
});

test('statusOf reads the one table; unknown codes are reported as INTERNAL is', () => {
  assert.deepEqual(statusOf('TOO_MANY_STREAMS'), { http: 503, wsClose: 1013 });
  assert.deepEqual(statusOf('UNAUTHORIZED'), { http: 401, wsClose: 1008 });
  assert.deepEqual(statusOf('ENGINE_GRAMMAR_NOT_FOUND'), { http: 404, wsClose: 1008 });
  assert.deepEqual(statusOf('AUDIO_BAD_RATE'), { http: 400, wsClose: 1007 });
  assert.deepEqual(statusOf('ENGINE_WORKER_FAILED'), { http: 500, wsClose: 1011 });
  assert.deepEqual(statusOf('NOPE'), { http: 500, wsClose: 1011 });
  assert.deepEqual(statusOf('toString'), statusOf('INTERNAL'));
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

test("docs/api.md's error tables list every code with the statuses of STATUS", () => {
  const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
  const rows = new Map<string, { http: string; close: string }>();
  for (const m of doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]*) \| ([^|]*) \|/gm)) rows.set(m[1], { http: m[2].trim(), close: m[3].trim() });
  for (const [code, s] of Object.entries(STATUS)) {
    const row = rows.get(code);
    assert.ok(row !== undefined, `docs/api.md has no row for ${code}`);
    // "—": the code never travels that way (an HTTP-only or stream-only code).
    if (row.http !== '—') assert.equal(Number(row.http), s.http, `${code} HTTP`);
    if (row.close !== '—') assert.equal(Number(row.close), s.wsClose, `${code} close`);
  }
  for (const code of rows.keys()) assert.ok(Object.hasOwn(STATUS, code), `docs/api.md lists ${code}, which no table defines`);
});
