#!/bin/bash
# SPDX-License-Identifier: MIT
# Heterogeneous harts against QEMU's models of the same cores: the probe
# guest (tests/guest/isa-probe.c: misa, which CSRs exist, which fields
# stick, the modes MPP and satp take, which optional instructions trap)
# prints the same on a shoal node configured as the core (the isa, priv and
# mmu keys of [node.0], both back ends) as on qemu-system-riscv64 -M virt
# -cpu <that core>, except where QEMU 7.2 departs from the privileged
# spec (SPEC below: those lines of QEMU's output are replaced by the spec's
# answer before the comparison, and each is reported). Then the config
# refuses what no hart can be.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
ELF="$SHOAL_BUILDDIR/tests/guest/isa-probe.elf"
CONF="$SHOAL_SRCDIR/configs/virt.conf"
QEMU=${QEMU_RISCV64:-qemu-system-riscv64}
# name | shoal's keys | QEMU's -cpu
PROFILES=(
    "e51|isa=rv64imac_zicsr_zifencei priv=mu|sifive-e51"
    "u54|isa=rv64gc mmu=sv39|sifive-u54"
    "rv64|isa=rv64gc_zba_zbb_zbc_zbs|rv64,h=false,zba=true,zbb=true,zbc=true,zbs=true"
    "noc|isa=rv64g|rv64,c=false,h=false,zba=false,zbb=false,zbc=false,zbs=false"
)
# name | the line QEMU 7.2 prints | what the spec says instead | why
SPEC=(
    "e51|csr medeleg: ok|csr medeleg: trap 2|without S-mode medeleg and mideleg should not exist (priv. spec 3.1.8)"
    "e51|csr mideleg: ok|csr mideleg: trap 2|the same"
    "e51|mstatus S fields stick 0x00000000005c0122|mstatus S fields stick 0x0000000000000000|SIE, SPIE, SPP, SUM, MXR, TVM and TSR are read-only 0 without S-mode"
    "e51|mstatus MPP after S 0x0000000000000001|mstatus MPP after S 0x0000000000000000|MPP cannot hold S without S-mode (WARL: the old value U stays)"
    "e51|mstatus SXL UXL 0x0000000a00000000|mstatus SXL UXL 0x0000000200000000|SXL is read-only 0 without S-mode"
    "e51|mie sticks 0x0000000000000aaa|mie sticks 0x0000000000000888|the S-level interrupt enables are read-only 0 without S-mode"
    "noc|its mtval is the target 0x0000000000000000|its mtval is the target 0x0000000000000001|mtval of a misaligned jump is its target (priv. spec 3.1.16); QEMU 7.2 gives a taken branch's the start of its block"
    "u54|satp after sv48 0x0000000000000009|satp after sv48 0x0000000000000000|the U54's MMU has Sv39 only (FU540 manual), so a write of Sv48 has no effect; QEMU 7.2 takes any RV64 mode"
)
BAD=(
    "isa=rv32imac|expected an RV64 ISA string"
    "isa=rv64imafdcv|shoal cannot run extension 'v'"
    "isa=rv64imadc|d needs f"
    "priv=su|expected msu, mu or m"
    "priv=mu mmu=sv39|mmu=sv39 needs S-mode"
)
N=$(( ${#PROFILES[@]} * 3 + ${#BAD[@]} ))
echo "1..$N"
if [ ! -f "$ELF" ]; then
    for _ in $(seq $N); do skip "isa-probe.elf not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi

# sets ARGS to --set node.0.KEY=VALUE for each KEY=VALUE of $1
set_args() {
    ARGS=()
    for kv in $1; do ARGS+=(--set "node.0.$kv"); done
}

for p in "${PROFILES[@]}"; do
    IFS='|' read -r name keys cpu <<< "$p"
    set_args "$keys"
    # a hart without C runs the probe built without it
    ELF="$SHOAL_BUILDDIR/tests/guest/isa-probe.elf"
    [ "$name" = noc ] && ELF="$SHOAL_BUILDDIR/tests/guest/isa-probe-noc.elf"
    have_ref=
    if command -v "$QEMU" > /dev/null 2>&1 && [ "$QEMU" != no ]; then
        timeout 20 "$QEMU" -M virt -cpu "$cpu" -bios none -kernel "$ELF" -display none \
            -monitor none -serial stdio > "$T/$name.qemu.raw" 2> "$T/err" < /dev/null
        sed -n '/^== guest ==$/,$p' "$T/$name.qemu.raw" > "$T/$name.qemu"
        if [ -s "$T/$name.qemu" ]; then
            ok "$name: QEMU -cpu $cpu runs the probe"
            have_ref=1
            for s in "${SPEC[@]}"; do
                IFS='|' read -r sname qemu_says spec_says why <<< "$s"
                [ "$sname" = "$name" ] || continue
                if grep -qxF "$qemu_says" "$T/$name.qemu"; then
                    echo "# $name: QEMU 7.2 prints \"$qemu_says\", the spec \"$spec_says\": $why"
                    awk -v q="$qemu_says" -v s="$spec_says" '$0 == q { print s; next } { print }' \
                        "$T/$name.qemu" > "$T/$name.qemu.spec" && mv "$T/$name.qemu.spec" "$T/$name.qemu"
                fi
            done
        else
            not_ok "$name: QEMU -cpu $cpu runs the probe"
            diag < "$T/err"
        fi
    else
        skip "$name: no $QEMU"
    fi
    for accel in jit interp; do
        timeout 20 "$SHOAL" run "$CONF" --bios none --kernel "$ELF" --accel "$accel" \
            "${ARGS[@]}" > "$T/$name.$accel.raw" 2> "$T/err" < /dev/null
        rc=$?
        sed -n '/^== guest ==$/,$p' "$T/$name.$accel.raw" > "$T/$name.$accel"
        if [ -z "$have_ref" ]; then
            skip "$name, $accel: no QEMU reference"
        elif [ $rc = 0 ] && cmp -s "$T/$name.qemu" "$T/$name.$accel"; then
            ok "$name ($keys), $accel: the same as QEMU -cpu $cpu"
        else
            not_ok "$name ($keys), $accel: the same as QEMU -cpu $cpu (exit $rc)"
            diff "$T/$name.qemu" "$T/$name.$accel" | diag
            head -5 "$T/err" | diag
        fi
    done
done

for b in "${BAD[@]}"; do
    IFS='|' read -r keys want <<< "$b"
    set_args "$keys"
    "$SHOAL" run "$CONF" --bios none --kernel "$ELF" "${ARGS[@]}" > /dev/null 2> "$T/err" < /dev/null
    rc=$?
    if [ $rc = 2 ] && grep -q "$want" "$T/err"; then
        ok "$keys: refused before anything starts (exit 2: $want)"
    else
        not_ok "$keys: refused before anything starts (exit $rc)"
        diag < "$T/err"
    fi
done
exit 0
