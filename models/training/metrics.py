"""Greedy CTC decoding and character/word error rates."""
import torch

from common import BLANK, decode_ids


def greedy_decode(logprobs, frames):
    """logprobs [B, T, V], frames [B] → list of strings (best path, repeats merged, blanks removed)."""
    best = logprobs.argmax(dim=-1)
    out = []
    for b in range(best.shape[0]):
        ids, prev = [], BLANK
        for t in best[b, : int(frames[b])].tolist():
            if t != prev and t != BLANK:
                ids.append(t)
            prev = t
        out.append(" ".join(decode_ids(ids).split()))
    return out


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


class ErrorRate:
    def __init__(self):
        self.char_err = self.chars = self.word_err = self.words = 0

    def add(self, ref, hyp):
        self.char_err += edit_distance(ref, hyp)
        self.chars += len(ref)
        self.word_err += edit_distance(ref.split(), hyp.split())
        self.words += len(ref.split())

    @property
    def cer(self):
        return self.char_err / max(1, self.chars)

    @property
    def wer(self):
        return self.word_err / max(1, self.words)


@torch.no_grad()
def score(model, utts, batch_seconds=120.0, on_hyp=None):
    """Greedy CER/WER of `model` (eval mode) over utterances with .pcm int16 and .text, in length-sorted batches of
    at most batch_seconds of padded audio. on_hyp(utt, hyp), when given, sees every hypothesis."""
    from dataset import collate
    was_training = model.training
    model.eval()
    er = ErrorRate()
    utts = sorted(utts, key=lambda u: len(u.pcm))
    i = 0
    while i < len(utts):
        j = i + 1
        while j < len(utts) and len(utts[j].pcm) / 16000.0 * (j + 1 - i) <= batch_seconds:
            j += 1
        batch = utts[i:j]
        pcm, frames, _, _ = collate(batch)
        hyps = greedy_decode(model.utterance_logprobs(pcm), frames)
        for u, h in zip(batch, hyps):
            er.add(u.text, h)
            if on_hyp is not None:
                on_hyp(u, h)
        i = j
    model.train(was_training)
    return er
