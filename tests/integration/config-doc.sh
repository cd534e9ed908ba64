#!/bin/bash
# SPDX-License-Identifier: MIT
# configs/README.md carries the key table that `shoal config-doc` renders
# from config/keys.def: they must not drift apart.
. "$(dirname "$0")/lib.sh"

echo "1..2"
README="$SHOAL_SRCDIR/configs/README.md"
"$SHOAL" config-doc > "$TEST_TMP/doc"
check "shoal config-doc succeeds and prints a table" grep -q '^| `\[memory\]` | `size`' "$TEST_TMP/doc"
sed -n '/^<!-- begin config-doc -->$/,/^<!-- end config-doc -->$/p' "$README" |
    sed '1d;$d' > "$TEST_TMP/readme"
if cmp -s "$TEST_TMP/doc" "$TEST_TMP/readme"; then
    ok "configs/README.md matches shoal config-doc"
else
    not_ok "configs/README.md matches shoal config-doc (regenerate it, see configs/README.md)"
    diff "$TEST_TMP/doc" "$TEST_TMP/readme" | diag
fi
exit 0
