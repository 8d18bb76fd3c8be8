"""Write tools/train/TRAINING_LOG.md from the runs' own files. The shipped model may come from
several runs, each continuing the previous shipped one (train_cpnet.py --init). Each shipped run's files
are kept in .cache/runN, N being the run's number (summary.json, curve.json, train.log, size.log and the
score files of score-val.ts: score_labels.txt, score_size.txt, score_gt.txt, score_30px.txt); runs that
were scored and not shipped are kept in .cache/tried_runN. Run numbers count every run, shipped or not.
usage: /usr/bin/python3 tools/train/write_log.py
       /usr/bin/python3 tools/train/write_log.py --append tools/train/runs/run8B --title "Run 8B (...)"

.cache is git-ignored and does not outlive a session's checkout, so from run 8 on each run's files
are committed under tools/train/runs/ instead, and `--append` adds one run's section to the end of
the existing TRAINING_LOG.md (the earlier sections are kept as they are; the totals line is not
recomputed).
"""
import argparse
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
SCORES = (("score_labels.txt", "diameter = diam_labels"), ("score_size.txt", "diameter 0, estimated by the size model"),
          ("score_gt.txt", "diameter = true median per image"),
          ("score_30px.txt", "diameter 30 px for every image, the CLI's default"),
          ("score_gt_avg_with_previous.txt", "weights averaged 50/50 with the previous run's, diameter = true median per image"))


def lines_matching(path: str, pattern: str) -> list[str]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [ln.rstrip() for ln in f if re.search(pattern, ln)]


def run_section(folder: str, title: str) -> tuple[list[str], float, int]:
    """Markdown for one run; returns it with the run's training seconds and steps."""
    with open(os.path.join(folder, "summary.json")) as f:
        s = json.load(f)
    log = os.path.join(folder, "train.log")
    head = lines_matching(log, r"split:|prep done|initialised from|training for|saved ")
    steps = lines_matching(log, r"^\[.*\] step \d+ ")
    out = [f"## {title}", ""]
    out += [f"- optimizer steps: {s['steps']}; full epochs: {s['epochs_completed']} "
            f"({s['n_train_images']} training images per epoch)"
            + (f"; epochs numbered from {s['first_epoch']} (--first-epoch: new crops and flips, not the parent's)"
               if s.get("first_epoch") else "")]
    out += [f"- training wall time: {s['train_seconds']:.0f} s ({s['train_seconds'] / 60:.1f} min)"
            + (f" on {s['device']}" if s.get("device", "cpu") != "cpu" else "")
            + (", tiles warped on the device from each epoch's seeded stream (--device-augment)" if s.get("device_augment")
               else f", batches made by {s['workers']} worker processes" if s.get("workers") else "")]
    out += [f"- diam_labels (mean training diameter before rescaling): {s['diam_labels']:.3f} px; diam_mean 17"]
    out += ["", "```"] + head + ["```", ""]
    out += ["Loss per epoch (train = mean over the epoch's batches; val = fixed augmented tiles of the "
            "held-out images at the run's tile size, so not comparable across tile sizes; seed 42, BatchNorm in eval mode):", ""]
    out += ["| epoch | step | elapsed s | lr | train loss | val loss |", "|---|---|---|---|---|---|"]
    for c in s["curve"]:
        out.append(f"| {c['epoch']} | {c['step']} | {c['elapsed_s']:.0f} | {c['lr']:.5f} | {c['train_loss']:.4f} | {c['val_loss']:.4f} |")
    out += ["", f"Every {s.get('log_every', 10)}th step (loss of that batch):", "", "<details><summary>steps</summary>", "", "```"] + steps + ["```", "", "</details>", ""]
    size_log = lines_matching(os.path.join(folder, "size.log"), r"size model:|saved ")
    if size_log:
        out += ["Size model (train_size.py):", "", "```"] + size_log + ["```", ""]
    for name, what in SCORES:
        lines = lines_matching(os.path.join(folder, name), r"^dsb2018|^model ")
        if lines:
            out += [f"Validation score with the TypeScript engine ({what}):", "", "```"] + lines + ["```", ""]
    return out, float(s["train_seconds"]), int(s["steps"])


def numbered_folders(prefix: str) -> list[tuple[int, str]]:
    """(N, path) of the folders <prefix>N in .cache, sorted by N."""
    found = [(int(m.group(1)), os.path.join(CACHE, d)) for d in os.listdir(CACHE)
             if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", d)) and os.path.isdir(os.path.join(CACHE, d))]
    return sorted(found)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--append", default="", help="a run's folder: add its section to the end of TRAINING_LOG.md")
    ap.add_argument("--title", default="", help="the section title for --append")
    args = ap.parse_args()
    if args.append:
        if not args.title:
            raise SystemExit("--append needs --title")
        lines, _, _ = run_section(args.append, args.title)
        with open(os.path.join(HERE, "TRAINING_LOG.md"), "a") as f:
            f.write("\n" + "\n".join(lines))
        return
    if not os.path.isdir(os.path.join(CACHE, "run1")):
        # rewriting the log from a checkout without the earlier runs' files would drop their sections
        raise SystemExit(f"{CACHE}/run1 is missing: the full rewrite needs every shipped run's files; "
                         "add a new run with --append instead")
    shipped = numbered_folders("run")
    # every shipped run after the first continued the shipped run before it (train_cpnet.py --init)
    runs = [(folder, f"Run {n}" + (" (continues the previous shipped run: --init, fresh optimizer and schedule)" if i > 0 else ""))
            for i, (n, folder) in enumerate(shipped)]
    body: list[str] = []
    total_s, total_steps = 0.0, 0
    for folder, title in runs:
        lines, secs, steps = run_section(folder, title)
        body += lines
        total_s += secs
        total_steps += steps
    # runs that continued the shipped weights but were not shipped (.cache/tried_runN): kept in
    # the log with their scores, outside the totals, so the record says what was tried
    tried = numbered_folders("tried_run")
    for n, folder in tried:
        lines, _, _ = run_section(folder, f"Run {n} (tried, not shipped: continues the shipped run before it; "
                                          "its held-out scores were not better)")
        body += lines
    out = ["# Training log of cpsd_nuclei_v1", ""]
    out += ["Produced by `tools/train/write_log.py` from the runs' own logs (`tools/train/.cache`). "
            "The shipped weights are those of the last shipped run; its scores are the shipped model's.", ""]
    out += [f"Total shipped: {len(runs)} run(s), {total_steps} optimizer steps, {total_s / 60:.0f} minutes of training wall time."
            + (f" Also tried and not shipped: {len(tried)} run(s)." if tried else ""), ""]
    with open(os.path.join(HERE, "TRAINING_LOG.md"), "w") as f:
        f.write("\n".join(out + body))


if __name__ == "__main__":
    main()
