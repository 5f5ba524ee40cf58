#!/bin/sh
# Evaluate a checkpoint, export it over models/ds2-stream-en/ (ONNX + card + fp16 weights), tune the card's blank
# penalty, then measure the model the way the server runs it (through the decoding graphs); all numbers go into
# the card.
#   ./finish.sh [CHECKPOINT]           default data/runs/main/best.pt
# Environment: AUGMENTATION (card text for the run's augmentation, default from the checkpoint), STATUS.
set -eu
cd "$(dirname "$0")"
ckpt="${1:-data/runs/main/best.pt}"
/usr/bin/python3 evaluate.py --ckpt "$ckpt" --json data/eval.json --show > data/eval.txt
tail -n 40 data/eval.txt
if [ -n "${AUGMENTATION:-}" ]; then set -- --augmentation "$AUGMENTATION"; else set --; fi
/usr/bin/python3 export.py --ckpt "$ckpt" --out ../ds2-stream-en --metrics data/eval.json \
  --status "${STATUS:-trained}" "$@" 2>&1 | grep -v -i warn

# The card's blank penalty and acoustic scale, tuned on the held-out real-train speakers with the exported model.
/usr/bin/python3 tune_decoder.py --json data/tune.json

# Word error rates through the graphs, with the exported ONNX model (the server's decoding path).
data_root="${ASR_DATA_ROOT:-../../../shared/data}"
mkdir -p data/fsdd-holdout
# FSDD's own test convention: recordings 0-4 of each digit and speaker, never trained on.
awk -F '\t' -v root="$(cd "$data_root/fsdd-dev" && pwd)" 'NR == 1 { print "id\twav\ttranscript"; next }
  { n = split($1, p, "_"); if (p[n] < 5) print $1 "\t" root "/" $2 "\t" $3 }' \
  "$data_root/fsdd-dev/manifest.tsv" > data/fsdd-holdout/manifest.tsv
here="$(pwd)"
best="$(/usr/bin/python3 -c 'import json; b = json.load(open("data/tune.json"))["best"]
print(json.dumps({"blankPenalty": b["blankPenalty"], "acousticScale": b["acousticScale"]}))')"
asr() { (cd ../.. && node bin/asr.js "$@" --decoder "$best"); }
asr eval "$(cd "$data_root/real-dev" && pwd)/manifest.tsv" --grammar en --json > data/graph-real-dev.json
asr eval "$here/data/fsdd-holdout/manifest.tsv" --grammar digit --json > data/graph-fsdd-holdout.json
if [ -f data/synth-test/manifest.tsv ]; then
  asr eval "$here/data/synth-test/manifest.tsv" --grammar en --json > data/graph-synth-test.json
fi
/usr/bin/python3 - <<'EOF'
import json, os
path = "../ds2-stream-en/model.json"
card, tune = json.load(open(path)), json.load(open("data/tune.json"))
card["decoder"] = {"blankPenalty": tune["best"]["blankPenalty"], "acousticScale": tune["best"]["acousticScale"]}
card["decoderTuning"] = tune
graphs = {"decoding": "asr eval: the exported ONNX model decoded by the WFST decoder with the named grammar "
                      "(the card's decoder settings over the engine defaults)"}
for key, name, grammar in (("realDev", "real-dev", "en"), ("fsddHoldout", "fsdd-holdout", "digit"),
                           ("synthHeldOutVoice", "synth-test", "en")):
    f = f"data/graph-{name}.json"
    if os.path.exists(f):
        r = json.load(open(f))
        graphs[key] = {"grammar": grammar, "WER": round(r["wer"], 4), "CER": round(r["cer"], 4),
                       "utterances": r["utterances"]}
card["metrics"]["withGraphs"] = graphs
with open(path, "w") as out:
    json.dump(card, out, indent=2)
    out.write("\n")
print(json.dumps({"decoder": card["decoder"], "withGraphs": graphs}, indent=2))
EOF
