// The real acoustic model (models/ds2-stream-en) through the runtime: chunking, batching, stored log-probs.
// Skipped, with the reason printed, while the model folder is absent.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWav } from '../../../audio/wav.ts';
import { AcousticModel, type AcousticStream } from '../../../models/acoustic-model.ts';
import { maxAbsDiff } from '../../support/float-arrays.ts';
import {
  GOLDEN_F32,
  GOLDEN_JSON,
  MODEL_DIR,
  SPEECH_WAV,
  sha256,
  type GoldenMeta,
} from '../../fixtures/make-acoustic-golden.ts';

const present = existsSync(join(MODEL_DIR, 'model.json'));
const skip = present ? false : 'models/ds2-stream-en is not there yet';
const speech = parseWav(new Uint8Array(readFileSync(SPEECH_WAV)));

const models: AcousticModel[] = [];
async function load(opts: Parameters<typeof AcousticModel.load>[1] = {}): Promise<AcousticModel> {
  const m = await AcousticModel.load(MODEL_DIR, opts);
  models.push(m);
  return m;
}
after(async () => {
  for (const m of models) await m.dispose();
});

async function runStream(s: AcousticStream, pcm: Float32Array, chunk: number): Promise<Float32Array> {
  const out: number[] = [];
  for (let i = 0; i < pcm.length; i += chunk) out.push(...(await s.accept(pcm.subarray(i, Math.min(pcm.length, i + chunk)))).data);
  out.push(...(await s.finish()).data);
  return Float32Array.from(out);
}

test('the card matches the contract (29 tokens, 20 ms frames, 3 frames of delay)', { skip }, async () => {
  const m = await load();
  assert.equal(m.numTokens, 29);
  assert.equal(m.card.frameShiftSamples, 320);
  assert.equal(m.card.delayFrames, 3);
  assert.equal(m.card.flushSamples, 960);
  assert.equal(m.card.sampleRate, 16000);
});

test('speech in chunks of 1, 317, 320 and 5000 samples gives the whole-file frames', { skip }, async () => {
  const m = await load();
  const whole = await runStream(m.createStream(), speech.samples, speech.samples.length);
  assert.equal(whole.length, Math.ceil(speech.samples.length / 320) * 29);
  for (const chunk of [1, 317, 320, 5000]) {
    assert.ok(maxAbsDiff(await runStream(m.createStream(), speech.samples, chunk), whole) <= 1e-5, `chunk ${chunk}`);
  }
});

test('run sizes of 20, 160 and 320 ms agree with 100 ms within 1e-4', { skip }, async () => {
  const base = await runStream((await load()).createStream(), speech.samples, 4000);
  for (const chunkMs of [20, 160, 320]) {
    const d = maxAbsDiff(await runStream((await load({ chunkMs })).createStream(), speech.samples, 4000), base);
    assert.ok(d <= 1e-4, `chunkMs ${chunkMs}: max |Δ| ${d}`);
  }
});

test('four streams batched equal the same streams alone (within 1e-5)', { skip }, async () => {
  const m = await load();
  const x = speech.samples;
  const pcms = [x, x.map((v) => v * 0.3), x.subarray(4000), x.map((v, i) => v * Math.cos(i / 900))];
  const streams = pcms.map(() => m.createStream());
  const got: number[][] = pcms.map(() => []);
  for (let i = 0; i < x.length; i += 1600) {
    (await m.runBatch(streams, pcms.map((p) => p.subarray(Math.min(i, p.length), Math.min(p.length, i + 1600))))).forEach((b, k) =>
      got[k].push(...b.data),
    );
  }
  (await m.finishBatch(streams)).forEach((b, k) => got[k].push(...b.data));
  for (let k = 0; k < pcms.length; k++) {
    const alone = await runStream(m.createStream(), pcms[k], 1600);
    assert.ok(maxAbsDiff(Float32Array.from(got[k]), alone) <= 1e-5, `stream ${k}`);
  }
});

test('reproduces the stored log-probabilities of the speech fixture', { skip }, async () => {
  const meta = JSON.parse(readFileSync(GOLDEN_JSON, 'utf8')) as GoldenMeta;
  const m = await load();
  assert.equal(
    sha256(m.modelPath),
    meta.onnxSha256,
    'models/ds2-stream-en/model.onnx changed since the stored log-probs were made: ' +
      'run `node --import tsx test/fixtures/make-acoustic-golden.ts` and commit the result',
  );
  const buf = readFileSync(GOLDEN_F32);
  const want = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  assert.equal(want.length, meta.frames * meta.numTokens);
  const got = await runStream(m.createStream(), speech.samples, 1234);
  const d = maxAbsDiff(got, want);
  assert.ok(d <= 1e-4, `max |Δ| ${d}`);
});
