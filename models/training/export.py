"""Export a checkpoint to ONNX + model card, and check chunked ONNX output against whole-utterance PyTorch.

  /usr/bin/python3 export.py --ckpt data/runs/main/best.pt --out ../ds2-stream-en [--metrics eval.json]

Writes <out>/model.onnx (opset 13; dynamic batch and sample axes; explicit state tensors), <out>/model.json
(the card, see CONTRACT.md) and <out>/checkpoint-fp16.pt (weights only, enough to resume or re-export).
The parity check runs the ONNX file in onnxruntime-node (parity.mjs) with chunks of 320, 1600 and 4800 samples
and two streams batched, and fails unless every log-prob is within --tol of the PyTorch whole-utterance pass.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from common import DATA_ROOT, HERE, REPO, TOKENS
from model import FRAME_SHIFT, StreamingDS2

VERSION = "1.1.0"


def load_model(path):
    ck = torch.load(path, map_location="cpu")
    model = StreamingDS2(**ck["config"])
    model.load_state_dict({k: v.float() for k, v in ck["model"].items()})
    model.eval()
    return model, ck


class Exported(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pcm, *states):
        return self.model(pcm, *states)


def export_onnx(model, path):
    specs = model.state_specs()
    names = [n for n, _, _ in specs]
    dyn = {"pcm": {0: "batch", 1: "samples"}, "logprobs": {0: "batch", 1: "frames"}}
    for n, _, axis in specs:
        dyn[n] = {axis: "batch"}
        dyn[n + "_out"] = {axis: "batch"}
    pcm = torch.zeros(2, 4 * FRAME_SHIFT)
    wrapper = Exported(model).eval()  # export restores the wrapper's mode afterwards: it must be eval
    torch.onnx.export(wrapper, (pcm, *model.initial_state(2)), path, opset_version=13,
                      input_names=["pcm"] + names, output_names=["logprobs"] + [n + "_out" for n in names],
                      dynamic_axes=dyn, do_constant_folding=True)


def read_wav(path):
    import wave
    with wave.open(path, "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def parity(model, onnx_path, tol):
    """Two real-dev utterances as a batch of two streams; PyTorch whole pass vs. ONNX chunks in Node."""
    dev = os.path.join(DATA_ROOT, "real-dev")
    waves = [read_wav(os.path.join(dev, f)) for f in ("sb_spk1_snt1.wav", "sb_spk1_snt3.wav")]
    n = max(len(w) for w in waves)
    n = -(-n // FRAME_SHIFT) * FRAME_SHIFT
    pcm = np.zeros((2, n), np.float32)
    for i, w in enumerate(waves):
        pcm[i, :len(w)] = w
    with torch.no_grad():
        ref = model.utterance_logprobs(torch.from_numpy(pcm)).numpy()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        pcm.tofile(os.path.join(tmp, "pcm.f32"))
        ref.astype(np.float32).tofile(os.path.join(tmp, "ref.f32"))
        for chunk in (320, 1600, 4800):
            out = subprocess.run(["node", os.path.join(HERE, "parity.mjs"), onnx_path, os.path.join(tmp, "pcm.f32"),
                                  os.path.join(tmp, "ref.f32"), "2", str(n), str(chunk),
                                  str(model.lookahead)], cwd=REPO, capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"parity.mjs failed (chunk {chunk}):\n{out.stderr}")
            r = json.loads(out.stdout)
            results[chunk] = r
            print(f"parity chunk {chunk}: max |Δ| {r['maxAbsDiff']:.2e} over {r['frames']} frames, "
                  f"{r['ms']:.0f} ms", file=sys.stderr)
    worst = max(r["maxAbsDiff"] for r in results.values())
    if not worst <= tol:
        raise SystemExit(f"parity check failed: max |Δ| {worst} > {tol}")
    return {str(k): {"maxAbsDiff": v["maxAbsDiff"],
                     "cpuMsPerAudioSecondPerStream": round(v["ms"] / (v["frames"] * FRAME_SHIFT / 16000.0) / 2, 1)}
            for k, v in results.items()}


def run_training(state, augmentation):
    """The card's `training` entry for the run that wrote this checkpoint (from its saved arguments)."""
    args = state.get("args", {})
    extra = [s for s in (args.get("extra") or "").split(",") if s]
    if extra:
        data = ("real-train minus 14 held-out validation speakers + fsdd-dev training digits (x2) + synthetic TTS "
                "speech from synth.py (" + ", ".join(extra) + "; flite rms held out)")
        voices = ("254 real-train speakers + 4 FSDD speakers + synthetic: espeak-ng (8 accents x 13 variants, random "
                  "rate and pitch), flite kal16/awb/slt, festival kal/ked diphones and slt HTS")
    else:
        data = ("real-train (10.8 h, 268 speakers) minus 14 held-out validation speakers (2514, 248, "
                "so762_0024-0026 and every 10th Common Voice speaker) + fsdd-dev digits except recordings 0-4 of "
                "each digit and speaker (x2)")
        voices = "real speech only: 254 real-train speakers + 4 FSDD speakers; no synthetic TTS"
    run = args.get("run", "data/runs/main")
    flags = [f"--run {run}"]
    if state.get("init"):
        flags.append(f"--init {state['init']}")
    for key, default in (("budget_min", None), ("short_min", 15.0), ("augment", "speed,gain"),
                         ("augment_below_cer", 0.5), ("extra", ""), ("seed", 1)):
        if key in args and (default is None or args[key] != default):
            flags.append(f"--{key.replace('_', '-')} {args[key]}")
    return {
        "data": data,
        "voices": voices,
        "audioHoursProcessed": round(state.get("audio_sec", 0.0) / 3600, 1),
        "steps": state.get("step"),
        "augmentation": augmentation or (args.get("augment", "speed,gain")
                                          + f" once held-out CER < {args.get('augment_below_cer')}"
                                          if state.get("augment") else "none (never switched on)"),
        "schedule": args and (f"AdamW lr {args.get('lr')}, warm-up {args.get('warmup_steps')} steps, flat, "
                              f"cosine decay over the last quarter of {args.get('budget_min')} min; "
                              f"utterances < 5 s for the first {args.get('short_min')} min; "
                              f"{args.get('batch_sec')} s padded audio per batch, at least "
                              f"{args.get('min_batch_utts', 16)} utterances; gradient clip "
                              f"{args.get('clip')}; 1 CPU thread"),
        "command": (f"cd models/training && nohup /usr/bin/python3 train.py {' '.join(flags)} "
                    f"> {run}.log 2>&1 &"),
        "wallTimeMin": round(state.get("elapsed", 0.0) / 60, 1),
    }


