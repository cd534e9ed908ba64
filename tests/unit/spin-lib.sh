# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Shared by the spin model checks (sourced): the TAP plan, the skip when
# spin or a C compiler for its verifier is missing, and a private work
# directory holding a copy of the model.
srcdir=${SHOAL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}

# spin_setup MODEL NAME...: plans one test per NAME; skips them all (and
# exits) without the tools; else enters a temp dir (removed on exit) with a
# copy of MODEL (a path under the source tree).
spin_setup() {
    model=$1
    shift
    echo "1..$#"
    why=
    command -v "$cc" >/dev/null 2>&1 || why="no C compiler for spin's verifier"
    command -v spin >/dev/null 2>&1 || why="spin not installed (apt-get install spin)"
    if [ -n "$why" ]; then
        i=0
        for name in "$@"; do
            i=$((i + 1))
            echo "ok $i - $name # SKIP $why"
        done
        exit 0
    fi
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-spin.XXXXXX") || exit 1
    trap 'rm -rf "$tmp"' EXIT INT TERM
    cp "$srcdir/$model" "$tmp/" || exit 1
    cd "$tmp" || exit 1
}
