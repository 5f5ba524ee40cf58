// Parity check for export.py: feed PCM to the ONNX model in chunks, batched streams, compare to PyTorch.
// usage: node parity.mjs model.onnx pcm.f32 ref.f32 batch samples chunkSamples delayFrames
import fs from "node:fs";
import ort from "onnxruntime-node";

function readF32(path) {
  const b = fs.readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

async function main() {
  const [onnxPath, pcmPath, refPath, batchS, samplesS, chunkS, delayS] = process.argv.slice(2);
  const batch = Number(batchS), samples = Number(samplesS), chunk = Number(chunkS), delay = Number(delayS);
  const frameShift = 320, tokens = 29;
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
  const pcm = readF32(pcmPath), ref = readF32(refPath);
  const stateNames = session.inputNames.filter((n) => n !== "pcm");
  const meta = session.inputMetadata ?? [];
  let states = {};
  // Zero initial states, shaped from the graph's declared input shapes with the symbolic batch axis filled in.
  for (const name of stateNames) {
    const m = Array.isArray(meta) ? meta.find((x) => x.name === name) : meta[name];
    const dims = m.shape.map((d) => (typeof d === "number" ? d : batch));
    states[name] = new ort.Tensor("float32", new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  }
  const total = samples + delay * frameShift;
  const outFrames = [];
  const t0 = Date.now();
  for (let start = 0; start < total; start += chunk) {
    const n = Math.min(chunk, total - start);
    const buf = new Float32Array(batch * n);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < n; i++) {
        const s = start + i;
        buf[b * n + i] = s < samples ? pcm[b * samples + s] : 0;
      }
    }
    const feeds = { pcm: new ort.Tensor("float32", buf, [batch, n]), ...states };
    const out = await session.run(feeds);
    outFrames.push(out.logprobs);
    const next = {};
    for (const name of stateNames) next[name] = out[name + "_out"];
    states = next;
  }
  const ms = Date.now() - t0;
  const framesTotal = outFrames.reduce((a, t) => a + t.dims[1], 0);
  const keep = samples / frameShift;
  let maxAbsDiff = 0;
  for (let b = 0; b < batch; b++) {
    let k = 0;
    for (const t of outFrames) {
      const f = t.dims[1];
      for (let j = 0; j < f; j++, k++) {
        if (k < delay || k >= delay + keep) continue;
        for (let v = 0; v < tokens; v++) {
          const got = t.data[(b * f + j) * tokens + v];
          const want = ref[(b * keep + (k - delay)) * tokens + v];
          const d = Math.abs(got - want);
          if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
        }
      }
    }
  }
  if (framesTotal !== keep + delay) throw new Error(`frames ${framesTotal} != ${keep + delay}`);
  process.stdout.write(JSON.stringify({ maxAbsDiff, frames: keep, ms }) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e) + "\n");
  process.exit(1);
});
