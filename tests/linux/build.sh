#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the Linux test guest: a kernel from Debian's linux-source-6.1 with
# tests/linux/kernel.config on top of allnoconfig, and an initramfs holding
# our static /init (tests/linux/init.c). Both are cached outside the clone,
# keyed by their inputs, so a machine builds each once:
#   ${SHOAL_CACHE_DIR:-~/.cache/shoal}/linux-<version>-<hash>/{Image,System.map}
#   ${SHOAL_CACHE_DIR:-~/.cache/shoal}/initramfs-<hash>.cpio
# On success prints KERNEL=, SYSTEM_MAP= and INITRD= lines (for eval) and
# exits 0. Exits 77 with the reason on stderr when the sources or the cross
# toolchain are missing and cannot be installed, 1 when a build fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SHOAL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shoal}
tarball=/usr/src/linux-source-6.1.tar.xz
cross=riscv64-linux-gnu-

need() { # need PACKAGE COMMAND-OR-FILE: install PACKAGE if the thing is missing
    if [ ! -e "$2" ] && ! command -v "$2" >/dev/null 2>&1; then
        local s
        s=$([ "$(id -u)" = 0 ] || echo sudo)
        echo "build.sh: installing $1" >&2
        { $s apt-get install -y -qq "$1" || { $s apt-get update -qq && $s apt-get install -y -qq "$1"; }; } >&2 2>&1 ||
            { echo "build.sh: $1 is missing and could not be installed" >&2; exit 77; }
    fi
}
need linux-source-6.1 "$tarball"
need gcc-riscv64-linux-gnu "${cross}gcc"
need libc6-dev-riscv64-cross /usr/riscv64-linux-gnu/lib/libc.a
need flex flex
need bison bison
need bc bc
need cpio cpio
need libssl-dev /usr/include/openssl/ssl.h
need libelf-dev /usr/include/libelf.h

mkdir -p "$cache"
exec 9>"$cache/linux.lock"
flock 9 # one build at a time per machine; the others then find it cached

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
kkey=$(cat "$here/kernel.config" "$here/build.sh" | { cat; echo "$version $(${cross}gcc -dumpversion)"; } | sha256sum | cut -c1-16)
kdir="$cache/linux-$version-$kkey"
src="$cache/linux-source-$version"
if [ ! -f "$src/.extracted" ]; then
    echo "build.sh: extracting $tarball" >&2
    rm -rf "$src" && mkdir -p "$src"
    tar -xJf "$tarball" -C "$src" --strip-components=1
    touch "$src/.extracted"
fi
if [ ! -f "$kdir/Image" ]; then
    obj="$kdir.build"
    rm -rf "$obj" && mkdir -p "$obj"
    kmake() { make -s -C "$src" O="$obj" ARCH=riscv CROSS_COMPILE="$cross" "$@" >&2; }
    echo "build.sh: building Linux $version ($kkey) in $obj" >&2
    kmake allnoconfig
    "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$here/kernel.config" >/dev/null
    kmake olddefconfig
    # every option the fragment asks for must have survived olddefconfig
    missing=0
    while IFS= read -r line; do
        case "$line" in
        CONFIG_*=n) opt=${line%=n}; grep -q "^$opt=" "$obj/.config" && { echo "build.sh: $opt is set, want n" >&2; missing=1; } ;;
        CONFIG_*) grep -qx "$line" "$obj/.config" || { echo "build.sh: $line did not take" >&2; missing=1; } ;;
        esac
    done < "$here/kernel.config"
    [ "$missing" = 0 ] || exit 1
    kmake -j"$(nproc)" Image
    mkdir -p "$kdir.tmp"
    cp "$obj/arch/riscv/boot/Image" "$obj/System.map" "$obj/.config" "$kdir.tmp/"
    rm -rf "$kdir" && mv "$kdir.tmp" "$kdir"
    rm -rf "$obj"
fi

ikey=$(cat "$here/init.c" "$here/build.sh" | { cat; ${cross}gcc -dumpversion; } | sha256sum | cut -c1-16)
initrd="$cache/initramfs-$ikey.cpio"
if [ ! -f "$initrd" ]; then
    work=$(mktemp -d "$cache/initramfs.XXXXXX")
    ${cross}gcc -static -O2 -Wall -Werror -pthread -o "$work/init" "$here/init.c"
    # the kernel's own cpio writer: /dev/console must be a device node (init's
    # stdout), which a user who is not root cannot create in a folder
    gcc -O2 -o "$work/gen_init_cpio" "$src/usr/gen_init_cpio.c"
    printf '%s\n' "dir /dev 755 0 0" "nod /dev/console 600 0 0 c 5 1" "dir /proc 755 0 0" \
        "file /init $work/init 755 0 0" > "$work/list"
    "$work/gen_init_cpio" "$work/list" > "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    rm -rf "$work"
fi

echo "KERNEL=$kdir/Image"
echo "SYSTEM_MAP=$kdir/System.map"
echo "INITRD=$initrd"
