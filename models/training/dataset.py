"""In-memory training data: the int16 PCM caches written by prep_data.py, length-bucketed batches, augmentation."""
import csv
import math
import os
import random

import numpy as np
import torch

from common import CACHE_DIR, encode
from model import FRAME_SHIFT


class Utterance:
    __slots__ = ("id", "pcm", "text", "labels", "speaker", "corpus", "split")

    def __init__(self, uid, pcm, text, speaker, corpus, split):
        self.id, self.pcm, self.text, self.speaker, self.corpus, self.split = uid, pcm, text, speaker, corpus, split
        self.labels = encode(text)

    @property
    def seconds(self):
        return len(self.pcm) / 16000.0


def load_set(name):
    pcm = np.load(os.path.join(CACHE_DIR, name + ".pcm.npy"), mmap_mode="r")
    utts = []
    with open(os.path.join(CACHE_DIR, name + ".tsv")) as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            off, n = int(r["offset"]), int(r["samples"])
            utts.append(Utterance(r["id"], np.array(pcm[off:off + n]), r["transcript"], r["speaker"],
                                  r["corpus"], r["split"]))
    return utts


def make_batches(utts, batch_seconds, rng, max_seconds=None, min_utts=16):
    """Shuffle, sort within pools of 200, cut into batches of padded size ≤ batch_seconds but ≥ min_utts.

    The minimum count matters on CPU: a GRU step costs nearly the same for 4 or 12 sequences, so batches of a
    few long utterances would run at a third of the throughput.
    """
    pool = [u for u in utts if max_seconds is None or u.seconds <= max_seconds]
    rng.shuffle(pool)
    batches = []
    for i in range(0, len(pool), 200):
        group = sorted(pool[i:i + 200], key=lambda u: u.seconds)
        cur = []
        for u in group:
            if len(cur) >= min_utts and u.seconds * (len(cur) + 1) > batch_seconds:
                batches.append(cur)
                cur = []
            cur.append(u)
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def speed_perturb(x, factor):
    """Resample by linear interpolation: tempo and pitch change together, like `sox speed`."""
    n = int(round(len(x) / factor))
    pos = np.arange(n, dtype=np.float64) * factor
    return np.interp(pos, np.arange(len(x)), x).astype(np.float32)


def reverberate(x, rng):
    """Convolve with a synthetic room response: a direct path plus exponentially decaying noise (RT60 0.15-0.6 s)."""
    rt60 = rng.uniform(0.15, 0.6)
    n = int(rt60 * 16000)
    t = np.arange(n, dtype=np.float32) / 16000.0
    rir = np.random.default_rng(rng.randrange(1 << 30)).standard_normal(n).astype(np.float32) \
        * np.exp(-6.9 * t / rt60) * rng.uniform(0.05, 0.3)
    rir[0] = 1.0
    size = 1 << int(math.ceil(math.log2(len(x) + n)))
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(rir, size), size)[:len(x)].astype(np.float32)
    return y * (math.sqrt(float(np.mean(x * x)) + 1e-10) / math.sqrt(float(np.mean(y * y)) + 1e-10))


def telephone_band(x):
    """300-3400 Hz band (what an 8 kHz telephone channel passes), then 8-bit mu-law quantisation."""
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1.0 / 16000.0)
    spec[(freqs < 300.0) | (freqs > 3400.0)] = 0.0
    y = np.fft.irfft(spec, len(x)).astype(np.float32)
    peak = float(np.max(np.abs(y))) + 1e-9
    mu = 255.0
    q = np.round(np.sign(y / peak) * np.log1p(mu * np.abs(y / peak)) / np.log1p(mu) * 127.0) / 127.0
    return (np.sign(q) * np.expm1(np.abs(q) * np.log1p(mu)) / mu * peak).astype(np.float32)


def collate(batch, rng=None, augment=()):
    """→ pcm [B, S] float32 (S a multiple of 320), frames [B], labels (concatenated), label lengths [B].

    augment: any of "speed", "gain", "reverb", "telephone", "noise" (waveform augmentations applied here).
    """
    waves = []
    for u in batch:
        x = u.pcm.astype(np.float32) / 32768.0
        if "speed" in augment:
            x = speed_perturb(x, rng.choice([0.9, 1.0, 1.1]))
        if "gain" in augment:
            x = x * 10 ** (rng.uniform(-12.0, 6.0) / 20.0)
        if "reverb" in augment and rng.random() < 0.3:
            x = reverberate(x, rng)
        if "telephone" in augment and rng.random() < 0.15:
            x = telephone_band(x)
        if "noise" in augment:
            if rng.random() < 0.5:
                rms = math.sqrt(float(np.mean(x * x)) + 1e-10)
                snr_db = rng.uniform(10.0, 40.0)
                x = x + np.random.default_rng(rng.randrange(1 << 30)).standard_normal(len(x)).astype(np.float32) \
                    * rms * 10 ** (-snr_db / 20.0)
        if augment:
            x = np.clip(x, -1.0, 1.0)
        waves.append(x)
    frames = [math.ceil(len(x) / FRAME_SHIFT) for x in waves]
    total = max(frames) * FRAME_SHIFT
    pcm = torch.zeros(len(waves), total)
    for i, x in enumerate(waves):
        pcm[i, :len(x)] = torch.from_numpy(x)
    labels = torch.tensor([t for u in batch for t in u.labels], dtype=torch.long)
    label_lens = torch.tensor([len(u.labels) for u in batch], dtype=torch.long)
    return pcm, torch.tensor(frames, dtype=torch.long), labels, label_lens


class SpecAugment:
    """Frequency and time masks on normalised log-mel features [B, 1, T, mels] (masked to 0 = the mean)."""

    def __init__(self, rng, freq_masks=2, freq_width=10, time_width=20, time_masks_per_sec=0.5):
        self.rng, self.fm, self.fw, self.tw, self.tps = rng, freq_masks, freq_width, time_width, time_masks_per_sec

    def __call__(self, feats):
        feats = feats.clone()
        b, _, t, m = feats.shape
        for i in range(b):
            for _ in range(self.fm):
                w = self.rng.randint(0, self.fw)
                f0 = self.rng.randint(0, m - w)
                feats[i, :, :, f0:f0 + w] = 0.0
            for _ in range(int(math.ceil(t / 100.0 * self.tps))):
                w = self.rng.randint(0, self.tw)
                t0 = self.rng.randint(0, max(0, t - w))
                feats[i, :, t0:t0 + w, :] = 0.0
        return feats
