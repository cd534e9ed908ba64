/* SPDX-License-Identifier: MIT */
/* The flattened device tree handed to firmware, built from the CfgMachine
 * with libfdt's sequential writer, node for node as QEMU's virt board
 * builds it, so OpenSBI and U-Boot see exactly the machine described, and
 * only the devices it has. cpu-map has one cluster per cpu-node process,
 * and (with [machine] numa) each cpu-node process is a NUMA node. */
#include "config/internal.h"

#include <libfdt.h>
#include <string.h>

/* What shoal's translator implements (tcg/), in the ISA string's order:
 * the Z extensions by the category of their second letter (I before B, as
 * in the canonical IMAFDQLCBKJTPVH), alphabetical within one, then the S
 * extensions. Linux uses what this names and nothing else: pause in
 * cpu_relax, Sstc's stimecmp instead of an SBI call per timer, Svpbmt for
 * ioremap, the Zbb string routines. Zicbop's prefetches are hints (ori to
 * x0) every RV64I hart runs. */
#define FDT_CACHE_BLOCK 64 /* RV_CACHE_BLOCK: what cbo.* and prefetch.* name */
#define UART_CLOCK_HZ 3686400  /* QEMU's virt UART input clock, and sifive_u's uartclk */
#define PLIC_NDEV 96           /* sources QEMU 7.2's virt PLIC advertises */
#define TEST_POWEROFF 0x5555   /* sifive_test FINISHER_PASS */
#define TEST_REBOOT 0x7777     /* sifive_test FINISHER_RESET */
#define IRQ_M_SOFT 3           /* mip bits, the cpu-intc interrupt numbers */
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define IRQ_M_EXT 11
#define FDT_INITIAL_SIZE (16 * 1024)
#define FDT_MAX_SIZE (16 * 1024 * 1024) /* 256 nodes x 256 harts fit with room */

/* Phandles are fixed up front (the sequential writer cannot patch them):
 * hart h's cpu node is 2h+1, its interrupt controller 2h+2, then these. */
static guint32 ph_cpu(guint hart)
{
    return 2 * hart + 1;
}

static guint32 ph_intc(guint hart)
{
    return 2 * hart + 2;
}

static guint32 ph_plic(const CfgMachine *m)
{
    return 2 * m->n_harts + 1;
}

static guint32 ph_test(const CfgMachine *m)
{
    return 2 * m->n_harts + 2;
}

/* The writer, with the first libfdt error remembered: every call after one
 * is a no-op, so the tree reads top to bottom without a check per line. */
typedef struct {
    void *buf;
    int size;
    int err; /* first libfdt error, 0 if none */
} Fdt;

static void chk(Fdt *f, int rc)
{
    if (rc < 0 && f->err == 0) {
        f->err = rc;
    }
}

static void begin(Fdt *f, const char *name)
{
    if (f->err == 0) {
        chk(f, fdt_begin_node(f->buf, name));
    }
}

static void begin_at(Fdt *f, const char *name, guint64 addr)
{
    g_autofree char *n = g_strdup_printf("%s@%" G_GINT64_MODIFIER "x", name, addr);
    begin(f, n);
}

static void end(Fdt *f)
{
    if (f->err == 0) {
        chk(f, fdt_end_node(f->buf));
    }
}

static void prop(Fdt *f, const char *name, const void *val, int len)
{
    if (f->err == 0) {
        chk(f, fdt_property(f->buf, name, val, len));
    }
}

static void prop_u32(Fdt *f, const char *name, guint32 v)
{
    if (f->err == 0) {
        chk(f, fdt_property_u32(f->buf, name, v));
    }
}

static void prop_u64(Fdt *f, const char *name, guint64 v)
{
    if (f->err == 0) {
        chk(f, fdt_property_u64(f->buf, name, v));
    }
}

static void prop_str(Fdt *f, const char *name, const char *s)
{
    prop(f, name, s, (int)strlen(s) + 1);
}

/* A string list: the strings of @v back to back, each with its NUL. */
static void prop_strs(Fdt *f, const char *name, const char *const *v)
{
    g_autoptr(GByteArray) b = g_byte_array_new();

    for (; *v; v++) {
        g_byte_array_append(b, (const guint8 *)*v, (guint)strlen(*v) + 1);
    }
    prop(f, name, b->data, (int)b->len);
}

