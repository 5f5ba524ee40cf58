"""Tune the card's decoder blank penalty and acoustic scale on the held-out real-train speakers (never on real-dev).

  /usr/bin/python3 tune_decoder.py [--model ../ds2-stream-en] [--penalties 0,0.5,1,1.5,2,2.5] [--scales 0.8,1,1.2]
                                   [--json data/tune.json]

Writes the held-out utterances of the training cache as WAV files (data/valid-wav/, with manifest.tsv), decodes
them with `asr eval --grammar en --decoder '{"blankPenalty": p, "acousticScale": s}'` (the exported ONNX model,
the server's decoder) for each pair, and prints WER/CER per pair and the best one (lowest WER, ties to the lower
CER).
"""
import argparse
import json
import os
import subprocess
import sys

from common import CACHE_DIR, REPO, write_wav
from dataset import load_set


def write_valid(folder):
    os.makedirs(folder, exist_ok=True)
    manifest = os.path.join(folder, "manifest.tsv")
    with open(manifest, "w") as f:
        f.write("id\twav\ttranscript\n")
        for u in load_set("real-train"):
            if u.split != "valid":
                continue
            write_wav(os.path.join(folder, u.id + ".wav"), u.pcm)
            f.write(f"{u.id}\t{u.id}.wav\t{u.text}\n")
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(REPO, "models", "ds2-stream-en"))
    ap.add_argument("--penalties", default="0,0.5,1,1.5,2,2.5")
    ap.add_argument("--scales", default="0.8,1,1.2")
    ap.add_argument("--grammar", default="en")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    manifest = write_valid(os.path.join(CACHE_DIR, "valid-wav"))
    rows = []
    for s in [float(x) for x in args.scales.split(",")]:
        for p in [float(x) for x in args.penalties.split(",")]:
            out = subprocess.run(["node", "bin/asr.js", "eval", manifest, "--json", "--grammar", args.grammar,
                                  "--model", os.path.abspath(args.model), "--decoder",
                                  json.dumps({"blankPenalty": p, "acousticScale": s})],
                                 cwd=REPO, check=True, capture_output=True, text=True)
            r = json.loads(out.stdout)
            rows.append({"blankPenalty": p, "acousticScale": s, "WER": round(r["wer"], 4), "CER": round(r["cer"], 4)})
            print(f"acousticScale {s:4.2f} blankPenalty {p:4.1f}  WER {r['wer'] * 100:5.1f} %  "
                  f"CER {r['cer'] * 100:5.1f} %", flush=True)
    best = min(rows, key=lambda r: (r["WER"], r["CER"]))
    print(f"best blankPenalty {best['blankPenalty']} acousticScale {best['acousticScale']}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"set": "held-out real-train speakers (52 utterances)", "grammar": args.grammar,
                       "sweep": rows, "best": best}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
