#!/usr/bin/env bash
# Pack what `node apps/bench/dist/main.js` needs on a machine without network or node_modules (the
# device machine): a node binary, the built @patchwork/* packages and apps/bench, and only the files
# Node loads from the tfjs packages. Extract at the repo root of a checkout: `tar xJf tmp/bench-device.tar.xz`
# gives node_modules/, apps/bench/dist/ and bin/node. Needs `pnpm turbo run build --filter @patchwork/app-bench...` first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
nm="$stage/node_modules"

# The package directory Node resolves `name` to, starting from `from` (a package directory).
resolve_pkg() { (cd "$2" && node -e "console.log(require('path').dirname(require.resolve('$1/package.json')))"); }

tfjs=$(resolve_pkg @tensorflow/tfjs "$root/packages/tensor-core")
wasm=$(resolve_pkg @tensorflow/tfjs-backend-wasm "$root/packages/tensor-core")
core=$(resolve_pkg @tensorflow/tfjs-core "$tfjs")
for pkg in tfjs tfjs-core tfjs-backend-cpu tfjs-backend-webgl tfjs-converter tfjs-data tfjs-layers tfjs-backend-wasm; do
  dir=$(resolve_pkg "@tensorflow/$pkg" "$tfjs" 2>/dev/null || echo "$wasm")
  main=$(node -e "console.log(require('$dir/package.json').main)")
  mkdir -p "$nm/@tensorflow/$pkg/$(dirname "$main")"
  cp "$dir/package.json" "$nm/@tensorflow/$pkg/"
  cp "$dir/$main" "$nm/@tensorflow/$pkg/$main"
done
cp -r "$wasm/wasm-out" "$nm/@tensorflow/tfjs-backend-wasm/"
for dep in long seedrandom node-fetch; do cp -rL "$(resolve_pkg "$dep" "$core")" "$nm/$dep"; done
cp -rL "$(resolve_pkg zod "$root/packages/tensor-core")" "$nm/zod"
for pkg in tensor-core layers train vit mae mobilenetv2; do
  mkdir -p "$nm/@patchwork/$pkg"
  cp -r "$root/packages/$pkg/package.json" "$root/packages/$pkg/dist" "$nm/@patchwork/$pkg/"
done
mkdir -p "$stage/apps/bench" "$stage/bin"
cp -r "$root/apps/bench/dist" "$stage/apps/bench/"
cp "$(readlink -f "$(command -v node)")" "$stage/bin/node"
mkdir -p "$root/tmp"
tar -C "$stage" -cf - node_modules apps bin | xz -T2 -6 > "$root/tmp/bench-device.tar.xz"
ls -l "$root/tmp/bench-device.tar.xz"
