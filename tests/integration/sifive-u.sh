#!/bin/bash
# SPDX-License-Identifier: MIT
# configs/sifive-u.conf against QEMU's sifive_u: the device tree shoal
# builds from the config describes the board as QEMU's does where it
# describes the same thing (cpus and their ISA, RAM, the timebase, the
# CLINT's and PLIC's hart contexts, the UARTs and the console, the GPIO
# reset line), read with fdtget so phandles are followed, not compared.
# The guest tests run on the board through tests/guest/run-guest.sh
# (tests/guest/sifive-u/*.elf); this also checks the restart-pin refusals.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
CONF="$SHOAL_SRCDIR/configs/sifive-u.conf"
QEMU=${QEMU_RISCV64:-qemu-system-riscv64}
# what | node path in shoal's tree | in QEMU's | property | fdtget type
PROPS=(
    "timebase|/cpus|/cpus|timebase-frequency|u"
    "RAM|/memory@80000000|/memory@80000000|reg|x"
    "console|/chosen|/chosen|stdout-path|s"
    "UART0|/soc/serial@10010000|/soc/serial@10010000|compatible reg interrupts|s x u"
    "UART1|/soc/serial@10011000|/soc/serial@10011000|compatible reg interrupts|s x u"
)
for h in 0 1 2 3 4; do
    PROPS+=("cpu $h|/cpus/cpu@$h|/cpus/cpu@$h|riscv,isa|s")
done
# bad restart-pin values and uses | what the error says
BAD=(
    "--set device.gpio.restart-pin=32|expected a pin 0..31, got \"32\""
    "--set device.gpio.restart-pin=x|expected a pin 0..31, got \"x\""
)
N=$(( ${#PROPS[@]} + 5 + ${#BAD[@]} ))
echo "1..$N"

# get DTB NODE PROP TYPE: the property, "-" if absent
get() {
    fdtget -t "$4" "$1" "$2" "$3" 2> /dev/null || echo -
}

# contexts DTB NODE: interrupts-extended as "hart:irq" pairs, each phandle
# turned into the reg of the cpu whose interrupt controller it is
contexts() {
    local dtb=$1 node=$2 cells ph map="" c out=""
    for c in $(fdtget -l "$dtb" /cpus 2> /dev/null); do
        case $c in cpu@*) ;; *) continue ;; esac
        ph=$(fdtget -t u "$dtb" "/cpus/$c/interrupt-controller" phandle)
        map="$map $ph=${c#cpu@}"
    done
    read -ra cells <<< "$(fdtget -t u "$dtb" "$node" interrupts-extended 2> /dev/null)"
    for ((i = 0; i + 1 < ${#cells[@]}; i += 2)); do
        for m in $map; do
            [ "${m%=*}" = "${cells[i]}" ] && out="$out ${m#*=}:${cells[i + 1]}"
        done
    done
    echo "$out"
}

have_tools=1
command -v fdtget > /dev/null 2>&1 || have_tools=
have_qemu=1
command -v "$QEMU" > /dev/null 2>&1 && [ "$QEMU" != no ] || have_qemu=
if [ -n "$have_qemu" ]; then
    "$QEMU" -M "sifive_u,dumpdtb=$T/qemu.dtb" -smp 5 -display none > /dev/null 2>&1 || have_qemu=
fi

if "$SHOAL" dumpdtb "$CONF" "$T/shoal.dtb" > /dev/null 2> "$T/err"; then
    ok "dumpdtb configs/sifive-u.conf"
else
    not_ok "dumpdtb configs/sifive-u.conf"
    diag < "$T/err"
fi

# compare DESCRIPTION SHOAL-VALUE QEMU-VALUE
compare() {
    if [ "$2" = "$3" ]; then
        ok "$1: $2"
    else
        not_ok "$1"
        echo "shoal: $2" | diag
        echo "QEMU:  $3" | diag
    fi
}

for p in "${PROPS[@]}"; do
    IFS='|' read -r what snode qnode props types <<< "$p"
    if [ -z "$have_tools" ] || [ -z "$have_qemu" ]; then
        skip "$what: no fdtget or no $QEMU"
        continue
    fi
    read -ra pa <<< "$props"
    read -ra ta <<< "$types"
    s="" q=""
    for i in "${!pa[@]}"; do
        s="$s ${pa[i]}=$(get "$T/shoal.dtb" "$snode" "${pa[i]}" "${ta[i]}")"
        q="$q ${pa[i]}=$(get "$T/qemu.dtb" "$qnode" "${pa[i]}" "${ta[i]}")"
    done
    compare "$what" "$s" "$q"
done

if [ -z "$have_tools" ] || [ -z "$have_qemu" ]; then
    for _ in 1 2 3; do skip "no fdtget or no $QEMU"; done
else
    compare "CLINT contexts (hart:irq)" "$(contexts "$T/shoal.dtb" /soc/clint@2000000)" \
        "$(contexts "$T/qemu.dtb" /soc/clint@2000000)"
    # the E51 has an M context (11) alone, each U54 M and S (9)
    compare "PLIC contexts (hart:irq)" "$(contexts "$T/shoal.dtb" /soc/plic@c000000)" \
        "$(contexts "$T/qemu.dtb" /soc/interrupt-controller@c000000)"
    # gpios = <&gpio pin flags>: the phandle is the GPIO block's in each tree
    s=$(get "$T/shoal.dtb" /gpio-restart gpios u)
    q=$(get "$T/qemu.dtb" /gpio-restart gpios u)
    sg=$(get "$T/shoal.dtb" /soc/gpio@10060000 phandle u)
    qg=$(get "$T/qemu.dtb" /soc/gpio@10060000 phandle u)
    compare "gpio-restart: gpio@10060000, pin, flags" "${s/#$sg /gpio }" "${q/#$qg /gpio }"
fi

# What QEMU's tree does not have, shoal's must: no mmu-type on the E51 (no
# MMU; QEMU 7.2 gives every hart sv48), sv39 on the U54s (the FU540's).
if [ -n "$have_tools" ] && [ "$(get "$T/shoal.dtb" /cpus/cpu@0 mmu-type s)" = - ] &&
    [ "$(get "$T/shoal.dtb" /cpus/cpu@1 mmu-type s)" = riscv,sv39 ]; then
    ok "mmu-type: none on the E51, riscv,sv39 on the U54s"
elif [ -z "$have_tools" ]; then
    skip "no fdtget"
else
    not_ok "mmu-type: none on the E51, riscv,sv39 on the U54s"
fi

for b in "${BAD[@]}"; do
    IFS='|' read -r args want <<< "$b"
    # shellcheck disable=SC2086 # $args is the option and its value
    if ! "$SHOAL" dumpdtb "$CONF" "$T/bad.dtb" $args > /dev/null 2> "$T/err" &&
        grep -qF "$want" "$T/err"; then
        ok "refused: $args"
    else
        not_ok "refused: $args"
        diag < "$T/err"
    fi
done
exit 0
