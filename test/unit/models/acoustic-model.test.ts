// The acoustic-model runtime on the toy model: chunking, delay and flush, batching, state stacking, errors.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcousticModel,
  DEFAULT_ACOUSTIC_MODEL_OPTIONS,
  resolveAcousticModelOptions,
  stackState,
  stackStateReference,
  unstackState,
  type AcousticStream,
} from '../../../models/acoustic-model.ts';
import { ModelError, type ModelErrorCode } from '../../../models/errors.ts';
import { TOY_DIR, buildToyCard, buildToyOnnx, toyCardText, toyReference } from '../../fixtures/make-toy-acoustic-model.ts';
import { Rng } from '../../support/random.ts';
import { maxAbsDiff } from '../../support/float-arrays.ts';

const V = 8;
const models: AcousticModel[] = [];
async function load(opts: Parameters<typeof AcousticModel.load>[1] = {}, dir = TOY_DIR): Promise<AcousticModel> {
  const m = await AcousticModel.load(dir, opts);
  models.push(m);
  return m;
}
after(async () => {
  for (const m of models) await m.dispose();
});

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: ModelErrorCode): Promise<ModelError> {
  let caught: unknown;
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (e: unknown) => {
      caught = e;
      return e instanceof ModelError && e.code === code;
    },
  );
  return caught as ModelError;
}

function audio(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.4 * Math.sin(i * (0.01 + seed * 1e-4)) + 0.2 * (rng.next() * 2 - 1);
  return x;
}

/** Feeds `pcm` in chunks of `chunk` samples, then finishes; checks block bookkeeping; returns all frames. */
async function runStream(s: AcousticStream, pcm: Float32Array, chunk: number): Promise<Float32Array> {
  const out: number[] = [];
  for (let i = 0; i < pcm.length; i += chunk) {
    const b = await s.accept(pcm.subarray(i, Math.min(pcm.length, i + chunk)));
    assert.equal(b.firstFrame * V, out.length);
    assert.equal(b.data.length, b.frames * V);
    assert.equal(b.final, false);
    out.push(...b.data);
  }
  const f = await s.finish();
  assert.equal(f.firstFrame * V, out.length);
  assert.equal(f.final, true);
  out.push(...f.data);
  return Float32Array.from(out);
}

test('the committed toy model and card are what the generator makes (not stale)', () => {
  assert.deepEqual(new Uint8Array(readFileSync(join(TOY_DIR, 'model.onnx'))), buildToyOnnx());
  assert.equal(readFileSync(join(TOY_DIR, 'model.json'), 'utf8'), toyCardText());
});

test('load reads the card, picks the first recommended chunk, warms up, and reports its effective options', async () => {
  const m = await load();
  assert.equal(m.chunkSamples, 1600);
  assert.equal(m.numTokens, V);
  assert.ok(m.loadMs > 0);
  assert.equal(m.runs, 1, 'one warm-up run');
  assert.deepEqual(m.options, { ...DEFAULT_ACOUSTIC_MODEL_OPTIONS });
  const cold = await load({ warmUp: false, chunkMs: 320 });
  assert.equal(cold.runs, 0);
  assert.equal(cold.chunkSamples, 5120);
});

test('chunks of 1, 317, 320 and 5000 samples give the same frames as the whole file, and match the reference', async () => {
  const m = await load();
  const pcm = audio(16000 + 4321, 1);
  const whole = await runStream(m.createStream(), pcm, pcm.length);
  assert.equal(whole.length, Math.ceil(pcm.length / 320) * V);
  assert.ok(maxAbsDiff(whole, toyReference(pcm)) < 1e-4, 'runtime vs plain reference of the contract');
  for (const chunk of [1, 317, 320, 5000]) {
    assert.ok(maxAbsDiff(await runStream(m.createStream(), pcm, chunk), whole) <= 1e-5, `chunk ${chunk}`);
  }
});

test('other run sizes (chunkMs 20, 320, 480) agree with 100 ms', async () => {
  const pcm = audio(12345, 2);
  const base = await runStream((await load()).createStream(), pcm, 999);
  for (const chunkMs of [20, 320, 480]) {
    const m = await load({ chunkMs });
    assert.ok(maxAbsDiff(await runStream(m.createStream(), pcm, 999), base) <= 1e-5, `chunkMs ${chunkMs}`);
  }
});

