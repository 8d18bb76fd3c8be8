"""Write tools/train/TRAINING_LOG.md from a finished run (.cache/summary.json, .cache/train.log,
.cache/size.log) and optional score files produced by score-val.ts (.cache/score_labels.txt,
.cache/score_size.txt, .cache/score_gt.txt).
usage: /usr/bin/python3 tools/train/write_log.py
"""
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")


def tail_lines(path: str, pattern: str) -> list[str]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [ln.rstrip() for ln in f if re.search(pattern, ln)]


def main() -> None:
    with open(os.path.join(CACHE, "summary.json")) as f:
        s = json.load(f)
    log = os.path.join(CACHE, "train.log")
    head = tail_lines(log, r"split:|prep done|training for|saved ")
    steps = tail_lines(log, r"^\[.*\] step \d+ ")
    out = ["# Training log of cpsd_nuclei_v1", ""]
    out += ["Produced by `tools/train/write_log.py` from the run's own log (`tools/train/.cache/train.log`).", ""]
    out += ["## Run", ""]
    out += [f"- optimizer steps: {s['steps']}; full epochs: {s['epochs_completed']} "
            f"({s['n_train_images']} training images per epoch)"]
    out += [f"- training wall time: {s['train_seconds']:.0f} s ({s['train_seconds'] / 60:.1f} min)"]
    out += [f"- diam_labels (mean training diameter before rescaling): {s['diam_labels']:.3f} px; diam_mean 17"]
    out += ["", "```"] + head + ["```", ""]
    out += ["## Loss curve", "", "Per epoch (train = mean over the epoch's batches; val = fixed augmented tiles of the "
            "held-out images, seed 42, BatchNorm in eval mode):", ""]
    out += ["| epoch | step | elapsed s | lr | train loss | val loss |", "|---|---|---|---|---|---|"]
    for c in s["curve"]:
        out.append(f"| {c['epoch']} | {c['step']} | {c['elapsed_s']:.0f} | {c['lr']:.5f} | {c['train_loss']:.4f} | {c['val_loss']:.4f} |")
    out += ["", "Every 10th step (loss of that batch):", "", "```"] + steps + ["```", ""]
    size_log = tail_lines(os.path.join(CACHE, "size.log"), r"size model:|saved ")
    if size_log:
        out += ["## Size model (train_size.py)", "", "```"] + size_log + ["```", ""]
    for name, title in (("score_labels.txt", "diameter = diam_labels"), ("score_size.txt", "diameter 0, estimated by the size model"),
                        ("score_gt.txt", "diameter = true median per image")):
        lines = tail_lines(os.path.join(CACHE, name), r"^dsb2018|^model ")
        if lines:
            out += [f"## Validation score with the TypeScript engine ({title})", "", "```"] + lines + ["```", ""]
    with open(os.path.join(HERE, "TRAINING_LOG.md"), "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
