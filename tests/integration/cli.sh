#!/bin/bash
# SPDX-License-Identifier: MIT
# One command-line layer (config/cmdline.c on GOptionContext): shoal and
# every process binary answer --help and --version with exit 0, a command's
# help lists its options, and a usage error exits 2 naming where to look.
. "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^AC_INIT(\[shoal\], \[\([^]]*\)\].*/\1/p' "$SHOAL_SRCDIR/configure.ac")
BINS="shoal shoal-memory-server shoal-cpu-node shoal-ic-rtt"
[ -x "$SHOAL_BUILDDIR/shoal-sysc-bridge" ] && BINS="$BINS shoal-sysc-bridge"
set -- $BINS
echo "1..$(( 2 * $# + 9 ))"
# exited RC PATTERN...: the last command exited RC ($rc) and its output
# ($TEST_TMP/out) holds every PATTERN.
exited() {
    local want=$1 p
    shift
    [ "$rc" = "$want" ] || return 1
    for p in "$@"; do grep -q -- "$p" "$TEST_TMP/out" || return 1; done
}
for b in $BINS; do
    "$SHOAL_BUILDDIR/$b" --help > "$TEST_TMP/out" 2>&1
    rc=$?
    check "$b --help: exit 0 and a usage line (exit $rc)" exited 0 '^Usage:'
    # the last line: SystemC prints its banner first
    out=$("$SHOAL_BUILDDIR/$b" --version 2>&1 | tail -n 1)
    check "$b --version prints \"$b $version\" (got \"$out\")" [ "$out" = "$b $version" ]
done
"$SHOAL" run --help > "$TEST_TMP/out" 2>&1
rc=$?
check "shoal run --help: exit 0 and every option of the run (exit $rc)" \
    exited 0 '--kernel=FILE' '--stats' '--accel=jit|interp' '--no-reboot' '--gdb=ENDPOINT' '--monitor'
"$SHOAL" help run > "$TEST_TMP/help" 2>&1
check "shoal help run says what shoal run --help says" cmp -s "$TEST_TMP/out" "$TEST_TMP/help"
"$SHOAL" dumpdtb --help > "$TEST_TMP/out" 2>&1
check "shoal dumpdtb --help names its two arguments" grep -q 'shoal dumpdtb .*CONFIG FILE' \
    "$TEST_TMP/out"
"$SHOAL_BUILDDIR/shoal-cpu-node" "$SHOAL_SRCDIR/configs/virt.conf" --run-dir "$TEST_TMP" --frob \
    > "$TEST_TMP/out" 2>&1
rc=$?
check "a process binary's unknown option: exit 2, where to look (exit $rc)" \
    exited 2 'Unknown option --frob (see shoal-cpu-node --help)'
"$SHOAL" help frob > "$TEST_TMP/out" 2>&1
rc=$?
check "shoal help of no such command: exit 2 (exit $rc)" [ "$rc" = 2 ]

# shoal keygen: a key pair only its owner reads, its public key beside it,
# never written over another.
"$SHOAL" keygen "$TEST_TMP/k" > "$TEST_TMP/out" 2>&1
rc=$?
z85='[]0-9a-zA-Z.:+=^!/*?&<>()@%{}$#[-]\{40\}'
a_pair() {
    grep -qx "public $z85" "$1" && grep -qx "secret $z85" "$1" &&
        [ "$(stat -c %a "$1")" = 600 ] && grep -qx "$z85" "$1.pub" &&
        [ "$(sed -n 's/^public //p' "$1")" = "$(cat "$1.pub")" ]
}
check "shoal keygen FILE: exit 0 (exit $rc)" exited 0
check "FILE holds a public and a secret Z85 key, mode 600; FILE.pub the public one" \
    a_pair "$TEST_TMP/k"
"$SHOAL" keygen "$TEST_TMP/k" > "$TEST_TMP/out" 2>&1
rc=$?
check "shoal keygen over an existing key: exit 1, says so (exit $rc)" \
    exited 1 "will not overwrite $TEST_TMP/k"
"$SHOAL" keygen > "$TEST_TMP/out" 2>&1
rc=$?
check "shoal keygen without a file: exit 2, usage (exit $rc)" exited 2 'usage: shoal keygen FILE'
exit 0
