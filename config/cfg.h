/* SPDX-License-Identifier: MIT */
/* Machine descriptions: a GKeyFile .conf (plus --set overrides) parsed once
 * into a checked CfgMachine, the common command line of every shoal
 * process, the images the machine boots and the device tree it describes.
 * Untrusted input: every failure is a GError naming the file, group/key and
 * what was expected. */
#ifndef SHOAL_CFG_H
#define SHOAL_CFG_H

#include <glib.h>

#include "tcg/tcg.h" /* TcgIsa: a node's ISA is checked by the translator's own table */

G_BEGIN_DECLS

#define CFG_ERROR (cfg_error_quark())
GQuark cfg_error_quark(void);
typedef enum {
    CFG_ERROR_FILE,    /* cannot read, or not GKeyFile syntax */
    CFG_ERROR_MISSING, /* a required group or key is absent */
    CFG_ERROR_VALUE,   /* a value of the wrong type or out of range */
    CFG_ERROR_UNKNOWN, /* a group/key (or --set key) nobody knows */
    CFG_ERROR_ELF,     /* a kernel/bios image is not a loadable RV64 ELF */
} CfgError;

/* Interrupt lines are sources of the virt board's PLIC: 1..95 (0 = none). */
#define CFG_IRQ_MAX 95
/* Harts a PLIC serves: 2 contexts each fill its 0x600000 window. */
#define CFG_PLIC_MAX_HARTS 512u
/* The CLINT's registers end with mtime at 0xbff8: its window must hold them. */
#define CFG_CLINT_MIN_SIZE 0xc000u
/* Memory a machine may have, all regions together: the directory keeps an
 * entry per 4 KiB page in the memory server's own memory. */
#define CFG_RAM_MAX (G_GUINT64_CONSTANT(64) << 30)

typedef enum {
    CFG_DEVICE_NS16550,
    CFG_DEVICE_SIFIVE_TEST,
    CFG_DEVICE_CLINT,
    CFG_DEVICE_PLIC,
    CFG_DEVICE_SYSC, /* served by a SystemC model in shoal-sysc-bridge */
    CFG_DEVICE_GPIO, /* SiFive GPIO0 subset: pins the guest drives into models */
    CFG_DEVICE_VIRTIO_BLK, /* virtio-mmio block device on an image file, in shoal-virtio */
    CFG_DEVICE_VIRTIO_RNG, /* virtio-mmio entropy device, in shoal-virtio */
    CFG_DEVICE_VIRTIO_NET, /* virtio-mmio network card on user networking, in shoal-virtio */
    CFG_DEVICE_VIRTIO_CONSOLE, /* virtio-mmio console on a unix socket, in shoal-virtio */
    CFG_DEVICE_SIFIVE_UART, /* sifive,uart0: SiFive's UART, in the memory server */
} CfgDeviceType;

/* The process that serves a device's register window. */
typedef enum {
    CFG_HOST_MEMORY_SERVER, /* ns16550, sifive_uart, sifive_test, plic, gpio */
    CFG_HOST_NODE,          /* clint: each node answers for its own harts */
    CFG_HOST_SYSC_BRIDGE,   /* sysc */
    CFG_HOST_VIRTIO,        /* virtio-*: shoal-virtio */
} CfgDeviceHost;
CfgDeviceHost cfg_device_host(CfgDeviceType type);
/* The `type` a config gives it ("ns16550", "virtio-blk", ...). */
const char *cfg_device_type_name(CfgDeviceType type);

/* What carries a virtio-net card's frames (key `netdev`). */
typedef enum {
    CFG_NETDEV_USER,   /* user-mode networking through libslirp */
    CFG_NETDEV_STREAM, /* a TCP or unix stream to one peer, QEMU's -netdev stream */
    CFG_NETDEV_DGRAM,  /* UDP or unix datagrams to one peer, QEMU's -netdev dgram */
    CFG_NETDEV_TAP,    /* a tap interface of the host */
} CfgNetdev;

/* Pins of a gpio device: 0..CFG_GPIO_PINS-1. */
#define CFG_GPIO_PINS 32

/* A model input of a sysc device and the gpio pin that drives it (key
 * `inputs`). Each pin drives at most one input in the whole machine. */
