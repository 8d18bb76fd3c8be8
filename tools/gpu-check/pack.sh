#!/usr/bin/env bash
# Makes .dev (git-ignored through .git/info/exclude) for tools/gpu-check/webgpu_run.sh: what a
# bare GPU machine lacks, small enough to travel with the repository (64 MiB in all):
#   node.xz       this machine's Node binary, stripped (the device image has no Node); xz with the
#                 x86 filter, which saves about 1.9 MB against plain xz and keeps the whole
#                 travelling tree under 64 MiB
#   app.tar.xz    the CLI bundled with its dependencies, plus onnxruntime-node's Linux x64 build
#   vk/*.deb      Debian's Vulkan loader (Dawn, behind onnxruntime's WebGPU provider, loads it)
#                 and libglvnd (the NVIDIA driver's Vulkan library, libGLX_nvidia, needs its
#                 libGLdispatch: without it Vulkan finds "no drivers")
#   cpsrc.tar.xz  the Cellpose 3.1 source and shims of .bench-dev (tools/cellpose-parity);
#                 CELLPOSE=0 leaves it out (the tracked files and the rest are then close to the
#                 limit: with it, only just under)
#   img2d.tif.xz  the real image the mosaics are made of (fixtures/cellpose/cli2d, StarDist sample)
set -eu
cd "$(dirname "$0")/../.."
grep -qx '/.dev/' .git/info/exclude || echo '/.dev/' >> .git/info/exclude
T=$(mktemp -d)
rm -rf .dev && mkdir -p .dev/vk
strip -o "$T/node" "$(readlink -f "$(command -v node)")"
xz --x86 --lzma2=preset=9e -T2 -c "$T/node" > .dev/node.xz
npx esbuild src/cli/main.ts src/backend/inference/inference-worker.ts src/backend/dynamics/dynamics-worker.ts \
  --bundle --splitting --minify --format=esm --platform=node --target=node20 --external:onnxruntime-node \
  --outdir="$T/pkg/app" --entry-names='[name]' --log-level=warning \
  "--banner:js=import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
M=$T/pkg/node_modules
mkdir -p $M/onnxruntime-node/bin/napi-v6/linux $M/onnxruntime-common
cp -r node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist $M/onnxruntime-node/
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 $M/onnxruntime-node/bin/napi-v6/linux/
cp -r node_modules/onnxruntime-common/package.json node_modules/onnxruntime-common/dist $M/onnxruntime-common/
find $M \( -name '*.map' -o -name '*.d.ts' \) -delete
tar cf - -C "$T/pkg" node_modules app | xz --x86 --lzma2=preset=9e -T1 > .dev/app.tar.xz
(cd .dev/vk && apt-get download libvulkan1 libglvnd0 libglx0 libegl1)
[ "${CELLPOSE:-1}" = 0 ] || tar cf - -C .bench-dev cpsrc py | xz -9 > .dev/cpsrc.tar.xz
xz -9 -c ../shared/fixtures/cellpose/cli2d/img2d.tif > .dev/img2d.tif.xz
rm -rf "$T"
echo "travels: tracked $(git ls-files -z | xargs -0 du -cb | tail -n 1 | cut -f1) bytes + .dev $(du -cb .dev/* .dev/vk/* | tail -n 1 | cut -f1) bytes (limit 67108864)"
