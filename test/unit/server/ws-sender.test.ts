// Sending with backpressure: partials skipped behind a slow reader, the reader cut off past the limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WsSender } from '../../../server/ws-sender.ts';

function socket() {
  return { readyState: 1, bufferedAmount: 0, sent: [] as string[], send(d: string) { this.sent.push(d); this.bufferedAmount += d.length; } };
}

test('droppable messages are skipped above an eighth of the limit; others are still sent', () => {
  const s = socket();
  const w = new WsSender(s, 800, () => assert.fail('no overflow'));
  assert.equal(w.sendDroppable('p'.repeat(101)), true);
  assert.equal(w.sendDroppable('p'), false);
  assert.equal(w.send('final'), true);
  s.bufferedAmount = 0;
  assert.equal(w.sendDroppable('p'), true);
  assert.equal(s.sent.length, 3);
});

test('overflow is reported once when the buffer passes the limit', () => {
  const s = socket();
  let overflows = 0;
  const w = new WsSender(s, 100, () => overflows++);
  w.send('x'.repeat(90));
  assert.equal(overflows, 0);
  w.send('x'.repeat(20));
  w.send('x'.repeat(20));
  assert.equal(overflows, 1);
});

test('nothing is sent on a socket that is not open', () => {
  const s = socket();
  s.readyState = 2;
  const w = new WsSender(s, 100, () => {});
  assert.equal(w.send('x'), false);
  assert.equal(w.sendDroppable('x'), false);
  assert.equal(s.sent.length, 0);
});
