/* SPDX-License-Identifier: MIT */
#ifndef SHOAL_FUZZ_SCRATCH_H
#define SHOAL_FUZZ_SCRATCH_H

#include <glib.h>

/* @data in the file @name of this process's scratch directory (the name
 * of the first call stays); its path. */
const char *fuzz_scratch_file(const char *name, const guint8 *data, size_t size);

#endif /* SHOAL_FUZZ_SCRATCH_H */
