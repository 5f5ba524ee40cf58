"""Train the streaming DS2 CTC model on real-train (+ fsdd digits), resumable, on one CPU thread.

  /usr/bin/python3 train.py --run data/runs/main --budget-min 110         # start or resume
  /usr/bin/python3 train.py --run data/runs/overfit --overfit 32 --steps 40  # sanity check

Schedule (all driven by training wall time, so a resumed run continues the same schedule):
  AdamW lr 5e-4, 50 warm-up steps, flat, cosine decay to 5 % over the last quarter of --budget-min;
  only utterances < 5 s for the first --short-min minutes, then everything; augmentation (--augment, from
  speed 0.9/1.0/1.1, gain, white noise, SpecAugment) switches on once held-out greedy CER < --augment-below-cer.
Every --eval-min minutes: greedy CER/WER on the fixed held-out real-train speakers and the fsdd holdout.
Checkpoints: <run>/last.pt every --ckpt-min minutes and at the end, <run>/best.pt on the best held-out CER.
"""
import argparse
import json
import math
import os
import random
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from dataset import SpecAugment, collate, load_set, make_batches  # noqa: E402
from metrics import score  # noqa: E402
from model import StreamingDS2  # noqa: E402


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def feature_stats(model, utts, rng, n=300):
    """Per-mel-bin mean/std of log-mel over n random training utterances (frozen into the model)."""
    acc = []
    with torch.no_grad():
        for u in rng.sample(utts, min(n, len(utts))):
            x = torch.from_numpy(u.pcm.astype(np.float32) / 32768.0)[None]
            x = torch.cat([torch.zeros(1, 240), x[:, : (x.shape[1] // 160) * 160]], dim=1)
            model.features.mean.zero_()
            model.features.std.fill_(1.0)
            acc.append(model.features(x)[0])
    feats = torch.cat(acc)
    return feats.mean(0), feats.std(0).clamp(min=1e-3)


def lr_at(step, elapsed, args):
    warm = min(1.0, (step + 1) / args.warmup_steps)
    frac = elapsed / (args.budget_min * 60.0)
    if frac <= 0.75:
        return args.lr * warm
    p = min(1.0, (frac - 0.75) / 0.25)
    return args.lr * warm * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * p)))


def save(path, model, opt, state):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "config": model.config(), "opt": opt.state_dict(), "state": state},
               tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="run directory (checkpoints, metrics.jsonl)")
    ap.add_argument("--hidden", type=int, default=320)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--lookahead", type=int, default=3, help="lookahead frames (20 ms each)")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup-steps", type=int, default=50)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--batch-sec", type=float, default=60.0, help="padded audio seconds per batch")
    ap.add_argument("--min-batch-utts", type=int, default=16, help="utterances per batch at least")
    ap.add_argument("--budget-min", type=float, default=110.0, help="training wall time the schedule spans")
    ap.add_argument("--short-min", type=float, default=15.0, help="minutes on utterances < 5 s only")
    ap.add_argument("--augment-below-cer", type=float, default=0.5)
    ap.add_argument("--augment", default="speed,gain",
                    help="augmentations once below --augment-below-cer: any of speed,gain,reverb,telephone,noise,specaugment. "
                         "The default leaves out noise and SpecAugment: at ~3 epochs in the budget the model "
                         "underfits, and with them the held-out CER stopped improving (45 min)")
    ap.add_argument("--eval-min", type=float, default=5.0)
    ap.add_argument("--ckpt-min", type=float, default=5.0)
    ap.add_argument("--fsdd-repeat", type=int, default=2, help="times the fsdd training digits appear per epoch")
    ap.add_argument("--overfit", type=int, default=0, help="train on this many utterances only (sanity check)")
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0 = budget only)")
    ap.add_argument("--extra", default="", help="more cached sets to train on, comma-separated (e.g. synth, "
                    "written by synth.py); their split=train utterances join every epoch")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", default=None, help="start a new run from these weights (e.g. the committed "
                    "../ds2-stream-en/checkpoint-fp16.pt); ignored when the run already has last.pt")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.run, exist_ok=True)

    real = load_set("real-train")
    fsdd = load_set("fsdd")
    train = [u for u in real if u.split == "train" and len(u.labels) > 0]
    train += [u for u in fsdd if u.split == "train"] * args.fsdd_repeat
    for name in filter(None, args.extra.split(",")):
        extra = [u for u in load_set(name) if u.split == "train" and len(u.labels) > 0]
        log(f"extra set {name}: {len(extra)} utts {sum(u.seconds for u in extra) / 3600:.2f} h")
        train += extra
    valid = [u for u in real if u.split == "valid"]
    fsdd_hold = [u for u in fsdd if u.split == "holdout"][::2]
    log(f"train {len(train)} utts {sum(u.seconds for u in train) / 3600:.2f} h, valid {len(valid)} utts "
        f"{sum(u.seconds for u in valid) / 60:.1f} min, fsdd holdout {len(fsdd_hold)}")

    model = StreamingDS2(args.hidden, args.layers, args.channels, args.lookahead)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    ckpt_path = os.path.join(args.run, "last.pt")
    rng = random.Random(args.seed)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        rng.setstate(state.pop("_rng"))
        log(f"resumed {ckpt_path} at step {state['step']}, {state['elapsed'] / 60:.1f} min")
    else:
        state = {"init": args.init, "step": 0, "elapsed": 0.0, "audio_sec": 0.0, "augment": False, "best_cer": 9.9,
                 "last_eval": 0.0, "last_ckpt": 0.0, "args": vars(args)}
        if args.init:
            init = torch.load(args.init, map_location="cpu")
            model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in init["model"].items()})
            log(f"initialised from {args.init}")
        else:
            mean, std = feature_stats(model, [u for u in train if u.corpus != "fsdd"], rng)
            model.features.mean.copy_(mean)
            model.features.std.copy_(std)
    if args.overfit:
        train = sorted([u for u in train if u.corpus != "fsdd" and u.seconds < 5.0], key=lambda u: u.id)[:args.overfit]
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model {model.config()} params {n_params}")
    metrics_f = open(os.path.join(args.run, "metrics.jsonl"), "a")
    spec = SpecAugment(rng)

    def checkpoint():
        state["_rng"] = rng.getstate()
        save(ckpt_path, model, opt, state)
        state.pop("_rng")

    def evaluate():
        t0 = time.time()
        v = score(model, valid)
        d = score(model, fsdd_hold)
        rec = {"step": state["step"], "elapsed_min": round(state["elapsed"] / 60, 2),
               "audio_h": round(state["audio_sec"] / 3600, 3), "valid_cer": round(v.cer, 4),
               "valid_wer": round(v.wer, 4), "fsdd_cer": round(d.cer, 4), "fsdd_wer": round(d.wer, 4),
               "augment": state["augment"]}
        metrics_f.write(json.dumps(rec) + "\n")
        metrics_f.flush()
        log(f"EVAL {json.dumps(rec)} ({time.time() - t0:.0f} s)")
        if v.cer < state["best_cer"]:
            state["best_cer"] = v.cer
            state["_rng"] = rng.getstate()
            save(os.path.join(args.run, "best.pt"), model, opt, state)
            state.pop("_rng")
        if not state["augment"] and v.cer < args.augment_below_cer:
            state["augment"] = True
            log("augmentation on")

    model.train()
    budget = args.budget_min * 60.0
    loss_acc = chars_acc = audio_acc = 0.0
    t_log = time.time()
    done = False
    while not done:
        short = state["elapsed"] < args.short_min * 60.0 and not args.overfit
        batches = make_batches(train, args.batch_sec, rng, max_seconds=5.0 if short else None,
                               min_utts=args.min_batch_utts)
        for batch in batches:
            t0 = time.time()
            augs = set(args.augment.split(",")) if state["augment"] else set()
            pcm, frames, labels, label_lens = collate(batch, rng, augment=augs)
            logprobs = model.utterance_logprobs(pcm, spec_augment=spec if "specaugment" in augs else None)
            loss = F.ctc_loss(logprobs.transpose(0, 1), labels, frames, label_lens, blank=0,
                              reduction="sum", zero_infinity=True)
            n_chars = float(label_lens.sum())
            lr = lr_at(state["step"], state["elapsed"], args)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad()
            (loss / n_chars).backward()
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            state["step"] += 1
            state["elapsed"] += time.time() - t0
            sec = sum(u.seconds for u in batch)
            state["audio_sec"] += sec
            loss_acc += float(loss)
            chars_acc += n_chars
            audio_acc += sec
            if state["step"] % 20 == 0 or args.overfit:
                dt = time.time() - t_log
                log(f"step {state['step']} {state['elapsed'] / 60:.1f} min loss/char {loss_acc / chars_acc:.3f} "
                    f"lr {lr:.2e} gnorm {float(gnorm):.2f} {audio_acc / dt:.1f} s audio/s "
                    f"short={short} aug={state['augment']}")
                loss_acc = chars_acc = audio_acc = 0.0
                t_log = time.time()
            stop = state["elapsed"] >= budget or (args.steps and state["step"] >= args.steps)
            if not args.overfit and (state["elapsed"] - state["last_eval"] >= args.eval_min * 60.0 or stop):
                state["last_eval"] = state["elapsed"]
                evaluate()
            if state["elapsed"] - state["last_ckpt"] >= args.ckpt_min * 60.0 or stop:
                state["last_ckpt"] = state["elapsed"]
                checkpoint()
            if stop:
                done = True
                break
            if short and state["elapsed"] >= args.short_min * 60.0:
                break  # rebuild batches with long utterances
    log("done")


if __name__ == "__main__":
    sys.exit(main())
