/* SPDX-License-Identifier: MIT */
/* config/fdt.c: the shipped virt configs' device trees, parsed back with
 * libfdt: root, chosen, memory, one cpu per hart with its interrupt
 * controller, cpu-map clusters matching the cpu-node processes, one NUMA
 * node per cpu-node process (numa-node-id on cpus and RAM, distance-map),
 * and the devices wired to the right harts and interrupt controller. */
#include <libfdt.h>
#include <string.h>

#include "config/cfg.h"

static CfgMachine *load(const char *name, const char *const *sets)
{
    const char *srcdir = g_getenv("SHOAL_SRCDIR");
    g_autofree char *path = g_build_filename(srcdir ? srcdir : ".", "configs", name, NULL);
    g_autoptr(GError) error = NULL;
    CfgMachine *m = cfg_machine_load(path, sets, "/dev/null", NULL, &error);

    g_assert_no_error(error);
    return m;
}

static const void *fdt_of(GBytes *b)
{
    const void *fdt = g_bytes_get_data(b, NULL);

    g_assert_cmpint(fdt_check_header(fdt), ==, 0);
    g_assert_cmpuint(fdt_totalsize(fdt), ==, g_bytes_get_size(b));
    return fdt;
}

static int node(const void *fdt, const char *path)
{
    int off = fdt_path_offset(fdt, path);

    if (off < 0) {
        g_error("no node %s: %s", path, fdt_strerror(off));
    }
    return off;
}

static const char *str(const void *fdt, const char *path, const char *name)
{
    int len = 0;
    const char *v = fdt_getprop(fdt, node(fdt, path), name, &len);

    g_assert_nonnull(v);
    g_assert_cmpint(len, >, 0);
    g_assert_cmpint(v[len - 1], ==, '\0');
    return v;
}

/* Cell @i of property @name, which must have @n cells. */
static guint32 cell(const void *fdt, const char *path, const char *name, int n, int i)
{
    int len = 0;
    const fdt32_t *v = fdt_getprop(fdt, node(fdt, path), name, &len);

    if (v == NULL) {
        g_error("%s has no %s", path, name);
    }
    g_assert_cmpint(len, ==, n * 4);
    return fdt32_to_cpu(v[i]);
}

static gboolean has_prop(const void *fdt, const char *path, const char *name)
{
    return fdt_getprop(fdt, node(fdt, path), name, NULL) != NULL;
}

/* The string list @name as "a|b|c". */
static char *strs(const void *fdt, const char *path, const char *name)
{
    int len = 0;
    const char *v = fdt_getprop(fdt, node(fdt, path), name, &len);
    GString *s = g_string_new(NULL);

    g_assert_nonnull(v);
    for (int off = 0; off < len; off += (int)strlen(v + off) + 1) {
        g_string_append_printf(s, "%s%s", off ? "|" : "", v + off);
    }
    return g_string_free(s, FALSE);
}