typedef struct {
    guint gpio; /* index in CfgMachine.devices of a CFG_DEVICE_GPIO */
    guint pin;  /* 0..CFG_GPIO_PINS-1 */
} CfgDeviceInput;

typedef struct {
    char *name;         /* group name without "device." */
    CfgDeviceType type; /* key `type` */
    guint64 base;       /* guest physical address */
    guint64 size;       /* bytes */
    gint irq;           /* interrupt line, -1 if none */
    gint restart_pin;   /* gpio: the pin that resets the machine when driven low
                         * (key `restart-pin`), -1 if none */
    guint n_inputs;     /* sysc: model inputs the guest drives (key `inputs`) */
    CfgDeviceInput *inputs; /* n_inputs entries; entry i is the model's input i */
    char *file;         /* virtio-blk: the raw image (key `file`) */
    gboolean readonly;  /* virtio-blk: the guest may not write the image (key `readonly`) */
    char *serial;       /* virtio-blk: its id (key `serial`), "" for none */
    guint8 mac[6];      /* virtio-net: its address (key `mac`) */
    char *socket;       /* virtio-console: the unix socket it listens on (key `socket`) */
    char **hostfwd;     /* virtio-net: host ports forwarded to the guest (key `hostfwd`),
                         * "tcp:HOSTADDR:PORT-GUESTADDR:PORT" each, NULL-terminated */
    CfgNetdev netdev;   /* virtio-net: what carries its frames (key `netdev`) */
    /* Link addresses, checked: "unix:ABSOLUTE-PATH", or "tcp:HOST:PORT"
     * (stream) / "udp:HOST:PORT" (dgram), HOST maybe [IPv6]; NULL if unset. */
    char *net_listen;   /* stream: where it waits for its peer (key `listen`) */
    char *net_connect;  /* stream: where it finds its peer (key `connect`); one of the two */
    char *net_local;    /* dgram: its own address (key `local`) */
    char *net_remote;   /* dgram: the peer's (key `remote`) */
    char *tap_ifname;   /* tap: the interface (key `ifname`), NULL: a new one the kernel names */
} CfgDevice;

/* What a memory region is to the guest ([memory.NAME] kind). */
typedef enum {
    CFG_MEMORY_RAM,  /* read-write, a memory@ node of the device tree */
    CFG_MEMORY_ROM,  /* read-only to the guest: a store or AMO is a store access fault */
    CFG_MEMORY_SRAM, /* read-write on-chip memory: an mmio-sram node, not system memory */
} CfgMemoryKind;

/* Memory the guest reaches by loads and stores: [memory] and each
 * [memory.NAME]. Every region's pages are coherent across nodes through
 * the memory server's directory; a rom's are only ever granted Shared. */
typedef struct {
    char *group;         /* "memory" or "memory.NAME" */
    char *label;         /* how messages name it: "RAM" or "[memory.NAME]" */
    CfgMemoryKind kind;  /* key `kind`; [memory] is ram */
    guint64 base;        /* guest physical, 4 KiB aligned */
    guint64 size;        /* bytes, a non-zero multiple of 4 KiB */
    char *image;         /* key `image`: raw bytes loaded at base at power-on, or NULL */
    guint64 first_page;  /* index of its first page in the numbering of every region's
                          * pages in CfgMachine.memories order (the memory server's
                          * buffer and directory): [memory]'s pages are 0.. */
} CfgMemory;

/* Regions a machine may have, [memory] included. */
#define CFG_MEMORY_MAX 16

/* How far apart the lowest and the highest byte of all memory regions may
 * be: a cpu-node reserves host address space for the whole span, so that
 * one constant turns every guest address of memory into a host address. */
#define CFG_MEMORY_SPAN_MAX (G_GUINT64_CONSTANT(1) << 40)

typedef struct {
    guint index;      /* N of [node.N] */
    guint first_hart; /* mhartid of its first hart */
    guint n_harts;    /* harts in this node (>= 1) */
    TcgIsa isa;       /* keys isa, priv, mmu, pmp-entries: what its harts implement */
    gboolean has_reset_vector; /* key reset-vector given: its harts start there, */
    guint64 reset_vector;      /* not at the machine's boot pc */
} CfgNode;

