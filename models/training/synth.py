"""Synthetic training speech from Debian's TTS voices, augmented, cached like prep_data.py's sets.

  /usr/bin/python3 synth.py [--hours 3.0] [--test-utts 150] [--jobs 2] [--seed 7]

Texts: sentences sampled from the general English trigram LM (../shared/data/lm/en-us-20k-3g.arpa.gz), digit
strings, smart-home commands, names and numbers spoken as words.
Voices: espeak-ng (8 English accents × 13 variants, random rate and pitch), flite (kal16, awb, slt) and
festival (kal and ked diphones, slt HTS). flite `rms` is held out entirely: it speaks only the synthetic
test set, so the test measures an unseen voice.
Augmentation (training part only, each with its own probability): tempo and speed change, reverberation, additive
white or brown noise at 10-35 dB SNR, gain, telephone band (300-3400 Hz through 8 kHz), and random leading and
trailing silence.

Outputs under models/training/data/ (not committed):
  synth.pcm.npy, synth.tsv     the training utterances (same columns as real-train.tsv; split "train")
  synth-test/                  the held-out voice as 16 kHz WAV files plus manifest.tsv (id, wav, transcript),
                               readable by evaluate.py and by `asr eval`
"""
import argparse
import csv
import gzip
import math
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from common import CACHE_DIR, DATA_ROOT, normalize_text, write_wav

HELD_OUT = ("flite", "rms")
ESPEAK_ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
                  "en-029", "en-us-nyc"]
ESPEAK_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "klatt"]
FLITE_TRAIN = ["kal16", "awb", "slt"]
FESTIVAL = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]

# ---------------------------------------------------------------- texts

