/* SPDX-License-Identifier: MIT */
/* snapshot-seeds DIR: small snapshot files into DIR, written by
 * ic_snapshot_write: the starting points from which the snapshot harness
 * mutates (fuzz/run.sh). Made here rather than kept in the repository
 * because they are binary and their checksums follow the format. */
#include <stdio.h>
#include <string.h>

#include "interconnect/snapshot.h"

#define MAX_SEED_HARTS 2

/* The last page of RAM holds data, those before it are zeros (holes in
 * the file). */
typedef struct {
    const char *name;
    guint n_harts;   /* 1..MAX_SEED_HARTS */
    guint64 n_pages; /* of RAM */
    gboolean devices; /* UART, PLIC and GPIO state in the meta */
} Seed;

static const Seed seeds[] = {
    { "one-page", 1, 1, FALSE },
    { "hole-and-devices", 2, 2, TRUE },
};

static const guint8 *ram_page(gpointer opaque, guint64 index)
{
    return (const guint8 *)opaque + index * IC_PAGE_SIZE;
}

static gboolean seed_write(const char *dir, const Seed *s, GError **error)
{
    Shoal__V1__SnapshotMeta meta = SHOAL__V1__SNAPSHOT_META__INIT;
    Shoal__V1__HartState hart[MAX_SEED_HARTS], *harts[MAX_SEED_HARTS];
    Shoal__V1__HartField field[MAX_SEED_HARTS][2], *fields[MAX_SEED_HARTS][2];
    g_assert_cmpuint(s->n_harts, <=, MAX_SEED_HARTS);
    const guint64 ram_size = s->n_pages * IC_PAGE_SIZE;
    g_autofree char *board = g_strdup_printf("harts=%u ram=0x80000000+0x%" G_GINT64_MODIFIER
                                             "x timebase=10000000", s->n_harts, ram_size);
    meta.board = board;
    meta.ram_base = 0x80000000u;
    meta.ram_size = ram_size;
    meta.hart_count = s->n_harts;
    meta.timebase_hz = 10000000;
    for (guint i = 0; i < s->n_harts; i++) {
        hart[i] = (Shoal__V1__HartState)SHOAL__V1__HART_STATE__INIT;
        hart[i].hart = i;
        hart[i].mtimecmp = 1000 + i;
        for (guint f = 0; f < 2; f++) {
            field[i][f] = (Shoal__V1__HartField)SHOAL__V1__HART_FIELD__INIT;
            field[i][f].name = f ? "x5" : "pc";
            field[i][f].value = 0x80000000u + 16 * i + f;
            fields[i][f] = &field[i][f];
        }
        hart[i].n_fields = 2;
        hart[i].fields = fields[i];
        harts[i] = &hart[i];
    }
    meta.n_harts = s->n_harts;
    meta.harts = harts;
    meta.mtime = 123456789;

    Shoal__V1__UartState uart = SHOAL__V1__UART_STATE__INIT;
    Shoal__V1__PlicState plic = SHOAL__V1__PLIC_STATE__INIT;
    Shoal__V1__GpioState gpio = SHOAL__V1__GPIO_STATE__INIT, *gpios[1] = { &gpio };
    guint32 priority[3] = { 0, 7, 1 };
    if (s->devices) {
        uart.lcr = 3;
        uart.rx.data = (guint8 *)"typed";
        uart.rx.len = 5;
        meta.uart = &uart;
        plic.n_priority = G_N_ELEMENTS(priority);
        plic.priority = priority;
        meta.plic = &plic;
        gpio.device = "gpio0";
        gpio.output_val = 0x5;
        meta.n_gpios = 1;
        meta.gpios = gpios;
        meta.saved_from = "configs/virt-2x2.conf";
        meta.saved_at = 1700000000;
    }

    g_autofree guint8 *ram = g_malloc0(ram_size);
    guint8 *last = ram + ram_size - IC_PAGE_SIZE;
    for (guint i = 0; i < IC_PAGE_SIZE; i++)
        last[i] = (guint8)(i * 7 + 1);
    g_autofree char *path = g_build_filename(dir, s->name, NULL);
    return ic_snapshot_write(path, &meta, ram_page, ram, NULL, error);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: snapshot-seeds DIR\n");
        return 2;
    }
    for (guint i = 0; i < G_N_ELEMENTS(seeds); i++) {
        g_autoptr(GError) error = NULL;
        if (!seed_write(argv[1], &seeds[i], &error)) {
            fprintf(stderr, "snapshot-seeds: %s\n", error->message);
            return 1;
        }
    }
    return 0;
}
