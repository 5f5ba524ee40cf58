// The error table: every code of every component has an HTTP status and a WebSocket close code, and nothing else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioError } from '../../../audio/errors.ts';
import { GraphError } from '../../../decoder/graph/errors.ts';
import { DECODER_ERROR_STATUS } from '../../../decoder/search/errors.ts';
import { ERROR_REGISTRIES, ERROR_STATUS, EngineError, errorInfo } from '../../../engine/errors.ts';

const WS_CLOSE = new Set([1007, 1008, 1009, 1011, 1013]);

test('every registered code of every component has exactly one row, and every row a registered code', () => {
  const registered = new Set<string>();
  for (const [component, codes] of Object.entries(ERROR_REGISTRIES)) {
    for (const code of Object.keys(codes)) {
      assert.ok(!registered.has(code), `${code} is registered twice`);
      registered.add(code);
      assert.ok(Object.hasOwn(ERROR_STATUS, code), `${component} code ${code} has no status row`);
    }
  }
  for (const code of Object.keys(ERROR_STATUS)) assert.ok(registered.has(code), `row ${code} is no component's code`);
  assert.ok(['fst', 'graph', 'audio', 'model', 'decoder', 'engine'].every((c) => c in ERROR_REGISTRIES));
});

test('statuses are HTTP 4xx/5xx and RFC 6455 close codes; the decoder keeps its own rows', () => {
  for (const [code, s] of Object.entries(ERROR_STATUS)) {
    assert.ok(Number.isInteger(s.http) && s.http >= 400 && s.http <= 599, `${code} http ${s.http}`);
    assert.ok(WS_CLOSE.has(s.wsClose), `${code} wsClose ${s.wsClose}`);
  }
  for (const [code, s] of Object.entries(DECODER_ERROR_STATUS)) assert.deepEqual(ERROR_STATUS[code as keyof typeof ERROR_STATUS], s);
  // Client mistakes are 4xx, the server's own failures 5xx.
  assert.equal(ERROR_STATUS.AUDIO_MALFORMED.http, 400);
  assert.equal(ERROR_STATUS.GRAMMAR_SYNTAX.http, 422);
  assert.equal(ERROR_STATUS.MODEL_RUNTIME.http, 500);
  assert.equal(ERROR_STATUS.ENGINE_BUSY.wsClose, 1013);
});

test('errorInfo keeps coded errors and turns anything else into ENGINE_INTERNAL', () => {
  const a = errorInfo(new AudioError('AUDIO_MISALIGNED', 'x', { byteLength: 3, frameBytes: 2 }));
  assert.equal(a.code, 'AUDIO_MISALIGNED');
  assert.equal(a.http, 400);
  assert.equal(a.wsClose, 1007);
  assert.equal(a.details.frameBytes, 2);
  const g = errorInfo(new GraphError('GRAMMAR_SYNTAX', 'y', { line: 3, column: 7 }));
  assert.deepEqual([g.code, g.details.line, g.details.column], ['GRAMMAR_SYNTAX', 3, 7]);
  assert.equal(errorInfo(new EngineError('ENGINE_BUSY', 'z', { limit: 1 })).http, 503);
  const u = errorInfo(new TypeError('boom'));
  assert.equal(u.code, 'ENGINE_INTERNAL');
  assert.equal(u.http, 500);
  assert.equal(u.details.cause, 'boom');
  assert.equal(errorInfo('string thrown').code, 'ENGINE_INTERNAL');
});
