#!/usr/bin/env bash
# One device-machine run (tools/gpu-check/README.md): `segment` on onnxruntime-node's WebGPU
# provider (Vulkan under Dawn) against the same build on the machine's CPU, and the real
# Cellpose 3.1 on PyTorch's CUDA device, on mosaics of a real image (512², 1024², 2048²).
# Needs .dev (made by tools/gpu-check/pack.sh; carried): a Node binary, the CLI bundle with
# onnxruntime-node, the Vulkan loader and libglvnd, the source image, and optionally the Cellpose
# source (without it the Cellpose timing is skipped).
set -u -o pipefail
S=$(date +%s)
D=.dev
OUT=${OUT:-/tmp/gpu_out}
W=/tmp/gc
SIZES=${SIZES:-"512 1024 2048"}   # the default plan's sizes
mkdir -p "$OUT" "$W"
el() { echo "[$(( $(date +%s) - S )) s] $*"; }
unxz_to() { python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" "$1" "$2"; }
nvidia-smi -L || true
unxz_to $D/node.xz $W/node && chmod +x $W/node
tar xJf $D/app.tar.xz -C $W && { [ ! -f $D/cpsrc.tar.xz ] || tar xJf $D/cpsrc.tar.xz -C $W; } && unxz_to $D/img2d.tif.xz $W/img2d.tif
for f in $D/vk/*.deb; do dpkg -x "$f" /; done
ldconfig
ICD=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json 2>/dev/null | head -n 1)
[ -n "$ICD" ] && export VK_DRIVER_FILES=$ICD VK_ICD_FILENAMES=$ICD
el "node $($W/node --version), Vulkan ICD: ${ICD:-none found}"
export CELLPOSE_STUDIO_CLI=1 PYTHONUNBUFFERED=1
MODEL=resources/models/cpsd_nuclei_v1
segment() { # segment MODE_NAME SIZE FLAGS...: one process over a_ and b_ of that size
  local name=$1 size=$2; shift 2
  mkdir -p $W/run/$name && cp -r $W/in/$size $W/run/$name/
  el "segment $name $size $*"
  $W/node $W/app/main.js segment --dir $W/run/$name/$size --pretrained_model $MODEL --diameter 17 --verbose "$@" 2>&1 \
    | grep -v -E '^\s*$|XDG_RUNTIME_DIR' | tee -a "$OUT/segment.log"
}
# PLAN: one run per line, "NAME SIZE FLAGS..."; COMPARE: "SIZE A B" per line (b_ images, the
# warm run of each process); CELLPOSE_SIZES: sizes the real Cellpose times on CUDA (needs cpsrc).
DEFAULT_PLAN=$(for size in $SIZES; do echo "cpu $size"; echo "webgpu $size --use_gpu"; echo "webgpu_fast $size --use_gpu --fast"; done)
DEFAULT_COMPARE=$(for size in $SIZES; do echo "$size cpu webgpu"; echo "$size cpu webgpu_fast"; echo "$size webgpu webgpu_fast"; done)
PLAN=${PLAN:-$DEFAULT_PLAN}
COMPARE=${COMPARE:-$DEFAULT_COMPARE}
CELLPOSE_SIZES=${CELLPOSE_SIZES:-$SIZES}
python3 tools/gpu-check/make_images.py $W/img2d.tif $W/in $(echo "$PLAN" | awk '{print $2}' | sort -u)
while read -r name size flags; do
  [ -n "$name" ] && segment "$name" "$size" $flags
done <<< "$PLAN"
el "compare"
while read -r size a b; do
  [ -n "$size" ] && echo "$size $a vs $b: $(python3 tools/gpu-check/compare.py $W/run/$a/$size/b_${size}_seg.npy $W/run/$b/$size/b_${size}_seg.npy)" | tee -a "$OUT/compare.log"
done <<< "$COMPARE"
if [ -d $W/cpsrc ]; then
  el "real Cellpose 3.1 on PyTorch CUDA"
  for size in $CELLPOSE_SIZES; do
    echo "$size: $(PYTHONPATH=$W/py:$W/cpsrc python3 tools/cellpose-parity/time_cellpose.py $W/in/$size/b_$size.tif $MODEL 17 3 gpu 2>&1 | tail -n 1)" | tee -a "$OUT/cellpose_cuda.log"
  done
fi
el "done"