test('a stream yields exactly ceil(samples / 320) frames for every length, each row a log-softmax', async () => {
  const m = await load();
  for (const n of [0, 1, 319, 320, 321, 639, 640, 1599, 1600, 1601, 3200, 4000]) {
    const pcm = audio(n, 3);
    const frames = await runStream(m.createStream(), pcm, 700);
    assert.equal(frames.length, Math.ceil(n / 320) * V, `n = ${n}`);
    assert.ok(maxAbsDiff(frames, toyReference(pcm)) < 1e-4, `n = ${n}`);
    for (let f = 0; f < frames.length / V; f++) {
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(frames[f * V + v]);
      assert.ok(Math.abs(z - 1) < 1e-5);
    }
  }
});

test('runBatch equals running each stream alone (within 1e-5), and really batches', async () => {
  const solo = await load();
  const batched = await load();
  const rng = new Rng(9);
  const lengths = [16000, 9000, 20000, 1234, 0, 16000, 5555, 30000];
  const pcms = lengths.map((n, i) => audio(n, 10 + i));
  const expected: Float32Array[] = [];
  for (const p of pcms) expected.push(await runStream(solo.createStream(), p, 1600));
  const streams = pcms.map(() => batched.createStream());
  const got: number[][] = pcms.map(() => []);
  const pos = pcms.map(() => 0);
  const runsBefore = batched.runs;
  while (pos.some((p, i) => p < pcms[i].length)) {
    // Each round every stream gets a chunk of its own random size (often 1600, sometimes odd, sometimes none).
    const chunks = pcms.map((p, i) => {
      const n = rng.bool(0.6) ? 1600 : rng.int(0, 4000);
      const c = p.subarray(pos[i], Math.min(p.length, pos[i] + n));
      pos[i] += c.length;
      return c;
    });
    const blocks = await batched.runBatch(streams, chunks);
    blocks.forEach((b, i) => {
      assert.equal(b.firstFrame * V, got[i].length);
      got[i].push(...b.data);
    });
  }
  (await batched.finishBatch(streams)).forEach((b, i) => got[i].push(...b.data));
  for (let i = 0; i < pcms.length; i++) {
    assert.ok(maxAbsDiff(Float32Array.from(got[i]), expected[i]) <= 1e-5, `stream ${i}`);
  }
  const runs = batched.runs - runsBefore;
  assert.ok(batched.streamsRun / runs > 2, `mean batch ${batched.streamsRun / runs} over ${runs} runs`);
});

test('maxBatchStreams splits a large batch into several runs with the same result', async () => {
  const m = await load({ maxBatchStreams: 2 });
  const ref = await load();
  const pcms = [0, 1, 2, 3, 4].map((i) => audio(4000 + 100 * i, 20 + i));
  const streams = pcms.map(() => m.createStream());
  const a = await m.runBatch(streams, pcms);
  const b = await m.finishBatch(streams);
  for (let i = 0; i < pcms.length; i++) {
    const got = Float32Array.from([...a[i].data, ...b[i].data]);
    assert.ok(maxAbsDiff(got, await runStream(ref.createStream(), pcms[i], 4000)) <= 1e-5);
  }
});

test('state stacking along any batch axis matches the plain reference, and unstacking inverts it', () => {
  const rng = new Rng(31);
  for (let iter = 0; iter < 200; iter++) {
    const rank = rng.int(1, 4);
    const shape = Array.from({ length: rank }, () => rng.int(1, 4));
    const axis = rng.int(0, rank);
    const batch = rng.int(1, 5);
    const slot = rng.int(0, batch - 1);
    const size = shape.reduce((a, b) => a * b, 1);
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis).reduce((a, b) => a * b, 1);
    const src = Float32Array.from({ length: size }, () => rng.next());
    const fast = new Float32Array(size * batch).fill(-1);
    const ref = new Float32Array(size * batch).fill(-1);
    stackState(src, fast, outer, inner, batch, slot);
    stackStateReference(src, ref, shape, axis, batch, slot);
    assert.deepEqual(fast, ref, `shape ${shape} axis ${axis} batch ${batch} slot ${slot}`);
    const back = new Float32Array(size);
    unstackState(fast, back, outer, inner, batch, slot);
    assert.deepEqual(back, src);
  }
});

test('calls on one stream may be issued without awaiting: they run in order', async () => {
  const m = await load();
  const pcm = audio(9000, 40);
  const s = m.createStream();
  const pending = [s.accept(pcm.subarray(0, 3000)), s.accept(pcm.subarray(3000, 7000)), s.accept(pcm.subarray(7000)), s.finish()];
  await assert.rejects(async () => s.reset(), (e: unknown) => e instanceof ModelError && e.code === 'MODEL_STREAM_BUSY');
  const blocks = await Promise.all(pending);
  const got = Float32Array.from(blocks.flatMap((b) => [...b.data]));
  assert.ok(maxAbsDiff(got, await runStream(m.createStream(), pcm, 9000)) <= 1e-5);
});