def started_from(init):
    """The --init weights, with the commit that last changed them (the file is overwritten by each export)."""
    path = os.path.normpath(os.path.join(HERE, init))
    try:
        commit = subprocess.run(["git", "log", "-1", "--format=%h", "--", path], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    rel = os.path.relpath(path, REPO)
    return f"{rel} as of commit {commit}" if commit else rel


def card(model, name, n_params, ck, metrics, parity_result, status, augmentation, previous_training=None):
    specs = model.state_specs()
    state = ck.get("state", {})
    la = model.lookahead
    if state.get("init") and previous_training:
        # A fine-tuning run: the card keeps the history that produced its starting weights.
        stage = run_training(state, augmentation)
        base = previous_training.get("stages", [previous_training])
        training = {"stages": base + [dict(stage, startedFrom=started_from(state["init"]))],
                    "wallTimeMin": round(sum(s.get("wallTimeMin", 0.0) for s in base) + stage["wallTimeMin"], 1),
                    "note": "stages run one after the other; each later stage starts from the weights the "
                            "previous one committed (train.py --init), with a fresh optimiser and schedule"}
    else:
        training = run_training(state, augmentation)
    return {
        "name": name,
        "version": VERSION,
        "status": status,
        # Decoder settings for this model; the engine applies them under any user config. finish.sh replaces this
        # starting value with the one tune_decoder.py finds on held-out real-train speakers (never real-dev): the
        # model over-predicts blank, so a blank penalty cuts deletions.
        "decoder": {"blankPenalty": 1.0},
        "file": "model.onnx",
        "architecture": (f"Deep Speech 2 style streaming CTC: in-graph log-mel (64 bins, 25 ms Hann window, 10 ms "
                         f"hop, Conv1d DFT), 2×Conv2d 3×11 {model.channels} ch with BatchNorm (time stride 2), "
                         f"{model.layers}×unidirectional GRU {model.hidden} with LayerNorm on each layer's input, "
                         f"depthwise lookahead convolution over {la} future frames, LayerNorm, linear to 29 tokens"),
        "sampleRate": 16000,
        "tokens": TOKENS,
        "blank": 0,
        "space": 1,
        "frameShiftSamples": FRAME_SHIFT,
        "chunkMultipleSamples": FRAME_SHIFT,
        "recommendedChunkMs": [100, 160, 320],
        "delayFrames": la,
        "flushSamples": FRAME_SHIFT * la,
        "framesForSamples": ("an utterance of S samples (zero-padded to a multiple of 320) yields exactly "
                             "ceil(S / 320) frames: feed it, then flushSamples zeros, and drop the first "
                             "delayFrames output frames"),
        "lookaheadFrames": la,
        "inputs": {"pcm": {"dtype": "float32", "shape": ["batch", "samples"],
                           "description": "16 kHz mono PCM in [-1, 1]; samples a multiple of chunkMultipleSamples"}},
        "outputs": {"logprobs": {"dtype": "float32", "shape": ["batch", "samples / 320", 29],
                                 "description": "log-softmax over tokens; frame k of a stream describes audio "
                                                "frame k - delayFrames"}},
        "states": [{"name": n, "outputName": n + "_out", "shape": ["batch" if d == -1 else d for d in shape],
                    "batchAxis": axis, "dtype": "float32", "initial": "zeros"} for n, shape, axis in specs],
        "modes": ["streaming"],
        "opset": 13,
        "parameters": n_params,
        "training": training,
        "metrics": metrics,
        "exportCheck": {"what": ("onnxruntime-node, 1 thread, two real-dev utterances as two batched streams, "
                                 "fed in chunks of N samples, vs. the whole-utterance PyTorch pass"),
                        "byChunkSamples": parity_result},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True, help="model folder, e.g. ../ds2-stream-en")
    ap.add_argument("--name", default=None, help="card name (default: folder name)")
    ap.add_argument("--metrics", default=None, help="JSON from evaluate.py --json to put in the card")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--augmentation", default=None, help="card `training.augmentation` text (default: from the "
                    "checkpoint's arguments)")
    ap.add_argument("--status", default="trained", help="card `status`, e.g. 'placeholder: overfit check only'")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, ck = load_model(args.ckpt)
    os.makedirs(args.out, exist_ok=True)
    name = args.name or os.path.basename(os.path.abspath(args.out))
    onnx_path = os.path.join(args.out, "model.onnx")
    t0 = time.time()
    export_onnx(model, onnx_path)
    print(f"exported {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.1f} MB, {time.time() - t0:.1f} s)",
          file=sys.stderr)
    par = parity(model, os.path.abspath(onnx_path), args.tol)
    metrics = {}
    if args.metrics:
        with open(args.metrics) as f:
            metrics = json.load(f)
    n_params = sum(p.numel() for p in model.parameters())
    card_path = os.path.join(args.out, "model.json")
    previous_training = None
    if os.path.exists(card_path):
        with open(card_path) as f:
            previous_training = json.load(f).get("training")
    with open(card_path, "w") as f:
        json.dump(card(model, name, n_params, ck, metrics, par, args.status, args.augmentation, previous_training),
                  f, indent=2)
        f.write("\n")
    torch.save({"model": {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()},
                "config": model.config(), "state": {k: v for k, v in ck.get("state", {}).items() if k != "_rng"}},
               os.path.join(args.out, "checkpoint-fp16.pt"))
    print(f"wrote {args.out}/model.json and checkpoint-fp16.pt", file=sys.stderr)


if __name__ == "__main__":
    main()
