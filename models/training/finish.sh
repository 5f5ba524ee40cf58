#!/bin/sh
# Evaluate a checkpoint and export it, with its metrics, over models/ds2-stream-en/ (default: the best one).
set -eu
cd "$(dirname "$0")"
ckpt="${1:-data/runs/main/best.pt}"
# What the main run did (train.py was stopped and resumed to change it; see README.md).
AUGMENTATION="${AUGMENTATION:-from 35 to 55 min (held-out CER < 50 %): speed perturbation 0.9/1.0/1.1, gain -12..+6 dB, \
white noise at 10-40 dB SNR (p 0.5), SpecAugment (2 freq masks <= 10 of 64 bins, time masks <= 0.2 s, 0.5/s); \
from 55 min to the end: speed perturbation and gain only (the held-out CER had stopped improving under all four)}"
/usr/bin/python3 evaluate.py --ckpt "$ckpt" --json data/eval.json --show > data/eval.txt
tail -n 40 data/eval.txt
/usr/bin/python3 export.py --ckpt "$ckpt" --out ../ds2-stream-en --metrics data/eval.json --status "${STATUS:-trained}" \
  --augmentation "$AUGMENTATION" 2>&1 | grep -v -i warn
