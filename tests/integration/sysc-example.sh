#!/bin/bash
# SPDX-License-Identifier: MIT
# How users bring their own models: install libshoal-sysc, its header and
# shoal-sysc.pc into a private prefix, build sysc-bridge/examples with
# nothing but `pkg-config shoal-sysc`, and run a guest against that program.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
N=4
echo "1..$N"
if [ ! -f "$SHOAL_BUILDDIR/tests/guest/sysc-regbank.elf" ]; then
    for _ in $(seq $N); do skip "guest ELFs not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi
DEST="$T/dest"
if make -s -C "$SHOAL_BUILDDIR" install-libLIBRARIES install-shoalincludeHEADERS \
    install-pkgconfigDATA DESTDIR="$DEST" > "$T/install" 2>&1; then
    ok "make install of libshoal-sysc, shoal-sysc.h, shoal-sysc.pc"
else
    not_ok "make install of libshoal-sysc, shoal-sysc.h, shoal-sysc.pc"
    diag < "$T/install"
fi
PREFIX=$(sed -n 's/^prefix=//p' "$SHOAL_BUILDDIR/sysc-bridge/shoal-sysc.pc")
PC_DIR=$(dirname "$(find "$DEST" -name shoal-sysc.pc | head -n1)")
# A sanitizer build's library needs the same flags in the program.
SAN=$(sed -n 's/^SAN_CFLAGS = //p' "$SHOAL_BUILDDIR/Makefile")

# The example, with the configs it includes, where a user would have them.
mkdir -p "$T/src/sysc-bridge"
cp -r "$SHOAL_SRCDIR/sysc-bridge/examples" "$T/src/sysc-bridge/"
ln -s "$SHOAL_SRCDIR/configs" "$T/src/configs"
EX="$T/src/sysc-bridge/examples"
if make -s -C "$EX" PKG_CONFIG="env PKG_CONFIG_PATH=$PC_DIR pkg-config --define-variable=prefix=$DEST$PREFIX" \
    CXXFLAGS="-O1 -g $SAN" > "$T/build" 2>&1 && [ -x "$EX/regbank-bridge" ]; then
    ok "the example builds against the installed pkg-config file"
else
    not_ok "the example builds against the installed pkg-config file"
    diag < "$T/build"
fi
timeout 60 "$SHOAL" run "$EX/regbank.conf" --bios none \
    --kernel "$SHOAL_BUILDDIR/tests/guest/sysc-regbank.elf" > "$T/out" 2> "$T/err" < /dev/null
ok_if_passed "a guest runs against the user's bridge program" $? "$T/out" "$T/err"
check "no process, no socket left" no_leftovers
