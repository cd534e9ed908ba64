/* SPDX-License-Identifier: MIT */
/* The litmus tests of smp-litmus.c across node processes (2x2, 4x1:
 * smp-litmus-nodes.configs), where every barrier and every access to x and
 * y is a page transfer through the directory: 100 rounds, for time. The
 * orderings there are the directory protocol's (memory-server/directory.pml
 * checks it); host memory ordering, which needs the many rounds, is
 * smp-litmus.c's on one node. */
#define ROUNDS 100
#include "smp-litmus.c"
