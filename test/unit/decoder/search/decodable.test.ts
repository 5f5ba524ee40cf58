// LogProbBuffer and MatrixDecodable: chunked appends, validation, discarding, end of input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogProbBuffer, MatrixDecodable } from '../../../../decoder/search/decodable.ts';
import { DecoderError } from '../../../../decoder/search/errors.ts';

const codeIs = (code: string) => (e: unknown) => e instanceof DecoderError && e.code === code;

function rows(from: number, n: number, width: number): Float32Array {
  const out = new Float32Array(n * width);
  for (let t = 0; t < n; t++) for (let k = 0; k < width; k++) out[t * width + k] = -(from + t) - k / 10;
  return out;
}

test('chunks appended in any sizes read back as one matrix, frames numbered from the stream start', () => {
  const b = new LogProbBuffer(3, 2);
  let t = 0;
  for (const n of [1, 0, 5, 2, 9]) {
    b.append(rows(t, n, 3), n);
    t += n;
  }
  assert.equal(b.numFramesReady(), 17);
  assert.equal(b.numIndices(), 3);
  for (let f = 0; f < 17; f++) for (let k = 0; k < 3; k++) assert.equal(b.logLikelihood(f, k), Math.fround(-f - k / 10));
  b.discardBefore(10);
  assert.equal(b.firstFrame, 10);
  assert.equal(b.numFramesReady(), 17);
  assert.equal(b.logLikelihood(12, 2), Math.fround(-12.2));
  b.append(rows(17, 1, 3));
  assert.equal(b.logLikelihood(17, 0), -17);
  assert.equal(b.isLastFrame(17), false);
  b.end();
  assert.equal(b.isLastFrame(17), true);
  assert.throws(() => b.append(rows(18, 1, 3), 1), codeIs('DECODER_STATE'));
});

test('bad shapes and values are coded errors and append nothing', () => {
  assert.throws(() => new LogProbBuffer(1), codeIs('DECODER_INPUT_SHAPE'));
  const b = new LogProbBuffer(4);
  assert.throws(() => b.append(new Float32Array(7), 2), codeIs('DECODER_INPUT_SHAPE'));
  assert.throws(() => b.append(new Float32Array(6)), codeIs('DECODER_INPUT_SHAPE'));
  const x = rows(0, 3, 4);
  x[9] = NaN;
  assert.throws(
    () => b.append(x, 3),
    (e: unknown) => codeIs('DECODER_INPUT_VALUE')(e) && (e as DecoderError).details.frame === 2 && (e as DecoderError).details.token === 1,
  );
  assert.equal(b.numFramesReady(), 0);
});

test('a long stream that discards decoded frames keeps its memory bounded', () => {
  const b = new LogProbBuffer(29);
  let peak = 0;
  for (let t = 0; t < 20000; t += 10) {
    b.append(rows(t, 10, 29), 10);
    b.discardBefore(t + 5);
    peak = Math.max(peak, b.bytes);
  }
  assert.ok(peak < 64 * 29 * 4 * 4, `${peak} bytes`);
  assert.equal(b.logLikelihood(19999, 3), Math.fround(-19999.3));
});

test('MatrixDecodable reads a fixed matrix', () => {
  const m = new MatrixDecodable(rows(0, 4, 2), 2);
  assert.equal(m.numFramesReady(), 4);
  assert.equal(m.isLastFrame(3), true);
  assert.equal(m.logLikelihood(2, 1), Math.fround(-2.1));
});
