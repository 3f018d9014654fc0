/**
 * `reglab package gradescope`: the autograder zip Gradescope builds its image from
 * (gradescope-autograders.readthedocs.io, "Autograder Specifications"): `setup.sh` installs Node,
 * bubblewrap and Fashion-MNIST, then reglab and its tools from the zip's own copies; `run_autograder`
 * grades the one notebook in /autograder/submission into /autograder/results/results.json.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { zipArchive, type ZipEntry } from "./zip";

/** The installed packages' published files (their package.json `files`), as the zip holds them. */
function packageEntries(root: string, into: string): ZipEntry[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files?: string[] };
  const entries: ZipEntry[] = [{ name: `${into}/package.json`, data: readFileSync(join(root, "package.json")) }];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
    else
      entries.push({
        name: `${into}/${relative(root, path).split(sep).join("/")}`,
        data: readFileSync(path),
        mode: statSync(path).mode & 0o111 ? 0o755 : 0o644,
      });
  };
  for (const item of manifest.files ?? []) walk(join(root, item));
  return entries;
}

const SETUP = (nodeVersion: string) => `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends bubblewrap dataset-fashion-mnist util-linux ca-certificates curl xz-utils
# The Node version this package was made and tested with.
curl -fsSL https://nodejs.org/dist/${nodeVersion}/node-${nodeVersion}-linux-x64.tar.xz | tar -xJ -C /usr/local --strip-components=1
cd /autograder/source
npm install --omit=dev --no-audit --no-fund
npx reglab kernel install --quiet
`;

const RUN = `#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in a container of its own.
set -uo pipefail
AUTOGRADER="\${AUTOGRADER:-/autograder}"
cd "$AUTOGRADER/source"
mkdir -p "$AUTOGRADER/results"
shopt -s nullglob
notebooks=("$AUTOGRADER"/submission/*.ipynb)
if [ "\${#notebooks[@]}" -ne 1 ]; then
  echo '{"score": 0, "output": "請只上傳一個 .ipynb 筆記本 / upload exactly one .ipynb notebook"}' > "$AUTOGRADER/results/results.json"
  exit 0
fi
work="$(mktemp -d)"
cp "\${notebooks[0]}" "$work/submission.ipynb"
grade() { npx reglab grade "$work/submission.ipynb" --source homework.source.ipynb --format gradescope --out-dir "$work/out" -q "$@"; }
if ! grade 2> "$work/stderr"; then
  cat "$work/stderr"
  # Gradescope's container may not allow the user namespaces bubblewrap needs; the container is then
  # the boundary around the student's kernel, and the checker still keeps the tests out of it.
  if grep -q "cannot sandbox the submissions" "$work/stderr"; then
    echo "bubblewrap cannot run in this container: grading inside the container, without reglab's sandbox"
    grade --unsafe-no-sandbox
  fi
fi
cp "$work/out/submission.gradescope.json" "$AUTOGRADER/results/results.json"
`;

/**
 * The autograder zip for `source` (the instructor's notebook), from the reglab and reglab-course
 * packages installed here; `nodeVersion` ("v20.20.2") is the Node setup.sh installs.
 */
export function gradescopePackage(source: string, nodeVersion: string): Buffer {
  const course = join(__dirname, "..", "..");
  const library = dirname(require.resolve("reglab/package.json", { paths: [course] }));
  const manifest = {
    private: true,
    description: "reglab autograder (made by `reglab package gradescope`)",
    dependencies: { reglab: "file:./reglab", "reglab-course": "file:./reglab-course" },
    // npm 11 runs no install script unless allowed: zeromq's picks its prebuilt binary
    allowScripts: { zeromq: true },
  };
  return zipArchive([
    { name: "setup.sh", data: Buffer.from(SETUP(nodeVersion)), mode: 0o755 },
    { name: "run_autograder", data: Buffer.from(RUN), mode: 0o755 },
    { name: "package.json", data: Buffer.from(JSON.stringify(manifest, null, 2) + "\n") },
    { name: "homework.source.ipynb", data: readFileSync(source) },
    ...packageEntries(library, "reglab"),
    ...packageEntries(course, "reglab-course"),
  ]);
}
