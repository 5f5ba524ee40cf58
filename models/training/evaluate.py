"""Greedy CTC CER/WER of a checkpoint on real-dev, the fsdd holdout and the held-out real-train speakers.

  /usr/bin/python3 evaluate.py --ckpt data/runs/main/best.pt [--json data/eval.json] [--show]

real-dev and fsdd are read straight from ../shared/data (WAV), not from the training cache. The fsdd holdout is
recordings 0-4 of each digit and speaker (200 utterances), which training never sees. When synth.py has
written data/synth-test/, the held-out TTS voice (flite rms) is scored too. Decoding is greedy
(best path) on the same whole-utterance pass that export.py checks against the chunked ONNX graph.
"""
import argparse
import csv
import json
import os
import sys
import time
import wave

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from common import CACHE_DIR, DATA_ROOT, normalize_text  # noqa: E402
from export import load_model  # noqa: E402
from metrics import score  # noqa: E402


class Item:
    def __init__(self, uid, pcm, text):
        self.id, self.pcm, self.text = uid, pcm, text
        self.labels = []


def read_manifest(folder, keep=lambda r: True):
    root = folder if os.path.isabs(folder) else os.path.join(DATA_ROOT, folder)
    items = []
    with open(os.path.join(root, "manifest.tsv")) as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not keep(r):
                continue
            with wave.open(os.path.join(root, r["wav"]), "rb") as w:
                assert w.getframerate() == 16000
                pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            items.append(Item(r["id"], pcm, normalize_text(r["transcript"])))
    return items


def run(model, items, show=False, batch_seconds=60.0):
    def print_pair(u, hyp):
        print(f"{u.id}\n  ref: {u.text}\n  hyp: {hyp}")

    er = score(model, items, batch_seconds, on_hyp=print_pair if show else None)
    return {"greedyCER": round(er.cer, 4), "greedyWER": round(er.wer, 4), "utterances": len(items),
            "chars": er.chars, "words": er.words}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--json", default=None, help="write the metrics here (export.py --metrics reads it)")
    ap.add_argument("--show", action="store_true", help="print real-dev references and hypotheses")
    ap.add_argument("--no-valid", action="store_true", help="skip the held-out real-train speakers")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, ck = load_model(args.ckpt)
    t0 = time.time()
    metrics = {
        "decoding": "greedy CTC best path, no LM",
        "realDev": run(model, read_manifest("real-dev"), show=args.show),
        "fsddHoldout": run(model, read_manifest("fsdd-dev", lambda r: int(r["id"].rsplit("_", 1)[1]) < 5)),
    }
    synth_test = os.path.join(CACHE_DIR, "synth-test")
    if os.path.exists(os.path.join(synth_test, "manifest.tsv")):
        metrics["synthHeldOutVoice"] = run(model, read_manifest(synth_test))
    if not args.no_valid:
        from dataset import load_set
        valid = [u for u in load_set("real-train") if u.split == "valid"]
        metrics["realTrainHeldOutSpeakers"] = run(model, valid)
    metrics["checkpoint"] = {"step": ck.get("state", {}).get("step"),
                             "trainingMin": round(ck.get("state", {}).get("elapsed", 0.0) / 60, 1)}
    print(json.dumps(metrics, indent=2))
    print(f"evaluated in {time.time() - t0:.0f} s", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    main()