UNITS = "zero one two three four five six seven eight nine".split()
TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def say_number(n):
    """0 ≤ n < 1,000,000 in words, American style ("one hundred twenty three")."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + UNITS[n % 10])
    if n < 1000:
        return UNITS[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + say_number(n % 100))
    return say_number(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + say_number(n % 1000))


def say_year(y):
    hi, lo = divmod(y, 100)
    if lo == 0:
        return say_number(hi) + " hundred"
    return say_number(hi) + " " + ("oh " + UNITS[lo] if lo < 10 else say_number(lo))


class TrigramSampler:
    """Samples sentences from a backoff ARPA trigram (explicit n-grams first, backing off with their leftover)."""

    def __init__(self, path):
        self.uni, self.bi, self.tri = {}, {}, {}
        order = 0
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("\\") and line.endswith("-grams:"):
                    order = int(line[1])
                    continue
                if not line or line.startswith("\\") or order == 0:
                    continue
                parts = line.split()
                p = 10 ** float(parts[0])
                words = parts[1:1 + order]
                if order == 1:
                    self.uni[words[0]] = p
                else:
                    (self.bi if order == 2 else self.tri).setdefault(tuple(words[:-1]), []).append((words[-1], p))
        self.uni.pop("<s>", None)
        self.uni_words = list(self.uni)
        self.uni_cum = np.cumsum([self.uni[w] for w in self.uni_words])

    def _next(self, rng, ctx):
        for table, key in ((self.tri, tuple(ctx[-2:])), (self.bi, tuple(ctx[-1:]))):
            opts = table.get(key)
            if opts and len(key) == (2 if table is self.tri else 1):
                mass = sum(p for _, p in opts)
                r = rng.random()
                if r < mass:
                    for w, p in opts:
                        r -= p
                        if r <= 0:
                            return w
                    return opts[-1][0]
        i = int(np.searchsorted(self.uni_cum, rng.random() * self.uni_cum[-1]))
        return self.uni_words[min(i, len(self.uni_words) - 1)]

    def sentence(self, rng, min_words=4, max_words=16):
        while True:
            ctx = ["<s>"]
            while len(ctx) <= max_words + 1:
                w = self._next(rng, ctx)
                if w == "</s>":
                    break
                ctx.append(w)
            words = ctx[1:]
            if min_words <= len(words) <= max_words:
                return " ".join(words)


ROOMS = ["kitchen", "living room", "bedroom", "bathroom", "dining room", "hallway", "office", "garage"]
CONTACTS = ["mom", "dad", "grandma", "alice", "bob", "carol", "david", "emma", "james", "olivia", "the doctor"]
CITIES = ["london", "paris", "new york", "boston", "chicago", "seattle", "berlin", "tokyo"]
FIRST = ["john", "mary", "james", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
         "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
         "daniel", "nancy", "matthew", "lisa", "anthony", "betty", "mark", "sandra", "paul", "ashley", "steven",
         "emily", "andrew", "donna", "kevin", "michelle", "brian", "carol", "george", "amanda", "peter", "anna"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "wilson", "anderson", "taylor", "thomas", "moore", "jackson", "martin", "lee", "thompson", "white",
        "harris", "clark", "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott", "green",
        "baker", "adams", "nelson", "hill", "campbell", "mitchell", "roberts", "carter", "phillips", "evans"]


def command(rng):
    n = rng.randint(1, 99)
    unit = rng.choice(["seconds", "minutes", "hours"]) if n > 1 else rng.choice(["second", "minute", "hour"])
    forms = [
        f"turn {rng.choice(['on', 'off'])} the {rng.choice(ROOMS)} lights",
        f"{rng.choice(['dim', 'brighten'])} the {rng.choice(ROOMS)} lights",
        f"set a timer for {say_number(n)} {unit}",
        f"set an alarm for {say_number(rng.randint(1, 12))} o'clock in the {rng.choice(['morning', 'evening'])}",
        f"call {rng.choice(CONTACTS)}",
        f"what's the weather in {rng.choice(CITIES)} {rng.choice(['today', 'tomorrow', 'this weekend'])}",
        f"set the thermostat to {say_number(rng.randint(55, 85))} degrees",
        f"{rng.choice(['play', 'pause', 'stop', 'resume'])} the music",
        f"turn the volume {rng.choice(['up', 'down'])}",
        f"{rng.choice(['next', 'previous'])} {rng.choice(['song', 'track'])}",
        "cancel the timer",
        "how much time is left on the timer",
    ]
    s = rng.choice(forms)
    if rng.random() < 0.3:
        s = rng.choice(["please ", "can you ", "could you "]) + s
    return s


def digits(rng):
    n = rng.choice([1, 1, 2, 3, 4, 4, 5, 7, 7, 10, 10, 16])
    return " ".join(rng.choice(UNITS + ["oh"]) for _ in range(n))


def names(rng):
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return rng.choice([f"my name is {name}", f"please call {name}", f"this is {name} speaking",
                       f"send a message to {name}", name])


def numbers(rng):
    k = rng.random()
    if k < 0.3:
        return f"the total is {say_number(rng.randint(1, 999))} dollars and {say_number(rng.randint(1, 99))} cents"
    if k < 0.55:
        return f"in {say_year(rng.randint(1900, 2030))}"
    if k < 0.8:
        return say_number(rng.randint(0, 999999))
    return f"room {say_number(rng.randint(100, 999))} on the {rng.choice(['first', 'second', 'third', 'fifth', 'tenth'])} floor"


def make_texts(rng, n, lm):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            t = lm.sentence(rng)
        elif r < 0.70:
            t = digits(rng)
        elif r < 0.82:
            t = command(rng)
        elif r < 0.90:
            t = names(rng)
        else:
            t = numbers(rng)
        out.append(normalize_text(t))
    return out


# ---------------------------------------------------------------- voices and audio


def pick_voice(rng):
    r = rng.random()
    if r < 0.55:
        accent, variant = rng.choice(ESPEAK_ACCENTS), rng.choice(ESPEAK_VARIANTS)
        return ("espeak", accent + ("+" + variant if variant else ""), rng.randint(120, 200), rng.randint(25, 75))
    if r < 0.8:
        return ("flite", rng.choice(FLITE_TRAIN), 0, 0)
    return ("festival", rng.choice(FESTIVAL), 0, 0)


def synthesize(voice, text, path):
    kind, name, rate, pitch = voice
    if kind == "espeak":
        cmd = ["espeak-ng", "-v", name, "-s", str(rate), "-p", str(pitch), "-w", path, text]
    elif kind == "flite":
        cmd = ["flite", "-voice", name, "-t", text, "-o", path]
    else:
        cmd = ["text2wave", "-eval", f"(voice_{name})", "-o", path]
    subprocess.run(cmd, input=text.encode() if kind == "festival" else None, check=True, capture_output=True,
                   timeout=120)


def sox_chain(rng, augment):
    """Effects after conversion to 16 kHz mono: tempo/speed, reverb, telephone band, gain."""
    fx = []
    if not augment:
        return fx
    if rng.random() < 0.5:
        fx += ["tempo", "-s", f"{rng.uniform(0.85, 1.2):.3f}"]
    elif rng.random() < 0.4:
        fx += ["speed", f"{rng.uniform(0.9, 1.1):.3f}"]
    if rng.random() < 0.3:
        fx += ["reverb", str(rng.randint(20, 70)), "50", str(rng.randint(30, 100))]
    if rng.random() < 0.15:
        fx += ["sinc", "300-3400", "rate", "8k", "rate", "16k"]
    fx += ["gain", "-n", f"{rng.uniform(-14.0, -1.0):.1f}"]
    return fx


def render(job):
    """One utterance: TTS → 16 kHz mono int16 with augmentation. Returns (index, int16 array) or (index, None)."""
    idx, text, voice, augment, seed = job
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "tts.wav")
        try:
            synthesize(voice, text, raw)
            cmd = ["sox", "-V1", raw, "-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-",
                   "remix", "-", "rate", "-v", "16k"] + sox_chain(rng, augment)
            out = subprocess.run(cmd, check=True, capture_output=True, timeout=120).stdout
        except (subprocess.SubprocessError, OSError):
            return idx, None
    x = np.frombuffer(out, dtype="<i2").astype(np.float32)
    if len(x) < 1600:
        return idx, None
    if augment:
        lead = np.zeros(rng.randint(800, 6400), np.float32)
        tail = np.zeros(rng.randint(800, 6400), np.float32)
        x = np.concatenate([lead, x, tail])
        if rng.random() < 0.5:
            nrng = np.random.default_rng(seed)
            noise = nrng.standard_normal(len(x)).astype(np.float32)
            if rng.random() < 0.5:  # brown-ish noise: integrated white noise, high-passed by mean removal
                noise = np.cumsum(noise)
                noise -= np.convolve(noise, np.ones(401) / 401, mode="same")
            speech_rms = math.sqrt(float(np.mean(x * x)) + 1e-6)
            noise *= speech_rms * 10 ** (-rng.uniform(10.0, 35.0) / 20.0) / (float(np.std(noise)) + 1e-9)
            x = x + noise
    return idx, np.clip(np.round(x), -32768, 32767).astype(np.int16)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=3.0, help="approximate training audio to synthesize")
    ap.add_argument("--test-utts", type=int, default=150, help="utterances of the held-out voice")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lm = TrigramSampler(os.path.join(DATA_ROOT, "lm", "en-us-20k-3g.arpa.gz"))
    n_train = int(args.hours * 3600 / 3.2)  # ~3.2 s per utterance on average
    texts = make_texts(rng, n_train + args.test_utts, lm)
    jobs = []
    for i, t in enumerate(texts):
        test = i >= n_train
        voice = ("flite", HELD_OUT[1], 0, 0) if test else pick_voice(rng)
        jobs.append((i, t, voice, not test, rng.randrange(1 << 30)))
    results = [None] * len(jobs)
    done = 0
    with ProcessPoolExecutor(args.jobs) as ex:
        for idx, pcm in ex.map(render, jobs, chunksize=8):
            results[idx] = pcm
            done += 1
            if done % 500 == 0:
                print(f"{done}/{len(jobs)}", file=sys.stderr, flush=True)

    os.makedirs(CACHE_DIR, exist_ok=True)
    chunks, offset, failed = [], 0, 0
    with open(os.path.join(CACHE_DIR, "synth.tsv"), "w") as f:
        f.write("id\toffset\tsamples\ttranscript\tspeaker\tcorpus\tsplit\n")
        for (i, text, voice, _, _), pcm in zip(jobs[:n_train], results[:n_train]):
            if pcm is None:
                failed += 1
                continue
            speaker = f"{voice[0]}:{voice[1]}"
            f.write(f"synth_{i:05d}\t{offset}\t{len(pcm)}\t{text}\t{speaker}\tsynth-{voice[0]}\ttrain\n")
            chunks.append(pcm)
            offset += len(pcm)
    np.save(os.path.join(CACHE_DIR, "synth.pcm.npy"), np.concatenate(chunks))
    test_dir = os.path.join(CACHE_DIR, "synth-test")
    os.makedirs(test_dir, exist_ok=True)
    with open(os.path.join(test_dir, "manifest.tsv"), "w") as f:
        f.write("id\twav\ttranscript\n")
        for (i, text, _, _, _), pcm in zip(jobs[n_train:], results[n_train:]):
            if pcm is None:
                failed += 1
                continue
            uid = f"synth_test_{i:05d}"
            write_wav(os.path.join(test_dir, uid + ".wav"), pcm)
            f.write(f"{uid}\t{uid}.wav\t{text}\n")
    print(f"train {len(chunks)} utts {offset / 16000 / 3600:.2f} h; test {args.test_utts} utts "
          f"(voice {HELD_OUT[0]}:{HELD_OUT[1]}); failed {failed}", file=sys.stderr)


if __name__ == "__main__":
    main()
