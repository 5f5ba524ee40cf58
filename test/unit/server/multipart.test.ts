// multipart/form-data: boundaries, parts with binary data, and malformed bodies with MULTIPART_INVALID.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerError } from '../../../server/errors.ts';
import { buildMultipart, multipartBoundary, parseMultipart } from '../../../server/multipart.ts';

const code = (c: string) => (e: unknown) => e instanceof ServerError && e.code === c;

test('a built form parses back to the same fields, binary data intact', () => {
  const bin = Buffer.from([0, 13, 10, 45, 45, 255, 13, 10, 13, 10, 1]);
  const { body, contentType } = buildMultipart([
    { name: 'model', value: 'whisper-1' },
    { name: 'file', value: bin, filename: 'a b.wav', contentType: 'audio/wav' },
    { name: 'timestamp_granularities[]', value: 'word' },
  ]);
  const parts = parseMultipart(body, multipartBoundary(contentType));
  assert.equal(parts.length, 3);
  assert.deepEqual(parts.map((p) => p.name), ['model', 'file', 'timestamp_granularities[]']);
  assert.equal(parts[0].data.toString(), 'whisper-1');
  assert.equal(parts[0].filename, undefined);
  assert.equal(parts[1].filename, 'a b.wav');
  assert.equal(parts[1].contentType, 'audio/wav');
  assert.deepEqual([...parts[1].data], [...bin]);
});

test('boundaries may be quoted; a preamble and unquoted names are accepted', () => {
  const body = Buffer.from('preamble\r\n--xyz\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--xyz--\r\n');
  assert.equal(multipartBoundary('multipart/form-data; boundary="xyz"'), 'xyz');
  const parts = parseMultipart(body, 'xyz');
  assert.deepEqual(parts.map((p) => [p.name, p.data.toString()]), [['a', '1']]);
});

test('a body that is not multipart is UNSUPPORTED_MEDIA_TYPE; a missing boundary or a broken body is MULTIPART_INVALID', () => {
  assert.throws(() => multipartBoundary('application/json'), code('UNSUPPORTED_MEDIA_TYPE'));
  assert.throws(() => multipartBoundary(undefined), code('UNSUPPORTED_MEDIA_TYPE'));
  assert.throws(() => multipartBoundary('multipart/form-data'), code('MULTIPART_INVALID'));
  const { body } = buildMultipart([{ name: 'a', value: 'x' }], 'b1');
  assert.throws(() => parseMultipart(body.subarray(0, body.length - 12), 'b1'), code('MULTIPART_INVALID'));
  assert.throws(() => parseMultipart(Buffer.from('no delimiter'), 'b1'), code('MULTIPART_INVALID'));
  assert.throws(() => parseMultipart(Buffer.from('--b1\r\nX: y\r\n\r\nv\r\n--b1--'), 'b1'), code('MULTIPART_INVALID'));
  assert.throws(() => parseMultipart(Buffer.from('--b1\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b1--'), 'b1'), code('MULTIPART_INVALID'));
});
