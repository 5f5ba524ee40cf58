// Admission: readiness phases, the session limit with its retry hint, draining and idleness.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission } from '../../../server/admission.ts';
import { ServerError } from '../../../server/errors.ts';

const code = (c: string) => (e: unknown) => e instanceof ServerError && e.code === c;

test('nothing is admitted while loading; NOT_READY carries a retry hint', () => {
  const a = new Admission(2, 1.5);
  assert.throws(() => a.acquire('stream'), code('NOT_READY'));
  assert.equal(a.refusal()?.details.retry_after_ms, 1500);
});

test('the limit counts every kind; a released slot frees a place once', () => {
  const a = new Admission(2, 1);
  a.setReady();
  const s1 = a.acquire('stream');
  a.acquire('transcribe');
  assert.equal(a.active, 2);
  assert.equal(a.activeOf('stream'), 1);
  assert.throws(() => a.acquire('vosk'), (e: unknown) => code('TOO_MANY_STREAMS')(e) && (e as ServerError).details.retry_after_ms === 1000);
  s1.release();
  s1.release();
  assert.equal(a.active, 1);
  a.acquire('vosk');
  assert.throws(() => a.acquire('vosk'), code('TOO_MANY_STREAMS'));
});

test('draining asks each open session once to finish, refuses new ones, and idle() resolves when all are gone', async () => {
  const a = new Admission(4, 1);
  a.setReady();
  let drained = 0;
  const s1 = a.acquire('stream', () => drained++);
  const s2 = a.acquire('vosk', () => drained++);
  let idle = false;
  const p = a.idle().then(() => (idle = true));
  a.startDraining();
  a.startDraining();
  assert.equal(drained, 2);
  assert.equal(a.phase, 'draining');
  assert.throws(() => a.acquire('stream'), code('SHUTTING_DOWN'));
  a.setReady();
  assert.equal(a.phase, 'draining');
  s1.release();
  await Promise.resolve();
  assert.equal(idle, false);
  s2.release();
  await p;
  assert.equal(idle, true);
  await a.idle();
});
