#!/usr/bin/env bash
# Fetches a Node.js binary from the npm registry (the node-linux-<arch> packages ship the official
# build in the package) and prints the path of its `node`, so that tests can run on the Node lines
# students use without a download site other than the registry:
#
#   scripts/node-from-npm.sh 24        # → build/nodes/24/bin/node (the newest 24.x)
#
# Environment: NODES_DIR (default build/nodes). Fetched once; delete the folder to fetch again.
set -euo pipefail
cd "$(dirname "$0")/.."
MAJOR=${1:?"usage: scripts/node-from-npm.sh MAJOR (e.g. 22)"}
case "$MAJOR" in *[!0-9]*) echo "node-from-npm: MAJOR must be a number such as 22. Received: $MAJOR" >&2; exit 2 ;; esac
case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64) ARCH=arm64 ;;
  *) echo "node-from-npm: no node-linux package for this machine ($(uname -m))" >&2; exit 2 ;;
esac
DEST=${NODES_DIR:-$PWD/build/nodes}/$MAJOR
if [ ! -x "$DEST/bin/node" ]; then
  rm -rf "$DEST" && mkdir -p "$DEST"
  TARBALL=$(cd "$DEST" && npm pack --silent "node-linux-$ARCH@$MAJOR")
  tar xzf "$DEST/$TARBALL" -C "$DEST" --strip-components=1 && rm "$DEST/$TARBALL"
fi
"$DEST/bin/node" --version >&2
echo "$DEST/bin/node"
