"""Shared constants for the acoustic-model scripts: paths, token inventory, text normalisation."""
import os
import re
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA_ROOT = os.environ.get("ASR_DATA_ROOT", os.path.join(os.path.dirname(REPO), "shared", "data"))
CACHE_DIR = os.path.join(HERE, "data")

SAMPLE_RATE = 16000
# Token id 0 is the CTC blank; this order is the model card's `tokens` array and must never change.
TOKENS = ["<blk>", "<space>", "'"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
BLANK, SPACE = 0, 1
_CHAR_TO_ID = {" ": SPACE, "'": 2, **{chr(c): 3 + c - ord("a") for c in range(ord("a"), ord("z") + 1)}}


def normalize_text(text):
    """Lower-case, keep a-z, apostrophe and single spaces (the data is already normalised this way)."""
    text = re.sub(r"[^a-z' ]", " ", text.lower())
    return re.sub(r" +", " ", text).strip()


def encode(text):
    return [_CHAR_TO_ID[c] for c in text]


def decode_ids(ids):
    return "".join(" " if i == SPACE else TOKENS[i] for i in ids)


def write_wav(path, pcm):
    """int16 samples → a 16 kHz mono WAV file."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
