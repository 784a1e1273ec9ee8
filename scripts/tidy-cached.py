#!/usr/bin/env python3
"""clang-tidy-14 for one translation unit, with a result cache (used by scripts/lint.sh).

    tidy-cached.py BUILD_DIR FILE

The key is a sha256 over clang-tidy's version, .clang-tidy, the file's compile command and the
unit as clang-14 preprocesses it with comments kept (`-E -C`: every header it includes, line
markers and NOLINT comments). Equal key, equal clang-tidy input, so the cached output (printed
as it was) stands for a run. A clean clone pays the full run once; a later run, or one after a
small change, tidies only the units whose preprocessed text changed (a changed header reaches
every unit that includes it). Cache: $OFSCK_LINT_CACHE, else ~/.cache/ofsck-testdata/lint.
A unit that does not preprocess is tidied uncached (clang-tidy then reports why).
"""
import hashlib
import json
import os
import shlex
import subprocess
import sys


def compile_args(build, path):
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        for entry in json.load(f):
            if os.path.realpath(entry["file"]) == os.path.realpath(path):
                args = entry.get("arguments") or shlex.split(entry["command"])
                return entry["directory"], args
    return None, None


def preprocessed(directory, args):
    """The unit through clang++-14 -E -C with the build's flags, or None."""
    out, skip = ["clang++-14", "-E", "-C", "-Wno-unknown-warning-option"], False
    for a in args[1:]:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a != "-c":
            out.append(a)
    r = subprocess.run(out, cwd=directory, capture_output=True, check=False)
    return r.stdout if r.returncode == 0 else None


def main():
    build, path = sys.argv[1], sys.argv[2]
    src = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    tidy = ["clang-tidy-14", "-p", build, "--quiet", "--extra-arg=-Wno-unknown-warning-option", path]
    directory, args = compile_args(build, path)
    text = preprocessed(directory, args) if args else None
    if text is None:
        sys.exit(subprocess.run(tidy, check=False).returncode)
    h = hashlib.sha256()
    h.update(subprocess.run(["clang-tidy-14", "--version"], capture_output=True, check=False).stdout)
    with open(os.path.join(src, ".clang-tidy"), "rb") as f:
        h.update(f.read())
    h.update("\0".join(args).encode())
    h.update(text)
    cache = os.environ.get("OFSCK_LINT_CACHE") or os.path.expanduser("~/.cache/ofsck-testdata/lint")
    entry = os.path.join(cache, h.hexdigest())
    if os.path.exists(entry):
        with open(entry, "rb") as f:
            rc, _, out = f.read().partition(b"\n")
        sys.stdout.buffer.write(out)
        sys.exit(int(rc))
    r = subprocess.run(tidy, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    sys.stdout.buffer.write(r.stdout)
    if r.returncode >= 0:  # not killed: the result stands for this input
        os.makedirs(cache, exist_ok=True)
        tmp = f"{entry}.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(b"%d\n" % r.returncode + r.stdout)
        os.replace(tmp, entry)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
