"""Streaming Deep Speech 2 style CTC acoustic model: raw 16 kHz PCM in, 29-token log-probs out, state carried.

One forward pass serves both training (whole utterances from zero state) and streaming inference (chunks
with the returned state), so the ONNX export is the training graph itself and chunked output equals
whole-utterance output exactly:

  pcm ─(cache 240 samples)→ Conv1d with fixed Hann-windowed DFT weights (25 ms window, 10 ms hop)
      → power → mel (64 bins) → log → fixed per-bin normalisation
      → Conv2d 3×11, stride 2×2 (time×freq), BatchNorm, clipped ReLU   (cache: 1 feature frame)
      → Conv2d 3×11, stride 1×2,             BatchNorm, clipped ReLU   (cache: 2 frames)
      → [LayerNorm → GRU] × L                                         (state: hidden)
      → lookahead (row) convolution over τ future frames, depthwise    (cache: τ frames)
      → LayerNorm → Linear → log-softmax

Everything before the lookahead convolution is causal at 20 ms resolution: output frame j of the second
convolution has seen samples [0, 320·(j+1)). The lookahead convolution makes output frame k describe audio
frame k − τ, so the card's delayFrames = τ and flushSamples = 320·τ.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SAMPLE_RATE = 16000
WIN = 400        # 25 ms
HOP = 160        # 10 ms
FRAME_SHIFT = 2 * HOP  # 20 ms output frames (time stride 2 in the first conv)
N_MELS = 64
N_TOKENS = 29


def mel_filterbank(n_fft_bins, n_mels, sr, fmin=20.0, fmax=7600.0):
    def hz_to_mel(f):
        return 2595.0 * math.log10(1.0 + f / 700.0)

    def mel_to_hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    mels = torch.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    hz = torch.tensor([mel_to_hz(float(m)) for m in mels])
    bins = torch.linspace(0, sr / 2, n_fft_bins)
    fb = torch.zeros(n_fft_bins, n_mels)
    for m in range(n_mels):
        lo, ce, hi = hz[m], hz[m + 1], hz[m + 2]
        up = (bins - lo) / (ce - lo)
        down = (hi - bins) / (hi - ce)
        fb[:, m] = torch.clamp(torch.minimum(up, down), min=0.0)
    return fb


class LogMel(nn.Module):
    """Log-mel features by a Conv1d with fixed DFT weights (torch.stft does not export to ONNX in 1.13)."""

    def __init__(self):
        super().__init__()
        n_bins = WIN // 2 + 1
        n = torch.arange(WIN, dtype=torch.float64)
        k = torch.arange(n_bins, dtype=torch.float64)
        window = 0.5 - 0.5 * torch.cos(2 * math.pi * n / WIN)  # periodic Hann
        ang = 2 * math.pi * k[:, None] * n[None, :] / WIN
        weight = torch.cat([torch.cos(ang) * window, -torch.sin(ang) * window]).float().unsqueeze(1)
        self.register_buffer("dft", weight)                       # [2·bins, 1, WIN]
        self.register_buffer("mel", mel_filterbank(n_bins, N_MELS, SAMPLE_RATE))  # [bins, mels]
        self.register_buffer("mean", torch.zeros(N_MELS))
        self.register_buffer("std", torch.ones(N_MELS))
        self.n_bins = n_bins

    def forward(self, pcm):
        """pcm [B, 240 + 160·n] (cache prepended) → [B, n, N_MELS]."""
        spec = F.conv1d(pcm.unsqueeze(1), self.dft, stride=HOP)  # [B, 2·bins, n]
        re, im = spec[:, : self.n_bins], spec[:, self.n_bins:]
        power = re * re + im * im
        mel = torch.matmul(power.transpose(1, 2), self.mel)
        logmel = torch.log(mel + 1e-6)
        return (logmel - self.mean) / self.std


class StreamingDS2(nn.Module):
    def __init__(self, hidden=320, layers=4, channels=32, lookahead=3):
        super().__init__()
        self.hidden, self.layers, self.channels, self.lookahead = hidden, layers, channels, lookahead
        self.features = LogMel()
        self.conv1 = nn.Conv2d(1, channels, (3, 11), stride=(2, 2), padding=(0, 5), bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, (3, 11), stride=(1, 2), padding=(0, 5), bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.f1 = (N_MELS + 1) // 2
        self.f2 = (self.f1 + 1) // 2
        rnn_in = channels * self.f2
        self.norms = nn.ModuleList()
        self.grus = nn.ModuleList()
        for i in range(layers):
            self.norms.append(nn.LayerNorm(rnn_in if i == 0 else hidden))
            self.grus.append(nn.GRU(rnn_in if i == 0 else hidden, hidden, batch_first=True))
        # Depthwise row convolution; starts as a pure τ-frame delay so it cannot slow the start of training.
        self.row = nn.Conv1d(hidden, hidden, lookahead + 1, groups=hidden, bias=False)
        with torch.no_grad():
            self.row.weight.zero_()
            self.row.weight[:, 0, 0] = 1.0
        self.out_norm = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, N_TOKENS)

    # --- state -------------------------------------------------------------------------------------------
    def state_specs(self):
        """(name, shape with -1 for batch, batchAxis) for every state tensor, in graph input order."""
        return [
            ("pcm_cache", [-1, WIN - HOP], 0),
            ("conv1_cache", [-1, 1, 1, N_MELS], 0),
            ("conv2_cache", [-1, self.channels, 2, self.f1], 0),
            ("gru_h", [self.layers, -1, self.hidden], 1),
            ("lookahead_cache", [-1, self.hidden, self.lookahead], 0),
        ]

    def initial_state(self, batch, device="cpu"):
        return [torch.zeros([batch if d == -1 else d for d in shape], device=device)
                for _, shape, _ in self.state_specs()]

    # --- forward -----------------------------------------------------------------------------------------
    def forward(self, pcm, pcm_cache, conv1_cache, conv2_cache, gru_h, lookahead_cache, spec_augment=None):
        """pcm [B, 320·n] → (logprobs [B, n, 29], *new states). Chunked calls equal one whole call."""
        x = torch.cat([pcm_cache, pcm], dim=1)
        new_pcm_cache = x[:, -(WIN - HOP):]
        feats = self.features(x).unsqueeze(1)                   # [B, 1, 2n, mels]
        if spec_augment is not None:
            feats = spec_augment(feats)
        x = torch.cat([conv1_cache, feats], dim=2)              # [B, 1, 2n+1, mels]
        new_conv1_cache = x[:, :, -1:]
        x = F.hardtanh(self.bn1(self.conv1(x)), 0.0, 20.0)     # [B, C, n, f1]
        x = torch.cat([conv2_cache, x], dim=2)                  # [B, C, n+2, f1]
        new_conv2_cache = x[:, :, -2:]
        x = F.hardtanh(self.bn2(self.conv2(x)), 0.0, 20.0)     # [B, C, n, f2]
        x = x.permute(0, 2, 1, 3).flatten(2)                    # [B, n, C·f2]
        hs = []
        for i in range(self.layers):
            x, h = self.grus[i](self.norms[i](x), gru_h[i:i + 1])
            hs.append(h)
        new_gru_h = torch.cat(hs, dim=0)
        x = torch.cat([lookahead_cache, x.transpose(1, 2)], dim=2)  # [B, H, τ+n]
        new_lookahead_cache = x[:, :, -self.lookahead:]
        x = self.row(x).transpose(1, 2)                         # [B, n, H]
        logits = self.out(self.out_norm(x))
        return (F.log_softmax(logits, dim=-1), new_pcm_cache, new_conv1_cache, new_conv2_cache,
                new_gru_h, new_lookahead_cache)

    def utterance_logprobs(self, pcm, spec_augment=None):
        """Whole-utterance pass as the runtime sees it: zero state, `flush` zeros appended, first τ dropped.

        pcm [B, S] with S a multiple of 320 → [B, S/320, 29] aligned to audio frames.
        """
        flush = pcm.new_zeros(pcm.shape[0], FRAME_SHIFT * self.lookahead)
        out = self.forward(torch.cat([pcm, flush], dim=1), *self.initial_state(pcm.shape[0], pcm.device),
                           spec_augment=spec_augment)[0]
        return out[:, self.lookahead:]

    def config(self):
        return {"hidden": self.hidden, "layers": self.layers, "channels": self.channels,
                "lookahead": self.lookahead}