typedef struct {
    char *path;             /* the file it came from */
    char *name;             /* [machine] name */
    gboolean numa;          /* [machine] numa: the device tree has one NUMA node per cpu-node */
    guint64 ram_base;       /* [memory] base */
    guint64 ram_size;       /* [memory] size, a multiple of 4 KiB */
    guint n_memories;       /* >= 1 */
    CfgMemory *memories;    /* [memory] first, then every [memory.NAME]; disjoint */
    guint64 memory_pages;   /* 4 KiB pages over all of them (<= CFG_RAM_MAX / 4 KiB) */
    guint64 span_base;      /* lowest address of any region */
    guint64 span_size;      /* up to one past the highest (<= CFG_MEMORY_SPAN_MAX) */
    char *msrv_endpoint;    /* [memory-server] endpoint: NULL = ipc:// in the run dir */
    char *msrv_key;         /* [memory-server] key: the server's CurveZMQ pair (tcp://) */
    char *msrv_authorized_keys; /* [memory-server] authorized-keys: clients it admits */
    char *msrv_server_public_key; /* [memory-server] server-public-key: NULL = key's */
    char *msrv_client_key;  /* [memory-server] client-key: this host's pair; NULL = key */
    gboolean msrv_plain_tcp; /* [memory-server] plain-tcp: tcp:// without a key allowed */
    guint msrv_prefetch_pages; /* [memory-server] prefetch-pages, 0..64 */
    gboolean msrv_migratory;   /* [memory-server] migratory */
    gboolean msrv_direct;   /* [memory-server] transport: unix seqpacket links (ipc only) */
    gboolean msrv_rings;    /* ... carrying messages in shared-memory rings (auto) */
    char *accel;            /* [cpu] accel: "interp" or "jit" */
    guint64 code_buffer;    /* [cpu] code-buffer, bytes per hart */
    gboolean profile_pins;  /* [cpu] pin-registers = profile (else fixed) */
    guint64 lr_lease_us;    /* [cpu] lr-lease-us, 0..10000 */
    guint64 page_hold_us;   /* [cpu] page-hold-us, 0..10000 */
    guint64 cpu_spin_us;    /* [cpu] spin-us, 0..10000 */
    gboolean forward_m_mode; /* [cpu] forward = m-mode: firmware AMOs/loads go to the owner */
    guint64 msrv_spin_us;   /* [memory-server] spin-us, 0..10000 */
    guint64 timebase_hz;    /* [clint] timebase-frequency */
    guint n_nodes;          /* number of [node.N] groups, N = 0..n_nodes-1 */
    CfgNode *nodes;         /* n_nodes entries, harts numbered consecutively */
    guint n_harts;          /* sum over nodes */
    guint n_devices;
    CfgDevice *devices;     /* every [device.NAME] group */
    char *kernel;           /* [boot] kernel or --kernel, NULL if none */
    char *bios;             /* [boot] bios or --bios, NULL for "none" */
    char *initrd;           /* [boot] initrd or --initrd, NULL if none */
    char *append;           /* [boot] append or --append: /chosen bootargs, "" if none */
    gboolean has_reset_vector; /* [boot] reset-vector set: harts start there */
    guint64 reset_vector;   /* ... inside a memory region */
    char *sysc_program;     /* [sysc] program, NULL = the built-in shoal-sysc-bridge */
    guint64 sysc_quantum_ns; /* [sysc] quantum-ns, 1..1e9 */
    gboolean deterministic; /* [sysc] time-mode: guest time from retired instructions */
    gboolean reboot;        /* [machine] on-reset = reboot: a reset request power-cycles */
    guint64 insn_ns;        /* [sysc] insn-ns, 1..1000: guest ns per instruction then */
} CfgMachine;

/* Loads @path, applies @sets ("group.key=value", NULL-terminated, may be
 * NULL), then @kernel/@bios if non-NULL (bios "none" means none). Returns
 * NULL with @error set on any problem; never asserts on the input. */
CfgMachine *cfg_machine_load(const char *path, const char *const *sets, const char *kernel,
                             const char *bios, GError **error);
