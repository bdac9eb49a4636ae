#!/usr/bin/env python3
"""Refuses an include circle between modules (docs/architecture.md, "Layers").

A module is a .c and its .h, named by folder and stem (server/respond,
ctl/export), so server/main and ctl/main stay apart. Module A depends on B
when A's .c or .h includes B's .h; an include is resolved the way the
compiler does for that folder: the including file's own folder first, then
the folder's -I paths from the Makefile. Any cycle in that graph is a
circle: the two sides can then only be understood, tested and changed
together.

Prints one TAP-like line per circle ("not ok - include circle: ...") or
"ok - no include circle among N modules", and last
"includes: N passed, M failed, 0 skipped" (tests/run-all.sh counts it).
Exits 1 when a circle exists.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DAEMON = os.path.join(ROOT, "daemon")
# The include paths each folder compiles with (Makefile, "Boundaries").
SEARCH = {
    "core": ["core"],
    "server": ["core", "server"],
    "client": ["core", "client"],
    "ctl": ["core", "client"],
    "upload": ["core", "client"],
}
INCLUDE = re.compile(r'\s*#\s*include\s+"([^"]+)"')


def resolve(folder, name):
    """The module key (folder/stem) a quoted include names, or None."""
    for where in [folder] + SEARCH.get(folder, []):
        path = os.path.normpath(os.path.join(DAEMON, where, name))
        if os.path.isfile(path):
            rel = os.path.relpath(path, DAEMON)
            return os.path.splitext(rel)[0].replace(os.sep, "/")
    return None


def graph():
    deps = {}
    for folder in sorted(os.listdir(DAEMON)):
        fdir = os.path.join(DAEMON, folder)
        if not os.path.isdir(fdir):
            continue
        for f in sorted(os.listdir(fdir)):
            if not f.endswith((".c", ".h")):
                continue
            mod = folder + "/" + f.rsplit(".", 1)[0]
            deps.setdefault(mod, set())
            with open(os.path.join(fdir, f), encoding="utf-8") as src:
                for line in src:
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    dep = resolve(folder, m.group(1))
                    if dep and dep != mod:
                        deps[mod].add(dep)
    return deps


def cycles(deps):
    """Every back edge of a depth-first walk, as the circle it closes."""
    colour, found, stack = {}, [], []

    def walk(u):
        colour[u] = 1
        stack.append(u)
        for v in sorted(deps.get(u, ())):
            if colour.get(v) == 1:
                found.append(stack[stack.index(v):] + [v])
            elif not colour.get(v):
                walk(v)
        stack.pop()
        colour[u] = 2

    for u in sorted(deps):
        if not colour.get(u):
            walk(u)
    return found


def main():
    deps = graph()
    found = cycles(deps)
    for c in found:
        print("not ok - include circle: " + " -> ".join(c))
    if not found:
        print("ok - no include circle among %d modules" % len(deps))
    print("includes: %d passed, %d failed, 0 skipped"
          % (0 if found else 1, len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