test('finish ends a stream; reset makes it new again', async () => {
  const m = await load();
  const pcm = audio(5000, 50);
  const s = m.createStream();
  const first = await runStream(s, pcm, 1000);
  assert.equal(s.isFinished, true);
  await rejectsWith(s.accept(pcm), 'MODEL_STREAM_FINISHED');
  await rejectsWith(s.finish(), 'MODEL_STREAM_FINISHED');
  s.reset();
  assert.equal(s.framesEmitted, 0);
  assert.deepEqual(await runStream(s, pcm, 1000), first);
});

test('bad runBatch arguments are MODEL_ARGUMENT', async () => {
  const m = await load();
  const other = await load();
  const s = m.createStream();
  const x = new Float32Array(10);
  await rejectsWith(m.runBatch([other.createStream()], [x]), 'MODEL_ARGUMENT');
  await rejectsWith(m.runBatch([s, s], [x, x]), 'MODEL_ARGUMENT');
  await rejectsWith(m.runBatch([s], [x, x]), 'MODEL_ARGUMENT');
  await rejectsWith(m.runBatch([s], [[1, 2] as unknown as Float32Array]), 'MODEL_ARGUMENT');
  // The stream is untouched by the refused calls.
  assert.equal(s.samplesAccepted, 0);
});

test('options: unknown keys and bad values are MODEL_OPTION naming the option', async () => {
  const bad = async (opts: object, option: string) => {
    const e = await rejectsWith(AcousticModel.load(TOY_DIR, opts), 'MODEL_OPTION');
    assert.equal(e.details.option, option);
  };
  await bad({ threads: 2 }, 'threads');
  await bad({ executionProvider: 'tpu' }, 'executionProvider');
  await bad({ intraOpThreads: -1 }, 'intraOpThreads');
  await bad({ maxBatchStreams: 0 }, 'maxBatchStreams');
  await bad({ chunkMs: 110 }, 'chunkMs'); // 1760 samples: not a multiple of 320
  await bad({ chunkMs: 0 }, 'chunkMs');
  assert.equal(resolveAcousticModelOptions({ intraOpThreads: 0 }).intraOpThreads, 0);
});

test('CUDA requested where the provider is absent → MODEL_PROVIDER_UNAVAILABLE (no silent CPU fallback)', async (t) => {
  let m: AcousticModel | null = null;
  try {
    m = await AcousticModel.load(TOY_DIR, { executionProvider: 'cuda' });
  } catch (e) {
    assert.ok(e instanceof ModelError, String(e));
    assert.equal(e.code, 'MODEL_PROVIDER_UNAVAILABLE');
    assert.equal(e.details.provider, 'cuda');
    return;
  }
  // A machine with a working CUDA provider: the model must then run and agree with the CPU.
  models.push(m);
  t.diagnostic('CUDA provider present: checked CUDA against CPU instead');
  const pcm = audio(8000, 60);
  const cpu = await runStream((await load()).createStream(), pcm, 1600);
  assert.ok(maxAbsDiff(await runStream(m.createStream(), pcm, 1600), cpu) < 1e-4);
});

test('a card that disagrees with its graph is MODEL_MISMATCH', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy-mismatch-'));
  try {
    copyFileSync(join(TOY_DIR, 'model.onnx'), join(dir, 'model.onnx'));
    const write = (mutate: (c: Record<string, unknown>) => void) => {
      const c = structuredClone(buildToyCard());
      mutate(c);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(c));
    };
    const states = (c: Record<string, unknown>) => c.states as Array<Record<string, unknown>>;
    write((c) => (c.tokens = [...(c.tokens as string[]), 'z']));
    assert.equal((await rejectsWith(AcousticModel.load(dir), 'MODEL_MISMATCH')).details.name, 'logprobs');
    write((c) => (states(c)[1].name = 'conv2'));
    await rejectsWith(AcousticModel.load(dir), 'MODEL_MISMATCH');
    write((c) => (states(c)[1].outputName = 'conv_next'));
    await rejectsWith(AcousticModel.load(dir), 'MODEL_MISMATCH');
    write((c) => (states(c)[1].shape = ['batch', 3, 16]));
    await rejectsWith(AcousticModel.load(dir), 'MODEL_MISMATCH');
    write((c) => (c.states = [states(c)[0]]));
    await rejectsWith(AcousticModel.load(dir), 'MODEL_MISMATCH');
    writeFileSync(join(dir, 'model.onnx'), 'not an onnx file');
    write(() => undefined);
    await rejectsWith(AcousticModel.load(dir), 'MODEL_RUNTIME');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
