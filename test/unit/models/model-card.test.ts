// Model cards: the toy and real cards load; every bad field is reported by name; unknown versions are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelError, type ModelErrorCode } from '../../../models/errors.ts';
import { loadModelCard, parseModelCard, stateSizePerStream } from '../../../models/model-card.ts';
import { TOY_DIR, buildToyCard } from '../../fixtures/make-toy-acoustic-model.ts';

function expectCode(f: () => unknown, code: ModelErrorCode, field?: string): void {
  assert.throws(f, (e: unknown) => {
    if (!(e instanceof ModelError) || e.code !== code) return false;
    if (field !== undefined) assert.equal(e.details.field, field);
    return true;
  });
}

const toy = (): Record<string, unknown> => structuredClone(buildToyCard());

test('the toy card loads from its folder or its file, with paths resolved', () => {
  for (const p of [TOY_DIR, join(TOY_DIR, 'model.json')]) {
    const { card, cardPath, modelPath } = loadModelCard(p);
    assert.equal(card.name, 'toy-acoustic-model');
    assert.equal(card.tokens.length, 8);
    assert.equal(card.delayFrames, 2);
    assert.equal(cardPath, join(TOY_DIR, 'model.json'));
    assert.equal(modelPath, join(TOY_DIR, 'model.onnx'));
    assert.deepEqual(card.states.map((s) => [s.name, s.batchAxis, stateSizePerStream(s)]), [['preemph', 1, 1], ['conv', 0, 32]]);
    // Fields outside the schema are kept, not rejected.
    assert.equal(card.extra.opset, 13);
    assert.equal(typeof card.extra.architecture, 'string');
  }
});

test('a card written by models/training/export.py parses (when present)', (t) => {
  let text: string;
  try {
    text = readFileSync(new URL('../../../models/ds2-stream-en/model.json', import.meta.url), 'utf8');
  } catch {
    t.skip('models/ds2-stream-en is not there yet');
    return;
  }
  const card = parseModelCard(JSON.parse(text));
  assert.equal(card.tokens.length, 29);
  assert.equal(card.flushSamples, card.delayFrames * card.frameShiftSamples);
  assert.ok(card.states.some((s) => s.batchAxis !== 0));
});

test('minor versions are read; other majors are MODEL_CARD_VERSION; non-semver is MODEL_CARD_INVALID', () => {
  for (const version of ['1.0.0', '1.7.12']) assert.equal(parseModelCard({ ...toy(), version }).version, version);
  for (const version of ['2.0.0', '0.9.0']) expectCode(() => parseModelCard({ ...toy(), version }), 'MODEL_CARD_VERSION');
  expectCode(() => parseModelCard({ ...toy(), version: '1' }), 'MODEL_CARD_INVALID', 'version');
  expectCode(() => parseModelCard({ ...toy(), version: 1 }), 'MODEL_CARD_INVALID', 'version');
});

test('each bad field is named in details.field', () => {
  const cases: Array<[string, (c: Record<string, unknown>) => void]> = [
    ['name', (c) => delete c.name],
    ['file', (c) => (c.file = '../elsewhere/model.onnx')],
    ['file', (c) => (c.file = '/abs/model.onnx')],
    ['sampleRate', (c) => (c.sampleRate = 16000.5)],
    ['tokens', (c) => (c.tokens = ['a', 'a', 'b'])],
    ['tokens[1]', (c) => (c.tokens = ['a', 3])],
    ['blank', (c) => (c.blank = 8)],
    ['space', (c) => (c.space = 0)],
    ['space', (c) => delete c.space],
    ['frameShiftSamples', (c) => (c.frameShiftSamples = 0)],
    ['chunkMultipleSamples', (c) => (c.chunkMultipleSamples = 480)],
    ['recommendedChunkMs[1]', (c) => (c.recommendedChunkMs = [100, 110])],
    ['recommendedChunkMs', (c) => (c.recommendedChunkMs = [])],
    ['delayFrames', (c) => (c.delayFrames = -1)],
    ['flushSamples', (c) => (c.flushSamples = 320)],
    ['flushSamples', (c) => (c.flushSamples = 700)],
    ['lookaheadFrames', (c) => delete c.lookaheadFrames],
    ['inputs.pcm', (c) => (c.inputs = {})],
    ['outputs.logprobs.dtype', (c) => (c.outputs = { logprobs: { dtype: 'float16', shape: [] } })],
    ['states', (c) => (c.states = {})],
    ['states[0].name', (c) => ((c.states as Array<Record<string, unknown>>)[0].name = 'pcm')],
    ['states[1].name', (c) => ((c.states as Array<Record<string, unknown>>)[1].name = 'preemph')],
    ['states[1].outputName', (c) => ((c.states as Array<Record<string, unknown>>)[1].outputName = 'logprobs')],
    ['states[0].batchAxis', (c) => ((c.states as Array<Record<string, unknown>>)[0].batchAxis = 0)],
    ['states[0].shape', (c) => ((c.states as Array<Record<string, unknown>>)[0].shape = [1, 2])],
    ['states[0].shape', (c) => ((c.states as Array<Record<string, unknown>>)[0].shape = ['batch', 'batch'])],
    ['states[1].shape[2]', (c) => ((c.states as Array<Record<string, unknown>>)[1].shape = ['batch', 2, 0])],
    ['states[1].dtype', (c) => ((c.states as Array<Record<string, unknown>>)[1].dtype = 'int64')],
    ['states[1].initial', (c) => ((c.states as Array<Record<string, unknown>>)[1].initial = 'random')],
    ['modes', (c) => (c.modes = ['offline'])],
    ['parameters', (c) => (c.parameters = 'many')],
    ['training', (c) => (c.training = null)],
    ['metrics', (c) => delete c.metrics],
    ['', () => undefined],
  ];
  for (const [field, mutate] of cases) {
    if (field === '') {
      expectCode(() => parseModelCard([1, 2]), 'MODEL_CARD_INVALID', '');
      continue;
    }
    const c = toy();
    mutate(c);
    expectCode(() => parseModelCard(c), 'MODEL_CARD_INVALID', field);
  }
});

test('unreadable cards and missing model files are MODEL_IO; bad JSON is MODEL_CARD_INVALID', () => {
  const dir = mkdtempSync(join(tmpdir(), 'card-'));
  try {
    expectCode(() => loadModelCard(dir), 'MODEL_IO');
    expectCode(() => loadModelCard(join(dir, 'nope.json')), 'MODEL_IO');
    writeFileSync(join(dir, 'model.json'), JSON.stringify(toy()));
    expectCode(() => loadModelCard(dir), 'MODEL_IO');
    writeFileSync(join(dir, 'model.json'), '{"name": ');
    expectCode(() => loadModelCard(dir), 'MODEL_CARD_INVALID', '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
