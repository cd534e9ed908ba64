#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh [SECONDS]: runs each libFuzzer harness for SECONDS (default 5, the
# short run of make check; `make fuzz` gives 600) from its seeds: the
# envelope harness from one packed message per type (envelope-seeds), the
# config harness from configs/*.conf and fuzz/corpus/config, the ELF
# harness from the guest test ELFs, the JSON harness from fuzz/corpus/json,
# the snapshot harness from small files snapshot-seeds writes. TAP, one
# line per harness; a crash, a sanitizer report or a leak fails it, with
# the input that did it kept in fuzz/crashes/ of the build tree. Skipped
# without libFuzzer (clang).
set -u
: "${SHOAL_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${SHOAL_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
SECONDS_EACH=${1:-5}
FUZZERS="envelope config elf json snapshot"
echo "1..5"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
crashes="$SHOAL_BUILDDIR/fuzz/crashes"

seed() { # seed NAME DIR: the harness's starting inputs into DIR
    case $1 in
    envelope) "$SHOAL_BUILDDIR/fuzz/envelope-seeds" "$2" ;;
    config) cp "$SHOAL_SRCDIR"/configs/*.conf "$SHOAL_SRCDIR"/fuzz/corpus/config/* "$2"/ ;;
    elf) cp "$SHOAL_BUILDDIR"/tests/guest/*.elf "$2"/ 2>/dev/null || : > "$2/empty" ;;
    json) cp "$SHOAL_SRCDIR"/fuzz/corpus/json/* "$2"/ ;;
    snapshot) "$SHOAL_BUILDDIR/fuzz/snapshot-seeds" "$2" ;;
    esac
}

for name in $FUZZERS; do
    fuzzer="$SHOAL_BUILDDIR/fuzz/fuzz-$name"
    case ${SHOAL_SANITIZERS:-no} in
    no | "") ;;
    *)
        echo "ok - $name # SKIP the harnesses carry their own sanitizers: the plain build runs them"
        continue
        ;;
    esac
    if [ ! -x "$fuzzer" ]; then
        echo "ok - $name # SKIP no libFuzzer harness (apt-get install clang, configure again)"
        continue
    fi
    mkdir -p "$tmp/$name" "$crashes"
    seed "$name" "$tmp/$name"
    # One process; every input under 4 KiB-64 KiB (a snapshot is a page of
    # header and meta, then RAM: 16 KiB leaves it three pages); 10 s is a hang.
    case $name in
    elf) max_len=65536 ;;
    snapshot) max_len=16384 ;;
    *) max_len=4096 ;;
    esac
    # TMPDIR: the harnesses' scratch files go where the trap removes them.
    if TMPDIR="$tmp" "$fuzzer" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len=$max_len \
        -artifact_prefix="$crashes/$name-" "$tmp/$name" > "$tmp/$name.log" 2>&1; then
        echo "ok - $name: $(grep -o 'Done [0-9]* runs' "$tmp/$name.log" | head -1) in ${SECONDS_EACH} s"
    else
        echo "not ok - $name: the harness failed (input kept in $crashes)"
        grep -A 25 -E 'ERROR|WARNING|runtime error|deadly signal' "$tmp/$name.log" | head -40 |
            sed 's/^/# /'
    fi
done
exit 0