static void prop_cells(Fdt *f, const char *name, const guint32 *cells, guint n)
{
    g_autofree fdt32_t *be = g_new(fdt32_t, MAX(n, 1));

    for (guint i = 0; i < n; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    prop(f, name, be, (int)(n * sizeof(fdt32_t)));
}

/* reg = <addr size> with #address-cells = #size-cells = 2. */
static void prop_reg(Fdt *f, guint64 addr, guint64 size)
{
    guint32 c[4] = { (guint32)(addr >> 32), (guint32)addr, (guint32)(size >> 32), (guint32)size };
    prop_cells(f, "reg", c, 4);
}

/* interrupts-extended = <intc(h) a intc(h) b> for every hart, in hart
 * order; b is left out for a hart without S-mode when @b_needs_s (the
 * PLIC has no S context for it: memory-server/plic.c numbers them so, as
 * QEMU's sifive_u lists its E51's M context alone). */
static void prop_hart_irqs(Fdt *f, const CfgMachine *m, guint32 a, guint32 b, gboolean b_needs_s)
{
    g_autofree guint32 *c = g_new(guint32, 4 * (gsize)m->n_harts);
    guint n = 0;

    for (guint h = 0; h < m->n_harts; h++) {
        c[n++] = ph_intc(h);
        c[n++] = a;
        if (!b_needs_s || !cfg_machine_hart_node(m, h)->isa.no_s_mode) {
            c[n++] = ph_intc(h);
            c[n++] = b;
        }
    }
    prop_cells(f, "interrupts-extended", c, n);
}

/* The NUMA split: each cpu-node a NUMA node with an equal share of RAM,
 * 2 MiB-aligned (Linux's sparsemem sections and huge pages want no less);
 * 0 when the machine has one node, numa is off or RAM is too small. Riscv
 * Linux 6.1 builds no scheduling domain from cpu-map (no SCHED_MC), so this
 * is the only way to tell it that some harts are far apart: load balancing
 * then looks across nodes less often, which matters because every look
 * reads the other CPUs' run queues, pages that must cross processes. */
#define NUMA_ALIGN (2u << 20)
#define NUMA_LOCAL 10  /* distance-map: the spec's own node */
#define NUMA_REMOTE 20 /* another cpu-node process (one more hop of the protocol) */

static guint64 numa_share(const CfgMachine *m)
{
    if (!m->numa || m->n_nodes < 2) {
        return 0;
    }
    guint64 share = m->ram_size / m->n_nodes / NUMA_ALIGN * NUMA_ALIGN;
    return share >= NUMA_ALIGN && m->ram_base % NUMA_ALIGN == 0 ? share : 0;
}

static guint numa_node_of(const CfgMachine *m, guint hart)
{
    for (guint n = 0; n < m->n_nodes; n++) {
        if (hart - m->nodes[n].first_hart < m->nodes[n].n_harts) {
            return n;
        }
    }
    g_assert_not_reached();
}

/* One memory node per NUMA node (the last takes what rounding left), or
 * one for all of RAM. */
static void add_memory(Fdt *f, const CfgMachine *m)
{
    guint64 share = numa_share(m);
    guint parts = share ? m->n_nodes : 1;
    for (guint n = 0; n < parts; n++) {
        guint64 base = m->ram_base + n * share;
        guint64 size = n + 1 < parts ? share : m->ram_size - n * share;
        begin_at(f, "memory", base);
        prop_str(f, "device_type", "memory");
        prop_reg(f, base, size);
        if (share) {
            prop_u32(f, "numa-node-id", n);
        }
        end(f);
    }
    /* More RAM ([memory.NAME] kind=ram) is system memory too. With NUMA,
     * Linux wants a node for every memory block: the first, arbitrarily. */
    for (guint i = 1; i < m->n_memories; i++) {
        const CfgMemory *r = &m->memories[i];
        if (r->kind != CFG_MEMORY_RAM) {
            continue;
        }
        begin_at(f, "memory", r->base);
        prop_str(f, "device_type", "memory");
        prop_reg(f, r->base, r->size);
        if (share) {
            prop_u32(f, "numa-node-id", 0);
        }
        end(f);
    }
}

/* On-chip SRAM: the generic mmio-sram binding (Linux's drivers/misc/sram.c
 * makes it a pool drivers can ask for), not a memory@ node, for firmware
 * may keep its own data there and the kernel must not allocate over it.
 * A ROM is not described at all, as QEMU's sifive_u and virt leave out
 * their mask ROM: it holds the code that ran before the tree was read,
 * and a memory@ node would make the kernel write to it. */
static void add_srams(Fdt *f, const CfgMachine *m)
{
    for (guint i = 1; i < m->n_memories; i++) {
        const CfgMemory *r = &m->memories[i];
        if (r->kind == CFG_MEMORY_SRAM) {
            begin_at(f, "sram", r->base);
            prop_str(f, "compatible", "mmio-sram");
            prop_reg(f, r->base, r->size);
            end(f);
        }
    }
}

static void add_distance_map(Fdt *f, const CfgMachine *m)
{
    if (!numa_share(m)) {
        return;
    }
    g_autofree guint32 *c = g_new(guint32, 3 * (gsize)m->n_nodes * m->n_nodes);
    guint i = 0;
    for (guint a = 0; a < m->n_nodes; a++) {
        for (guint b = 0; b < m->n_nodes; b++) {
            c[i++] = a;
            c[i++] = b;
            c[i++] = a == b ? NUMA_LOCAL : NUMA_REMOTE;
        }
    }
    begin(f, "distance-map");
    prop_str(f, "compatible", "numa-distance-map-v1");
    prop_cells(f, "distance-matrix", c, i);
    end(f);
}

/* What the hart implements, as the node's isa/priv/mmu keys say: a hart
 * without an MMU has no mmu-type (Linux then leaves it alone). */
static void add_cpu_isa(Fdt *f, const TcgIsa *isa)
{
    g_autofree char *s = tcg_isa_string(isa);
    prop_str(f, "riscv,isa", s);
    if (isa->mmu != TCG_MMU_NONE) {
        prop_str(f, "mmu-type", isa->mmu == TCG_MMU_SV39 ? "riscv,sv39" : "riscv,sv48");
    }
    if (tcg_isa_has(isa, TCG_EXT_ZICBOM)) {
        prop_u32(f, "riscv,cbom-block-size", FDT_CACHE_BLOCK);
    }
    if (tcg_isa_has(isa, TCG_EXT_ZICBOP)) {
        prop_u32(f, "riscv,cbop-block-size", FDT_CACHE_BLOCK);
    }
    if (tcg_isa_has(isa, TCG_EXT_ZICBOZ)) {
        prop_u32(f, "riscv,cboz-block-size", FDT_CACHE_BLOCK);
    }
}

static void add_cpus(Fdt *f, const CfgMachine *m)
{
    begin(f, "cpus");
    prop_u32(f, "#address-cells", 1);
    prop_u32(f, "#size-cells", 0);
    prop_u32(f, "timebase-frequency", (guint32)m->timebase_hz);
    for (guint h = 0; h < m->n_harts; h++) {
        begin_at(f, "cpu", h);
        prop_u32(f, "phandle", ph_cpu(h));
        prop_str(f, "device_type", "cpu");
        prop_u32(f, "reg", h);
        prop_str(f, "status", "okay");
        prop_str(f, "compatible", "riscv");
        add_cpu_isa(f, &cfg_machine_hart_node(m, h)->isa);
        if (numa_share(m)) {
            prop_u32(f, "numa-node-id", numa_node_of(m, h));
        }
        begin(f, "interrupt-controller");
        prop_u32(f, "#interrupt-cells", 1);
        prop(f, "interrupt-controller", NULL, 0);
        prop_str(f, "compatible", "riscv,cpu-intc");
        prop_u32(f, "phandle", ph_intc(h));
        end(f);
        end(f);
    }
    /* The real topology: one cluster per cpu-node process. */
    begin(f, "cpu-map");
    for (guint n = 0; n < m->n_nodes; n++) {
        g_autofree char *cluster = g_strdup_printf("cluster%u", n);
        begin(f, cluster);
        for (guint c = 0; c < m->nodes[n].n_harts; c++) {
            g_autofree char *core = g_strdup_printf("core%u", c);
            begin(f, core);
            prop_u32(f, "cpu", ph_cpu(m->nodes[n].first_hart + c));
            end(f);
        }
        end(f);
    }
    end(f);
    end(f);
}

/* A gpio's phandle: after the fixed ones, one per device slot. */
static guint32 ph_gpio(const CfgMachine *m, const CfgDevice *d)
{
    return 2 * m->n_harts + 3 + (guint32)(d - m->devices);
}

/* The fixed clock of the sifive UARTs, after every device's slot: Linux's
 * driver wants one to compute its divisor. */
static guint32 ph_uartclk(const CfgMachine *m)
{
    return 2 * m->n_harts + 3 + m->n_devices;
}

/* A device's line, where there is a PLIC to take it. */
static void prop_irq(Fdt *f, const CfgMachine *m, const CfgDevice *d, gboolean has_plic)
{
    if (d->irq >= 0 && has_plic) {
        prop_u32(f, "interrupts", (guint32)d->irq);
        prop_u32(f, "interrupt-parent", ph_plic(m));
    }
}

static void add_device(Fdt *f, const CfgMachine *m, const CfgDevice *d, gboolean has_plic)
{
    static const char *const clint_compat[] = { "sifive,clint0", "riscv,clint0", NULL };
    static const char *const plic_compat[] = { "sifive,plic-1.0.0", "riscv,plic0", NULL };
    static const char *const test_compat[] = { "sifive,test1", "sifive,test0", "syscon", NULL };

    switch (d->type) {
    case CFG_DEVICE_CLINT:
        begin_at(f, "clint", d->base);
        prop_hart_irqs(f, m, IRQ_M_SOFT, IRQ_M_TIMER, FALSE);
        prop_reg(f, d->base, d->size);
        prop_strs(f, "compatible", clint_compat);
        end(f);
        break;
    case CFG_DEVICE_PLIC:
        begin_at(f, "plic", d->base);
        prop_u32(f, "phandle", ph_plic(m));
        prop_u32(f, "riscv,ndev", PLIC_NDEV);
        prop_reg(f, d->base, d->size);
        prop_hart_irqs(f, m, IRQ_M_EXT, IRQ_S_EXT, TRUE);
        prop(f, "interrupt-controller", NULL, 0);
        prop_strs(f, "compatible", plic_compat);
        prop_u32(f, "#address-cells", 0);
        prop_u32(f, "#interrupt-cells", 1);
        end(f);
        break;
    case CFG_DEVICE_NS16550:
        begin_at(f, "serial", d->base);
        prop_irq(f, m, d, has_plic);
        prop_u32(f, "clock-frequency", UART_CLOCK_HZ);
        prop_reg(f, d->base, d->size);
        prop_str(f, "compatible", "ns16550a");
        end(f);
        break;
    case CFG_DEVICE_SIFIVE_UART:
        begin_at(f, "serial", d->base);
        prop_irq(f, m, d, has_plic);
        prop_u32(f, "clocks", ph_uartclk(m));
        prop_reg(f, d->base, d->size);
        prop_str(f, "compatible", "sifive,uart0");
        end(f);
        break;
    case CFG_DEVICE_SIFIVE_TEST:
        begin_at(f, "test", d->base);
        prop_u32(f, "phandle", ph_test(m));
        prop_reg(f, d->base, d->size);
        prop_strs(f, "compatible", test_compat);
        end(f);
        break;
    case CFG_DEVICE_GPIO:
        /* sifive,gpio0's binding also asks for one interrupt per pin; this
         * subset has no pin interrupts, so none are described. */
        begin_at(f, "gpio", d->base);
        prop_u32(f, "phandle", ph_gpio(m, d));
        prop_reg(f, d->base, d->size);
        prop_str(f, "compatible", "sifive,gpio0");
        prop(f, "gpio-controller", NULL, 0);
        prop_u32(f, "#gpio-cells", 2);
        prop_u32(f, "ngpios", CFG_GPIO_PINS);
        end(f);
        break;
    case CFG_DEVICE_SYSC: {
        /* A range a SystemC model serves: only the model knows what it is,
         * so the config's name for it is the specific compatible. */
        g_autofree char *named = g_strconcat("shoal,", d->name, NULL);
        const char *const sysc_compat[] = { named, "shoal,sysc", NULL };
        begin_at(f, "sysc", d->base);
        prop_irq(f, m, d, has_plic);
        prop_reg(f, d->base, d->size);
        prop_strs(f, "compatible", sysc_compat);
        end(f);
        break;
    }
    case CFG_DEVICE_VIRTIO_BLK:
    case CFG_DEVICE_VIRTIO_RNG:
    case CFG_DEVICE_VIRTIO_NET:
    case CFG_DEVICE_VIRTIO_CONSOLE:
        /* The transport is what the tree describes; the driver reads the
         * device's kind from its DeviceID register, as on QEMU's virt. */
        begin_at(f, "virtio_mmio", d->base);
        prop_irq(f, m, d, has_plic);
        prop_reg(f, d->base, d->size);
        prop_str(f, "compatible", "virtio,mmio");
        end(f);
        break;
    }
}

/* syscon-poweroff / syscon-reboot on the test device: what OpenSBI's
 * generic platform resets the system through. */
static void add_syscon(Fdt *f, const CfgMachine *m, const char *name, guint32 value)
{
    g_autofree char *compat = g_strconcat("syscon-", name, NULL);

    begin(f, name);
    prop_u32(f, "value", value);
    prop_u32(f, "offset", 0);
    prop_u32(f, "regmap", ph_test(m));
    prop_str(f, "compatible", compat);
    end(f);
}

/* gpio-restart on each gpio's restart-pin, active low (flag 1,
 * GPIO_ACTIVE_LOW), as QEMU's sifive_u describes its pin 10: Linux's
 * gpio-restart driver and OpenSBI's gpio reset find the line there. */
static void add_gpio_restarts(Fdt *f, const CfgMachine *m)
{
    gboolean first = TRUE;
    for (guint i = 0; i < m->n_devices; i++) {
        const CfgDevice *d = &m->devices[i];
        if (d->type == CFG_DEVICE_GPIO && d->restart_pin >= 0) {
            guint32 gpios[3] = { ph_gpio(m, d), (guint32)d->restart_pin, 1 };
            /* node names are unique among siblings: the device's for a second one */
            g_autofree char *name = first ? g_strdup("gpio-restart")
                                          : g_strdup_printf("gpio-restart-%s", d->name);
            first = FALSE;
            begin(f, name);
            prop_str(f, "compatible", "gpio-restart");
            prop_cells(f, "gpios", gpios, 3);
            end(f);
        }
    }
}

static void build(Fdt *f, const CfgMachine *m, guint64 initrd_start, guint64 initrd_end)
{
    const CfgDevice *uart = cfg_machine_console_uart(m);
    gboolean has_plic = cfg_machine_find_device(m, CFG_DEVICE_PLIC) != NULL;
    gboolean has_test = cfg_machine_find_device(m, CFG_DEVICE_SIFIVE_TEST) != NULL;
    g_autofree char *model = g_strdup_printf("riscv-virtio,shoal-%s", m->name);

    chk(f, fdt_create(f->buf, f->size));
    chk(f, fdt_finish_reservemap(f->buf));
    begin(f, "");
    prop_u32(f, "#address-cells", 2);
    prop_u32(f, "#size-cells", 2);
    prop_str(f, "compatible", "riscv-virtio");
    prop_str(f, "model", model);

    begin(f, "chosen");
    if (uart) {
        g_autofree char *path = g_strdup_printf("/soc/serial@%" G_GINT64_MODIFIER "x", uart->base);
        prop_str(f, "stdout-path", path);
    }
    prop_str(f, "bootargs", m->append);
    if (initrd_end > initrd_start) {
        prop_u64(f, "linux,initrd-start", initrd_start);
        prop_u64(f, "linux,initrd-end", initrd_end);
    }
    end(f);

    if (has_test) {
        add_syscon(f, m, "poweroff", TEST_POWEROFF);
        add_syscon(f, m, "reboot", TEST_REBOOT);
    }

    add_gpio_restarts(f, m);
    add_memory(f, m);
    add_distance_map(f, m);
    add_cpus(f, m);

    begin(f, "soc");
    prop_u32(f, "#address-cells", 2);
    prop_u32(f, "#size-cells", 2);
    prop_str(f, "compatible", "simple-bus");
    prop(f, "ranges", NULL, 0);
    add_srams(f, m);
    if (cfg_machine_find_device(m, CFG_DEVICE_SIFIVE_UART)) {
        begin(f, "uartclk");
        prop_str(f, "compatible", "fixed-clock");
        prop_u32(f, "#clock-cells", 0);
        prop_u32(f, "clock-frequency", UART_CLOCK_HZ);
        prop_u32(f, "phandle", ph_uartclk(m));
        end(f);
    }
    for (guint i = 0; i < m->n_devices; i++) {
        add_device(f, m, &m->devices[i], has_plic);
    }
    end(f);

    end(f);
    chk(f, fdt_finish(f->buf));
}

GBytes *cfg_machine_build_fdt(const CfgMachine *machine, guint64 initrd_start, guint64 initrd_end,
                              GError **error)
{
    Fdt f = { 0 };

    /* The size depends on the hart count: grow until it fits. */
    for (f.size = FDT_INITIAL_SIZE; f.size <= FDT_MAX_SIZE; f.size *= 2) {
        f.buf = g_malloc0((gsize)f.size);
        f.err = 0;
        build(&f, machine, initrd_start, initrd_end);
        if (f.err == 0) {
            int total = (int)fdt_totalsize(f.buf);
            return g_bytes_new_take(g_realloc(f.buf, (gsize)total), (gsize)total);
        }
        g_free(f.buf);
        if (f.err != -FDT_ERR_NOSPACE) {
            break;
        }
    }
    g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s: cannot build the device tree: %s",
                machine->path, f.err == -FDT_ERR_NOSPACE ? "larger than 16 MiB"
                                                         : fdt_strerror(f.err));
    return NULL;
}
