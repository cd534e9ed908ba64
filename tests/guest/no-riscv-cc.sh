#!/bin/sh
# SPDX-License-Identifier: MIT
# Stands in for the guest suite when configure found no riscv64-unknown-elf-gcc:
# the guest tests are reported as skipped, never silently passed.
echo "1..1"
echo "ok 1 - guest tests # SKIP riscv64-unknown-elf-gcc not found (apt-get install gcc-riscv64-unknown-elf)"