static void test_virt_2x2(void)
{
    g_autoptr(CfgMachine) m = load("virt-2x2.conf", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) blob = cfg_machine_build_fdt(m, 0, 0, &error);
    const void *fdt;
    guint32 plic;

    g_assert_no_error(error);
    fdt = fdt_of(blob);
    g_assert_cmpuint(cell(fdt, "/", "#address-cells", 1, 0), ==, 2);
    g_assert_cmpuint(cell(fdt, "/", "#size-cells", 1, 0), ==, 2);
    g_assert_cmpstr(str(fdt, "/", "compatible"), ==, "riscv-virtio");
    g_assert_cmpstr(str(fdt, "/chosen", "stdout-path"), ==, "/soc/serial@10000000");
    g_assert_cmpstr(str(fdt, "/chosen", "bootargs"), ==, "");
    g_assert_cmpstr(str(fdt, "/memory@80000000", "device_type"), ==, "memory");
    g_assert_cmpuint(cell(fdt, "/memory@80000000", "reg", 4, 1), ==, 0x80000000);
    /* 128 MiB over two NUMA nodes, one per cpu-node process. */
    g_assert_cmpuint(cell(fdt, "/memory@80000000", "reg", 4, 3), ==, 64 * 1024 * 1024);
    g_assert_cmpuint(cell(fdt, "/memory@80000000", "numa-node-id", 1, 0), ==, 0);
    g_assert_cmpuint(cell(fdt, "/memory@84000000", "reg", 4, 1), ==, 0x84000000);
    g_assert_cmpuint(cell(fdt, "/memory@84000000", "reg", 4, 3), ==, 64 * 1024 * 1024);
    g_assert_cmpuint(cell(fdt, "/memory@84000000", "numa-node-id", 1, 0), ==, 1);
    g_assert_cmpstr(str(fdt, "/distance-map", "compatible"), ==, "numa-distance-map-v1");
    static const guint32 distances[] = { 0, 0, 10, 0, 1, 20, 1, 0, 20, 1, 1, 10 };
    for (guint i = 0; i < G_N_ELEMENTS(distances); i++)
        g_assert_cmpuint(cell(fdt, "/distance-map", "distance-matrix", 12, (int)i), ==,
                         distances[i]);
    g_assert_cmpuint(cell(fdt, "/cpus", "timebase-frequency", 1, 0), ==, 10000000);

    plic = cell(fdt, "/soc/plic@c000000", "phandle", 1, 0);
    for (guint h = 0; h < 4; h++) {
        g_autofree char *cpu = g_strdup_printf("/cpus/cpu@%u", h);
        g_autofree char *intc = g_strdup_printf("/cpus/cpu@%u/interrupt-controller", h);
        guint32 intc_ph;

        g_assert_cmpuint(cell(fdt, cpu, "reg", 1, 0), ==, h);
        g_assert_cmpstr(str(fdt, cpu, "device_type"), ==, "cpu");
        g_assert_cmpstr(str(fdt, cpu, "status"), ==, "okay");
        g_assert_cmpstr(str(fdt, cpu, "riscv,isa"), ==,
                        "rv64imafdc_zicbom_zicbop_zicboz_zicond_zicsr_zifencei_zihintpause_"
                        "zba_zbb_zbc_zbs_sstc_svpbmt");
        g_assert_cmpuint(cell(fdt, cpu, "riscv,cbom-block-size", 1, 0), ==, 64);
        g_assert_cmpuint(cell(fdt, cpu, "riscv,cboz-block-size", 1, 0), ==, 64);
        g_assert_cmpstr(str(fdt, cpu, "mmu-type"), ==, "riscv,sv48");
        g_assert_cmpuint(cell(fdt, cpu, "numa-node-id", 1, 0), ==, h / 2);
        g_assert_cmpstr(str(fdt, intc, "compatible"), ==, "riscv,cpu-intc");
        g_assert_true(has_prop(fdt, intc, "interrupt-controller"));
        g_assert_cmpuint(cell(fdt, intc, "#interrupt-cells", 1, 0), ==, 1);
        intc_ph = cell(fdt, intc, "phandle", 1, 0);
        g_assert_cmpint(fdt_node_offset_by_phandle(fdt, intc_ph), ==, node(fdt, intc));
        g_assert_cmpuint(intc_ph, !=, plic);
        /* CLINT: machine software 3, machine timer 7; PLIC: M ext 11, S ext 9. */
        g_assert_cmpuint(cell(fdt, "/soc/clint@2000000", "interrupts-extended", 16, 4 * h), ==,
                         intc_ph);
        g_assert_cmpuint(cell(fdt, "/soc/clint@2000000", "interrupts-extended", 16, 4 * h + 1),
                         ==, 3);
        g_assert_cmpuint(cell(fdt, "/soc/clint@2000000", "interrupts-extended", 16, 4 * h + 3),
                         ==, 7);
        g_assert_cmpuint(cell(fdt, "/soc/plic@c000000", "interrupts-extended", 16, 4 * h + 2), ==,
                         intc_ph);
        g_assert_cmpuint(cell(fdt, "/soc/plic@c000000", "interrupts-extended", 16, 4 * h + 1),
                         ==, 11);
        g_assert_cmpuint(cell(fdt, "/soc/plic@c000000", "interrupts-extended", 16, 4 * h + 3),
                         ==, 9);
    }
    /* Two cpu-node processes of two harts: two clusters. */
    for (guint c = 0; c < 2; c++) {
        for (guint k = 0; k < 2; k++) {
            g_autofree char *core = g_strdup_printf("/cpus/cpu-map/cluster%u/core%u", c, k);
            g_autofree char *cpu = g_strdup_printf("/cpus/cpu@%u", 2 * c + k);
            guint32 ph = cell(fdt, core, "cpu", 1, 0);
            g_assert_cmpint(fdt_node_offset_by_phandle(fdt, ph), ==, node(fdt, cpu));
        }
    }
    g_assert_cmpint(fdt_path_offset(fdt, "/cpus/cpu-map/cluster2"), <, 0);
    g_assert_cmpint(fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core2"), <, 0);

    {
        g_autofree char *clint = strs(fdt, "/soc/clint@2000000", "compatible");
        g_autofree char *plic_c = strs(fdt, "/soc/plic@c000000", "compatible");
        g_autofree char *test = strs(fdt, "/soc/test@100000", "compatible");
        g_assert_cmpstr(clint, ==, "sifive,clint0|riscv,clint0");
        g_assert_cmpstr(plic_c, ==, "sifive,plic-1.0.0|riscv,plic0");
        g_assert_cmpstr(test, ==, "sifive,test1|sifive,test0|syscon");
    }
    g_assert_cmpstr(str(fdt, "/soc", "compatible"), ==, "simple-bus");
    g_assert_true(has_prop(fdt, "/soc", "ranges"));
    g_assert_true(has_prop(fdt, "/soc/plic@c000000", "interrupt-controller"));
    g_assert_cmpuint(cell(fdt, "/soc/plic@c000000", "#interrupt-cells", 1, 0), ==, 1);
    g_assert_cmpuint(cell(fdt, "/soc/plic@c000000", "#address-cells", 1, 0), ==, 0);
    g_assert_cmpuint(cell(fdt, "/soc/plic@c000000", "riscv,ndev", 1, 0), ==, 96);
    g_assert_cmpuint(cell(fdt, "/soc/plic@c000000", "reg", 4, 3), ==, 0x600000);
    g_assert_cmpstr(str(fdt, "/soc/serial@10000000", "compatible"), ==, "ns16550a");
    g_assert_cmpuint(cell(fdt, "/soc/serial@10000000", "interrupts", 1, 0), ==, 10);
    g_assert_cmpuint(cell(fdt, "/soc/serial@10000000", "interrupt-parent", 1, 0), ==, plic);
    g_assert_cmpuint(cell(fdt, "/soc/serial@10000000", "clock-frequency", 1, 0), ==, 3686400);
    g_assert_cmpuint(cell(fdt, "/poweroff", "regmap", 1, 0), ==,
                     cell(fdt, "/soc/test@100000", "phandle", 1, 0));
    g_assert_cmpuint(cell(fdt, "/poweroff", "value", 1, 0), ==, 0x5555);
    g_assert_cmpuint(cell(fdt, "/reboot", "value", 1, 0), ==, 0x7777);
    g_assert_cmpuint(cell(fdt, "/reboot", "offset", 1, 0), ==, 0);
    g_assert_cmpstr(str(fdt, "/reboot", "compatible"), ==, "syscon-reboot");
}

/* Each shipped board: the cpu-map cluster sizes, "2,2" for two nodes of two,
 * and each cpu's numa-node-id ("-" for none: one node, or numa=off). */
typedef struct {
    const char *config;
    const char *numa_set;
    const char *clusters;
    const char *cpu_numa;
} TopologyCase;

static const TopologyCase topologies[] = {
    { "virt.conf", NULL, "1", "-" },
    { "virt-1x4.conf", NULL, "4", "-,-,-,-" },
    { "virt-2x2.conf", NULL, "2,2", "0,0,1,1" },
    { "virt-2x2.conf", "machine.numa=off", "2,2", "-,-,-,-" },
    { "virt-4x1.conf", NULL, "1,1,1,1", "0,1,2,3" },
    { "virt-2x1.conf", NULL, "1,1", "0,1" },
    /* RAM too small for a 2 MiB share per node: no NUMA. */
    { "virt-2x1.conf", "memory.size=2M", "1,1", "-,-" },
};

static void test_topology(gconstpointer data)
{
    const TopologyCase *c = data;
    g_autoptr(CfgMachine) m = load(c->config, (const char *const[]){ c->numa_set, NULL });
    g_autoptr(GBytes) blob = cfg_machine_build_fdt(m, 0, 0, NULL);
    const void *fdt = fdt_of(blob);
    g_autoptr(GString) got = g_string_new(NULL);
    g_autoptr(GString) numa = g_string_new(NULL);
    int map = node(fdt, "/cpus/cpu-map"), cluster, core;
    guint cpus = 0;

    fdt_for_each_subnode(cluster, fdt, map) {
        guint n = 0;
        fdt_for_each_subnode(core, fdt, cluster) {
            n++;
        }
        g_string_append_printf(got, "%s%u", got->len ? "," : "", n);
    }
    g_assert_cmpstr(got->str, ==, c->clusters);
    fdt_for_each_subnode(core, fdt, node(fdt, "/cpus")) {
        const char *type = fdt_getprop(fdt, core, "device_type", NULL);
        if (type && strcmp(type, "cpu") == 0) {
            const fdt32_t *id = fdt_getprop(fdt, core, "numa-node-id", NULL);
            cpus++;
            g_string_append_printf(numa, "%s", numa->len ? "," : "");
            if (id)
                g_string_append_printf(numa, "%u", fdt32_to_cpu(*id));
            else
                g_string_append(numa, "-");
        }
    }
    g_assert_cmpuint(cpus, ==, m->n_harts);
    g_assert_cmpstr(numa->str, ==, c->cpu_numa);
    g_assert_cmpint(fdt_path_offset(fdt, "/distance-map") >= 0, ==, c->cpu_numa[0] != '-');
}

/* Only the devices the config has: a 64-hart node without PLIC or test
 * device, and more RAM (a tree larger than the first buffer guess). */
static void test_only_present(void)
{
    g_autoptr(CfgMachine) m = load("virt.conf", (const char *const[]){ "node.0.harts=200",
                                                                        "memory.size=4G", NULL });
    g_autoptr(GBytes) blob = NULL;
    const void *fdt;

    g_free(m->devices[3].name); /* drop [device.plic] and [device.test] */
    g_assert_cmpint(m->devices[3].type, ==, CFG_DEVICE_PLIC);
    g_assert_cmpint(m->devices[1].type, ==, CFG_DEVICE_SIFIVE_TEST);
    g_free(m->devices[1].name);
    m->devices[1] = m->devices[2];
    m->n_devices = 2;
    blob = cfg_machine_build_fdt(m, 0, 0, NULL);
    g_assert_cmpuint(g_bytes_get_size(blob), >, 16 * 1024);
    fdt = fdt_of(blob);
    g_assert_cmpint(fdt_path_offset(fdt, "/soc/plic@c000000"), <, 0);
    g_assert_cmpint(fdt_path_offset(fdt, "/soc/test@100000"), <, 0);
    g_assert_cmpint(fdt_path_offset(fdt, "/poweroff"), <, 0);
    g_assert_false(has_prop(fdt, "/soc/serial@10000000", "interrupt-parent"));
    g_assert_cmpuint(cell(fdt, "/memory@80000000", "reg", 4, 2), ==, 1);
    g_assert_cmpuint(cell(fdt, "/memory@80000000", "reg", 4, 3), ==, 0);
    g_assert_cmpuint(cell(fdt, "/cpus/cpu@c7", "reg", 1, 0), ==, 199);
    g_assert_cmpuint(cell(fdt, "/soc/clint@2000000", "interrupts-extended", 800, 799), ==, 7);
}

/* Each cpu says what its node's isa, priv and mmu keys make it: an
 * E51-like node (no S, no MMU) beside a U54-like one (Sv39) and a default
 * one. */
static void test_heterogeneous(void)
{
    g_autoptr(CfgMachine) m =
        load("virt-4x1.conf", (const char *const[]){ "node.0.isa=rv64imac_zicsr_zifencei",
                                                     "node.0.priv=mu", "node.1.isa=rv64gc",
                                                     "node.1.mmu=sv39",
                                                     "node.2.isa=RV64GC_Zba_Zicboz", NULL });
    g_autoptr(GBytes) blob = cfg_machine_build_fdt(m, 0, 0, NULL);
    const void *fdt = fdt_of(blob);

    g_assert_cmpstr(str(fdt, "/cpus/cpu@0", "riscv,isa"), ==, "rv64imac_zicsr_zifencei");
    g_assert_false(has_prop(fdt, "/cpus/cpu@0", "mmu-type"));
    g_assert_false(has_prop(fdt, "/cpus/cpu@0", "riscv,cbom-block-size"));
    g_assert_cmpstr(str(fdt, "/cpus/cpu@1", "riscv,isa"), ==, "rv64imafdc_zicsr_zifencei");
    g_assert_cmpstr(str(fdt, "/cpus/cpu@1", "mmu-type"), ==, "riscv,sv39");
    g_assert_cmpstr(str(fdt, "/cpus/cpu@2", "riscv,isa"), ==,
                    "rv64imafdc_zicboz_zicsr_zifencei_zba");
    g_assert_cmpuint(cell(fdt, "/cpus/cpu@2", "riscv,cboz-block-size", 1, 0), ==, 64);
    g_assert_false(has_prop(fdt, "/cpus/cpu@2", "riscv,cbom-block-size"));
    g_assert_cmpstr(str(fdt, "/cpus/cpu@2", "mmu-type"), ==, "riscv,sv48");
    g_assert_cmpstr(str(fdt, "/cpus/cpu@3", "riscv,isa"), ==,
                    "rv64imafdc_zicbom_zicbop_zicboz_zicond_zicsr_zifencei_zihintpause_"
                    "zba_zbb_zbc_zbs_sstc_svpbmt");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdt/virt-2x2", test_virt_2x2);
    for (guint i = 0; i < G_N_ELEMENTS(topologies); i++) {
        const char *set = topologies[i].numa_set;
        g_autofree char *path = g_strdup_printf("/fdt/topology/%s%s%s", topologies[i].config,
                                                set ? "/" : "", set ? set : "");
        g_test_add_data_func(path, &topologies[i], test_topology);
    }
    g_test_add_func("/fdt/only-present", test_only_present);
    g_test_add_func("/fdt/heterogeneous", test_heterogeneous);
    return g_test_run();
}
