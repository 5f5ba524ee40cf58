"""Decode the training corpora once into a single int16 PCM cache (16 kHz) plus a TSV index.

Outputs (under models/training/data/, which is not committed):
  <set>.pcm.npy   int16, all utterances of the set concatenated
  <set>.tsv       id, offset, samples, transcript, speaker, corpus, split

Sets: real-train (Opus, decoded with `opusdec --rate 16000`) and fsdd (16 kHz WAV). real-dev is never
cached here: it is read straight from its WAV files by evaluate.py, so it cannot leak into training.
"""
import argparse
import csv
import os
import subprocess
import sys
import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from common import DATA_ROOT, CACHE_DIR, normalize_text

# Speakers of real-train that never enter training: the fixed validation slice logged during training.
VALID_SPEAKERS = {
    "2514", "248",  # librispeech_finetuning, 10 and 11 utterances
    "so762_0024", "so762_0025", "so762_0026",
}
VALID_CV_EVERY = 10  # every 10th Common Voice speaker (sorted) is held out too


def decode_opus(path):
    raw = subprocess.run(["opusdec", "--rate", "16000", "--quiet", path, "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2")


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def write_set(name, rows, audios):
    offsets = np.cumsum([0] + [len(a) for a in audios])
    pcm = np.concatenate(audios).astype(np.int16)
    np.save(os.path.join(CACHE_DIR, name + ".pcm.npy"), pcm)
    with open(os.path.join(CACHE_DIR, name + ".tsv"), "w") as f:
        f.write("id\toffset\tsamples\ttranscript\tspeaker\tcorpus\tsplit\n")
        for r, off, a in zip(rows, offsets, audios):
            f.write(f"{r['id']}\t{off}\t{len(a)}\t{r['text']}\t{r['speaker']}\t{r['corpus']}\t{r['split']}\n")
    print(f"{name}: {len(rows)} utterances, {len(pcm) / 16000 / 3600:.2f} h", file=sys.stderr)


def prep_real_train(jobs):
    root = os.path.join(DATA_ROOT, "real-train")
    rows = []
    for corpus in sorted(os.listdir(root)):
        man = os.path.join(root, corpus, "manifest.tsv")
        if not os.path.exists(man):
            continue
        with open(man) as f:
            for r in csv.DictReader(f, delimiter="\t"):
                rows.append({"id": r["id"], "path": os.path.join(root, corpus, r["file"]),
                             "text": normalize_text(r["transcript"]), "speaker": r["speaker"], "corpus": corpus})
    cv_speakers = sorted({r["speaker"] for r in rows if r["corpus"] == "commonvoice"})
    valid = VALID_SPEAKERS | set(cv_speakers[::VALID_CV_EVERY])
    for r in rows:
        r["split"] = "valid" if r["speaker"] in valid else "train"
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        audios = list(ex.map(lambda r: decode_opus(r["path"]), rows))
    write_set("real-train", rows, audios)


def prep_fsdd():
    root = os.path.join(DATA_ROOT, "fsdd-dev")
    rows, audios = [], []
    with open(os.path.join(root, "manifest.tsv")) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            index = int(r["id"].rsplit("_", 1)[1])
            # FSDD's own convention: recordings 0-4 of each digit and speaker are the test split.
            rows.append({"id": r["id"], "text": normalize_text(r["transcript"]), "speaker": r["id"].split("_")[1],
                         "corpus": "fsdd", "split": "holdout" if index < 5 else "train"})
            audios.append(read_wav(os.path.join(root, r["wav"])))
    write_set("fsdd", rows, audios)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2, help="concurrent opusdec processes (default 2)")
    args = ap.parse_args()
    os.makedirs(CACHE_DIR, exist_ok=True)
    prep_fsdd()
    prep_real_train(args.jobs)


if __name__ == "__main__":
    main()
