#!/bin/bash
# Runs the real Cellpose 3.1 CLI and `cellpose-studio segment` on the same images and flags and
# compares their _seg.npy files (see README.md).
# usage: tools/cellpose-parity/run.sh CELLPOSE_SRC MODEL [WORK_DIR] [CASES_FILE]
# EXTRA_PYTHONPATH: where roifile (and any other missing Cellpose dependency) can be imported from
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=$1; model=$2; work=${3:-/tmp/cellpose-parity}; cases=${4:-$here/cases.txt}
shared=${CELLPOSE_STUDIO_SHARED:-$repo/../shared}
py=/usr/bin/python3
mkdir -p "$work/in" "$work/models"
# a copy of Cellpose with one change for torch < 2, which cannot index with int32 tensors
rm -rf "$work/cellpose-src" && cp -r "$src" "$work/cellpose-src"
sed -i 's/    M1 = M1\[tuple(pt)\]/    M1 = M1[tuple(pt.long())]/' "$work/cellpose-src/cellpose/dynamics.py"
# "nuclei" = the bundled checkpoint and size model under Cellpose's zoo file names
cp "$repo/resources/models/cpsd_nuclei_v1" "$work/models/nucleitorch_0"
cp "$repo/resources/models/cpsd_nuclei_v1_size.npy" "$work/models/size_nucleitorch_0.npy"
# (re)make the inputs when a case's image is missing (a work folder from an older cases.txt)
missing=$(grep -v '^#' "$cases" | cut -d'|' -f2 | grep . | while read -r f; do [ -f "$work/in/$f" ] || echo "$f"; done)
[ -z "$missing" ] || $py "$here/make_inputs.py" "$shared" "$work/in"
export CELLPOSE_LOCAL_MODELS_PATH="$work/models"
grep -v '^#' "$cases" | while IFS='|' read -r name img flags; do
  [ -z "$name" ] && continue
  case " $flags " in *" --pretrained_model "*) m=();; *) m=(--pretrained_model "$model");; esac
  # Cellpose has no --v31_small_masks: its 3.1 rule is the only one it has
  realflags=${flags//--v31_small_masks/}
  for side in real ours; do rm -rf "$work/$side/$name"; mkdir -p "$work/$side/$name"; cp "$work/in/$img" "$work/$side/$name/"; done
  (cd "$work/real/$name" && PYTHONPATH="$here/shim:$work/cellpose-src:${EXTRA_PYTHONPATH:-}" $py -m cellpose --image_path "$img" "${m[@]}" $realflags > log.txt 2>&1) || echo "$name: Cellpose failed (see $work/real/$name/log.txt)"
  (cd "$repo" && node --import tsx src/cli/main.ts segment --image_path "$work/ours/$name/$img" "${m[@]}" $flags > "$work/ours/$name/log.txt" 2>&1) || echo "$name: cellpose-studio failed"
done
PYTHONPATH="$here/shim:$work/cellpose-src:${EXTRA_PYTHONPATH:-}" $py "$here/compare.py" "$work" "$cases"
