#!/usr/bin/env bash
# One device-machine run (tools/train/README.md, "On a GPU machine"): two trainings side by side on
# one GPU, then each one's size model:
#   A: from a random initialisation, Cellpose's lr 0.005;
#   B: continuing the shipped model (resources/models/cpsd_nuclei_v1), lr 0.002.
# AUGMENT=device (the default, from run 9 on) warps the tiles on the GPU from each epoch's one
# seeded stream (train_cpnet.py --device-augment); AUGMENT=workers makes them with scipy in CPU
# processes, half the cores per run (runs 8A/8B).
# The size models follow Cellpose's train_size (512 px crops, 10 epochs) on the GPU.
# The whole command ends about DEADLINE_S seconds after it starts (default 450), so that it fits a
# session's 15 device minutes with the machine's start. Models come back in 15 MB parts
# (the device tool returns files of at most 16 MiB), size models as sizeA.npy / sizeB.npy, logs as
# one tar.
# RUNS=A (or B) trains that run alone, with the whole GPU and all cores (run 10A); default both.
# EXTRA_B: more options for run B, after its own (argparse keeps the last of a repeated option),
# e.g. EXTRA_B="--lr 0.001 --scale-range 1.0 --first-epoch 200" (run 13B).
# Usage there: OUT=... bash tools/train/gpu_run.sh   (carry .gpu, made by pack_data.py)
set -u -o pipefail
shopt -s nullglob
PY=${PY:-python3}
START=$(date +%s)
DEADLINE_S=${DEADLINE_S:-450}
SIZE_S=${SIZE_S:-60}          # kept at the end for the two size models
AUGMENT=${AUGMENT:-device}
OUT=${OUT:-/tmp/gpu_out}
DEVICE=${DEVICE:-cuda}
RUNS=${RUNS:-A B}
mkdir -p "$OUT" /tmp/flows /tmp/cA /tmp/cB
export CELLPOSE_STUDIO_SHARED=.gpu PYTHONUNBUFFERED=1
NCPU=$(nproc)
HALF=$(( NCPU / 2 > 1 ? NCPU / 2 - 1 : 1 ))
[ "$RUNS" = A ] || [ "$RUNS" = B ] && HALF=$(( NCPU > 2 ? NCPU - 2 : 1 ))   # one run: all cores
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
$PY -c "import sys, torch, numpy, scipy; print(sys.version.split()[0], 'torch', torch.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__, 'cuda', torch.cuda.is_available())"
T=tools/train/train_cpnet.py
$PY $T --prep-only --workers "$NCPU" --cache /tmp/flows 2>&1 | tee "$OUT/prep.log" || exit 1
cp -al /tmp/flows/. /tmp/cA/ && cp -al /tmp/flows/. /tmp/cB/
# each run loads its images again (cached flows) before its clock starts: keep 40 s for that and the saves
TRAIN_S=$(( START + DEADLINE_S - 40 - SIZE_S - $(date +%s) ))
echo "prep took $(( $(date +%s) - START )) s; training ${TRAIN_S} s per run, augmentation: $AUGMENT"
if [ "$AUGMENT" = device ]; then AUG="--device-augment --workers $HALF"; else AUG="--workers $HALF"; fi
COMMON="--device $DEVICE $AUG --train-s $TRAIN_S --tile 224 --batch-size 8 --log-every 500 --checkpoint-every-s 60"
PIDS=""
if [[ " $RUNS " == *" A "* ]]; then
  $PY $T $COMMON --lr 0.005 --cache /tmp/cA --out /tmp/mA > "$OUT/trainA.log" 2>&1 &
  PIDS="$PIDS $!"
fi
if [[ " $RUNS " == *" B "* ]]; then
  $PY $T $COMMON --lr 0.002 --warmup-frac 0.02 --decay-frac 0.3 --first-epoch 21 \
    --init resources/models/cpsd_nuclei_v1 ${EXTRA_B:-} --cache /tmp/cB --out /tmp/mB > "$OUT/trainB.log" 2>&1 &
  PIDS="$PIDS $!"
fi
for p in $PIDS; do wait "$p"; echo "run pid $p exit $?"; done
tail -n 3 "$OUT"/train*.log
for r in $RUNS; do
  m=/tmp/m$r; [ -f $m ] || m=/tmp/c$r/ckpt_latest   # a run that died keeps its last checkpoint
  [ -f $m ] || continue
  cp $m /tmp/size$r
  $PY tools/train/train_size.py --model /tmp/size$r --cache /tmp/c$r --device "$DEVICE" --device-augment \
    --tile "${SIZE_TILE:-512}" --epochs "${SIZE_EPOCHS:-10}" > "$OUT/size$r.log" 2>&1 &
done
wait
for r in $RUNS; do
  m=/tmp/m$r; [ -f $m ] || m=/tmp/c$r/ckpt_latest
  [ -f $m ] && split -b 15m $m "$OUT/model$r.part-"
  cp /tmp/size${r}_size.npy "$OUT/size$r.npy" 2>/dev/null
  cp /tmp/c$r/summary.json "$OUT/summary$r.json" 2>/dev/null; cp /tmp/c$r/curve.json "$OUT/curve$r.json" 2>/dev/null
done
tail -n 1 "$OUT"/size*.log
(cd "$OUT" && tar czf logs.tgz ./*.log ./*.json && rm -f ./*.log ./*.json)
ls -la "$OUT"; echo "total $(( $(date +%s) - START )) s"