void cfg_machine_free(CfgMachine *machine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgMachine, cfg_machine_free)

/* Does the machine have a SystemC bridge (a device of type sysc)? */
gboolean cfg_machine_has_bridge(const CfgMachine *machine);
/* Does it have a device that shoal-virtio serves? */
gboolean cfg_machine_has_virtio(const CfgMachine *machine);

/* The memory region holding @addr, or NULL. */
const CfgMemory *cfg_machine_find_memory(const CfgMachine *machine, guint64 addr);

/* The UART the console is wired to (its input, /chosen stdout-path): the
 * first ns16550, else the first sifive_uart; NULL if neither. */
const CfgDevice *cfg_machine_console_uart(const CfgMachine *machine);

/* First device of @type, or NULL. */
const CfgDevice *cfg_machine_find_device(const CfgMachine *machine, CfgDeviceType type);

/* The node hart @hart (< n_harts) belongs to. */
const CfgNode *cfg_machine_hart_node(const CfgMachine *machine, guint hart);

/* ---- The command line (cmdline.c): one layer on GOptionContext ---- */

/* The options that describe the machine, which `shoal run`, `shoal dumpdtb`
 * and every child take: --set, --kernel, --bios, and --initrd, --append,
 * --accel and --no-reboot, which stand for a --set each. */
typedef struct {
    char **sets;        /* --set GROUP.KEY=VALUE, in order; NULL if none */
    char *kernel;       /* --kernel, NULL if absent */
    char *bios;         /* --bios, NULL if absent */
    GPtrArray *implied; /* the --set that --initrd/--append/--accel/--no-reboot stand for */
} CfgMachineArgs;
/* The "machine" option group, filling @args (which must outlive it). */
GOptionGroup *cfg_machine_args_group(CfgMachineArgs *args);
/* Every --set, then the implied ones (which so win), NULL-terminated;
 * free with g_strfreev. */
char **cfg_machine_args_sets(const CfgMachineArgs *args);
/* The machine @config describes with @args applied; NULL + @error. */
CfgMachine *cfg_machine_args_load(const CfgMachineArgs *args, const char *config, GError **error);
void cfg_machine_args_clear(CfgMachineArgs *args);

/* A context whose usage line shows @parameters after the options, with
 * @summary, @main_group's options (it takes the group) and --version,
 * which prints "PRGNAME VERSION" and exits 0. */
GOptionContext *cfg_options_context_new(const char *parameters, const char *summary,
                                        GOptionGroup *main_group);
/* Parses @args (a strv the caller owns, argv[0] first; what was parsed is
 * taken out, the positional arguments stay). --help and --help-all print
 * and exit 0. A usage error: FALSE + CFG_ERROR_VALUE "MESSAGE (see @prog
 * --help)". */
gboolean cfg_options_parse(GOptionContext *context, const char *prog, char ***args,
                           GError **error);

/* The command line every child process takes (the launcher builds it):
 *   PROG CONFIG [--set g.k=v]... [--kernel F] [--bios F|none] [--run-dir DIR] [--node N]
 *        [--paused] [--restore FILE] [--snapshot-at NS:FILE]
 * (--run-dir required unless [memory-server] endpoint is set)
 * (and the rest of the machine group). Parses @argv and loads the machine.
 * FALSE + @error on bad usage or config; --help and --version exit 0. */
typedef struct {
    CfgMachine *machine; /* owned */
    char *run_dir;       /* private 0700 directory for ipc:// endpoints, or NULL */
    gint node;           /* --node, -1 if absent */
    gboolean paused;     /* --paused: a cpu-node's harts start stopped, for a debugger */
    char *restore;       /* --restore: the memory server starts from this snapshot, or NULL */
    char *snapshot_at_path; /* --snapshot-at NS:FILE (deterministic time, memory server) */
    guint64 snapshot_at_ns;
} CfgCmdline;
gboolean cfg_cmdline_parse(int argc, char **argv, CfgCmdline *out, GError **error);
/* --snapshot-at's NS:FILE into *@ns and *@path (g_free); FALSE + error. */
gboolean cfg_parse_snapshot_at(const char *text, guint64 *ns, char **path, GError **error);
void cfg_cmdline_clear(CfgCmdline *cmdline);

/* One loadable ELF image, checked: ELFCLASS64, EM_RISCV, little endian,
 * ET_EXEC, every PT_LOAD segment inside [ram_base, ram_base + ram_size). */
typedef struct {
    guint64 paddr;       /* where the segment goes */
    gsize file_size;     /* bytes copied from data */
    gsize mem_size;      /* bytes zeroed after file_size up to this */
    const guint8 *data;  /* points into CfgElf.image */
} CfgElfSegment;

typedef struct {
    GBytes *image;            /* the whole file */
    guint64 entry;            /* e_entry */
    guint n_segments;
    CfgElfSegment *segments;
    gboolean has_tohost;      /* symbol `tohost` present */
    guint64 tohost;           /* its address */
} CfgElf;

CfgElf *cfg_elf_load(const char *path, guint64 ram_base, guint64 ram_size, GError **error);
void cfg_elf_free(CfgElf *elf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgElf, cfg_elf_free)

/* The flattened device tree describing @machine (config/fdt.c): RAM, one
 * cpu node per hart (cpu-map: one cluster per [node.N]), and its devices,
 * as QEMU's virt board lays them out; /chosen has the kernel command line
 * and, when @initrd_end > @initrd_start, the initrd's place in RAM (the
 * boot plan's, cfg_boot_new). NULL + @error only if libfdt fails. */
GBytes *cfg_machine_build_fdt(const CfgMachine *machine, guint64 initrd_start, guint64 initrd_end,
                              GError **error);

/* What the machine boots (config/boot.c), every piece placed in RAM and
 * checked: the bios (M-mode firmware) at its ELF addresses or, raw, at RAM
 * base; the kernel at its ELF addresses or, raw, at CFG_BOOT_KERNEL_OFFSET
 * past RAM base after a bios (OpenSBI fw_jump's FW_JUMP_ADDR) or at RAM
 * base without one; the device tree 2 MiB-aligned near the top of RAM (as
 * QEMU places it). Harts start at @entry with a0 = mhartid, a1 = @fdt_addr. */
#define CFG_BOOT_KERNEL_OFFSET 0x200000
typedef struct {
    const char *what;    /* "bios", "kernel", "initrd" or "device tree" */
    const char *path;    /* its file, NULL for the device tree */
    guint64 paddr;       /* where it goes in guest RAM */
    gsize file_size;     /* bytes copied from data */
    gsize mem_size;      /* bytes zeroed after file_size up to this */
    const guint8 *data;  /* points into an image owned by the CfgBoot */
} CfgBootBlob;

typedef struct {
    GPtrArray *images;   /* GBytes: the files CfgBootBlob.data points into */
    GArray *blobs;       /* CfgBootBlob, no two overlapping, all inside RAM */
    guint64 entry;       /* first pc of every hart: [boot] reset-vector, else the bios's
                          * entry, else the kernel's */
    GBytes *fdt;         /* the device tree blob */
    guint64 fdt_addr;    /* where it goes (also a blob) */
    guint64 initrd_start; /* the initrd's first byte, 0 if none (also a blob) */
    guint64 initrd_end;   /* one past its last byte */
    gboolean has_tohost; /* the kernel ELF has a `tohost` symbol */
    guint64 tohost;
} CfgBoot;

/* Reads and places the machine's images (untrusted: a precise GError for an
 * unreadable or bad image, one past RAM, two that overlap, or no room for
 * the device tree). Blocks on file I/O only. */
CfgBoot *cfg_boot_new(const CfgMachine *machine, GError **error);
void cfg_boot_free(CfgBoot *boot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgBoot, cfg_boot_free)

/* Added by config/: the effective configuration (after include, --set,
 * @kernel/@bios and defaults) as GKeyFile text that loads back to the same
 * machine, for `shoal run --dump-config`. NULL + @error as cfg_machine_load. */
char *cfg_machine_dump(const char *path, const char *const *sets, const char *kernel,
                       const char *bios, GError **error);
/* The key table as a Markdown table (`shoal config-doc`, configs/README.md). */
char *cfg_keys_doc(void);

G_END_DECLS

#endif /* SHOAL_CFG_H */
