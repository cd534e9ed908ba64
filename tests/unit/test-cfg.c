/* SPDX-License-Identifier: MIT */
/* config/: one table of (config text, --set overrides, expected error,
 * message substring) walked by one function covers every error path;
 * then good machines, includes, overrides, the dump and the command line. */
#include <glib/gstdio.h>
#include <string.h>

#include "config/cfg.h"

#define GOOD_NODES "[node.0]\nharts=2\n[node.1]\n"
#define GOOD_MEM "[memory]\nbase=0x80000000\nsize=128M\n"
#define UART "[device.uart0]\ntype=ns16550\nbase=0x10000000\nsize=0x100\nirq=10\n"
#define GOOD GOOD_MEM GOOD_NODES UART
#define GPIO "[device.gpio0]\ntype=gpio\nbase=0x10012000\nsize=0x1000\n"
#define SYSC(inputs) "[device.m]\ntype=sysc\nbase=0x10010000\nsize=0x1000\ninputs=" inputs "\n"
#define SYSC2(inputs) "[device.n]\ntype=sysc\nbase=0x10011000\nsize=0x1000\ninputs=" inputs "\n"

typedef struct {
    const char *name;    /* test path suffix */
    const char *text;    /* t.conf; NULL: the file does not exist */
    const char *base;    /* base.conf beside it, or NULL */
    const char *sets[3]; /* --set overrides */
    int code;            /* CfgError expected */
    const char *substr;  /* in the message */
} BadCase;

static const BadCase bad_cases[] = {
    /* CFG_ERROR_FILE */
    { "file/missing", NULL, NULL, { NULL }, CFG_ERROR_FILE, "t.conf: cannot read config" },
    { "file/syntax", "[memory]\nsize=1M\nthis is not a key\n", NULL, { NULL }, CFG_ERROR_FILE,
      "t.conf:3: not a config file" },
    { "file/nul-byte", "[memory]\nsize=1M\n\x01\xff\n", NULL, { NULL }, CFG_ERROR_FILE,
      "not a text file" },
    { "file/include-missing", "[machine]\ninclude=nope.conf\n" GOOD, NULL, { NULL },
      CFG_ERROR_FILE, "t.conf:2: [machine] include: " },
    { "file/duplicate-key", "[memory]\nsize=1M\n# a comment\nsize = 2M\n[node.0]\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:4: [memory] size: set twice in one file (first at line 2)" },
    { "file/bad-group-syntax", "[memory\nsize=1M\n", NULL, { NULL }, CFG_ERROR_FILE,
      "not a config file" },
    /* CFG_ERROR_UNKNOWN */
    { "unknown/group", GOOD "\n[gpu]\ncores=4\n", NULL, { NULL }, CFG_ERROR_UNKNOWN,
      "t.conf:13: [gpu]: unknown group" },
    { "unknown/key", "[memory]\nsize=1M\nspeed=fast\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_UNKNOWN, "t.conf:3: [memory] speed: unknown key (expected one of base, size)" },
    { "unknown/bare-node", GOOD "[node]\nharts=1\n", NULL, { NULL }, CFG_ERROR_UNKNOWN,
      "[node]: unknown group" },
    { "unknown/in-include", "[machine]\ninclude=base.conf\n" GOOD, "[cpu]\nturbo=yes\n", { NULL }, CFG_ERROR_UNKNOWN,
      "base.conf:2: [cpu] turbo: unknown key" },
    { "unknown/set-key", GOOD, NULL, { "memory.speed=1", NULL }, CFG_ERROR_UNKNOWN,
      "--set memory.speed=1: unknown key speed in [memory]" },
    { "unknown/set-group", GOOD, NULL, { "gpu.cores=1", NULL }, CFG_ERROR_UNKNOWN,
      "--set gpu.cores=1: unknown group [gpu]" },
    /* CFG_ERROR_MISSING */
    { "missing/ram-size", "[memory]\nbase=0x80000000\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_MISSING, "[memory] size: missing, expected a size like 128M" },
    { "missing/no-memory-group", GOOD_NODES, NULL, { NULL }, CFG_ERROR_MISSING,
      "[memory] size: missing" },
    { "missing/no-node", GOOD_MEM, NULL, { NULL }, CFG_ERROR_MISSING,
      "[node.0]: missing, a machine needs at least one cpu node" },
    { "missing/node-gap", GOOD_MEM "[node.0]\n[node.2]\n", NULL, { NULL }, CFG_ERROR_MISSING,
      "[node.1]: missing, nodes must be numbered 0..2 with no gap" },
    { "missing/device-type", GOOD "[device.x]\nbase=0x1000\nsize=0x10\n", NULL, { NULL },
      CFG_ERROR_MISSING, "t.conf:12: [device.x] type: missing" },
    { "missing/device-base", GOOD "[device.x]\ntype=clint\nsize=0x10\n", NULL, { NULL },
      CFG_ERROR_MISSING, "[device.x] base: missing, expected an address" },
    { "missing/device-size", GOOD "[device.x]\ntype=clint\nbase=0x10\n", NULL, { NULL },
      CFG_ERROR_MISSING, "[device.x] size: missing" },
    /* CFG_ERROR_VALUE: memory */
    { "value/size-junk", "[memory]\nsize=lots\n" GOOD_NODES, NULL, { NULL }, CFG_ERROR_VALUE,
      "t.conf:2: [memory] size: expected a size like 128M or 0x8000000, got \"lots\"" },
    { "value/size-suffix", "[memory]\nsize=12Q\n" GOOD_NODES, NULL, { NULL }, CFG_ERROR_VALUE,
      "got \"12Q\"" },
    { "value/size-overflow", "[memory]\nsize=0x100000000000000000\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_VALUE, "[memory] size: expected a size" },
    { "value/size-suffix-overflow", "[memory]\nsize=0xfffffffffffT\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_VALUE, "[memory] size: expected a size" },
    { "value/size-zero", "[memory]\nsize=0\n" GOOD_NODES, NULL, { NULL }, CFG_ERROR_VALUE,
      "[memory] size: expected a non-zero multiple of 4 KiB, got 0x0" },
    { "value/size-unaligned", "[memory]\nsize=4097\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_VALUE, "multiple of 4 KiB, got 0x1001" },
    { "value/base-unaligned", "[memory]\nbase=0x80000010\nsize=4K\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_VALUE, "[memory] base: expected a 4 KiB aligned address" },
    { "value/base-junk", "[memory]\nbase=high\nsize=4K\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_VALUE, "[memory] base: expected an address like 0x80000000, got \"high\"" },
    { "value/ram-wraps", "[memory]\nbase=0xfffffffffffff000\nsize=8K\n" GOOD_NODES, NULL, { NULL },
      CFG_ERROR_VALUE, "wraps past the end of the address space" },
    /* CFG_ERROR_VALUE: cpu, clint, memory server */
    { "value/endpoint", GOOD "[memory-server]\nendpoint=udp://x\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[memory-server] endpoint: expected an endpoint like tcp://host:5555" },
    { "value/endpoint-port", GOOD "[memory-server]\nendpoint=tcp://localhost:99999\n", NULL,
      { NULL }, CFG_ERROR_VALUE, "expected tcp://HOST:PORT with a port 1..65535" },
    { "value/endpoint-no-host", GOOD "[memory-server]\nendpoint=tcp://:80\n", NULL, { NULL },
      CFG_ERROR_VALUE, "expected tcp://HOST:PORT" },
    { "missing/tcp-key", GOOD "[memory-server]\nendpoint=tcp://localhost:5555\n", NULL,
      { NULL }, CFG_ERROR_MISSING, "[memory-server] key: a tcp:// endpoint needs CurveZMQ keys" },
    { "missing/tcp-client-key",
      GOOD "[memory-server]\nendpoint=tcp://localhost:5555\nserver-public-key=/k.pub\n", NULL,
      { NULL }, CFG_ERROR_MISSING, "client-key on the others" },
    { "value/plain-tcp", GOOD "[memory-server]\nendpoint=tcp://localhost:5555\nplain-tcp=yes\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[memory-server] plain-tcp" },
    { "value/endpoint-empty-ipc", GOOD "[memory-server]\nendpoint=ipc://\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[memory-server] endpoint" },
    { "value/migratory", GOOD "[memory-server]\nmigratory=yes\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[memory-server] migratory: expected on or off, got \"yes\"" },
    { "value/msrv-spin", GOOD "[memory-server]\nspin-us=10001\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[memory-server] spin-us: expected 0..10000, got 10001" },
    { "value/cpu-spin", GOOD "[cpu]\nspin-us=20ms\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[cpu] spin-us: expected a number" },
    { "value/lr-lease", GOOD "[cpu]\nlr-lease-us=99999\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[cpu] lr-lease-us: expected 0..10000, got 99999" },
    { "value/transport", GOOD "[memory-server]\ntransport=shm\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[memory-server] transport: expected auto, unix or zmq, got \"shm\"" },
    { "value/numa", GOOD "[machine]\nnuma=on\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[machine] numa: expected auto or off, got \"on\"" },
    { "value/pin-registers", GOOD "[cpu]\npin-registers=a0-a5\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[cpu] pin-registers: expected profile or fixed, got \"a0-a5\"" },
    { "value/accel", GOOD "[cpu]\naccel=kvm\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[cpu] accel: expected interp or jit, got \"kvm\"" },
    { "value/code-buffer-small", GOOD "[cpu]\ncode-buffer=4K\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[cpu] code-buffer: expected 64K..4G" },
    { "value/code-buffer-junk", GOOD "[cpu]\ncode-buffer=big\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[cpu] code-buffer: expected a size" },
    { "value/timebase-zero", GOOD "[clint]\ntimebase-frequency=0\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[clint] timebase-frequency: expected a frequency > 0" },
    { "value/timebase-suffix", GOOD "[clint]\ntimebase-frequency=10M\n", NULL, { NULL },
      CFG_ERROR_VALUE, "expected a number like 4 or 0x10, got \"10M\"" },
    { "value/bad-escape", "[machine]\nname=a\\qb\n" GOOD, NULL, { NULL }, CFG_ERROR_VALUE,
      "[machine] name: expected a string" },
    /* CFG_ERROR_VALUE: nodes */
    { "value/node-name", GOOD_MEM "[node.zero]\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[node.zero]: expected a node number 0..255 like [node.0]" },
    { "value/node-leading-zero", GOOD_MEM "[node.0]\n[node.01]\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[node.01]: expected a node number" },
    { "value/node-too-big", GOOD_MEM "[node.0]\n[node.999]\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[node.999]: expected a node number" },
    { "value/harts-zero", GOOD_MEM "[node.0]\nharts=0\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "t.conf:5: [node.0] harts: expected 1..256 harts, got 0" },
    { "value/harts-many", GOOD_MEM "[node.0]\nharts=257\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "expected 1..256 harts, got 257" },
    { "value/harts-junk", GOOD_MEM "[node.0]\nharts=two\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[node.0] harts: expected a number like 4 or 0x10, got \"two\"" },
    { "value/isa-unknown", GOOD_MEM "[node.0]\nisa=rv64imafdcv\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:5: [node.0] isa: isa=rv64imafdcv: shoal cannot run extension 'v'" },
    { "value/isa-z-unknown", GOOD_MEM "[node.0]\nisa=rv64gc_zfh\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[node.0] isa: isa=rv64gc_zfh: shoal cannot run extension 'zfh'" },
    { "value/isa-rv32", GOOD_MEM "[node.0]\nisa=rv32i\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "expected an RV64 ISA string" },
    { "value/priv", GOOD_MEM "[node.0]\npriv=s\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "t.conf:5: [node.0] priv: priv=s: expected msu, mu or m" },
    { "value/mmu", GOOD_MEM "[node.0]\nmmu=sv57\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "t.conf:5: [node.0] mmu: mmu=sv57: expected sv48, sv39 or none" },
    { "value/pmp-entries", GOOD_MEM "[node.0]\npmp-entries=17\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:5: [node.0] pmp-entries: expected 0..16, got 17" },
    { "value/mmu-without-s", GOOD_MEM "[node.0]\npriv=mu\nmmu=sv39\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:6: [node.0] mmu: mmu=sv39 needs S-mode" },
    { "value/kernel-without-s", GOOD_MEM "[node.0]\npriv=mu\n[boot]\nkernel=k\nbios=fw\n", NULL,
      { NULL }, CFG_ERROR_VALUE, "[node.0] priv: the firmware (bios) hands the kernel to S-mode" },
    /* CFG_ERROR_VALUE: devices */
    { "value/device-name", GOOD "[device.a b]\ntype=clint\nbase=0\nsize=1\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[device.a b]: expected a device name" },
    { "value/device-type", GOOD "[device.x]\ntype=vga\nbase=0\nsize=1\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[device.x] type: expected ns16550, sifive_uart, sifive_test, clint, plic, gpio, sysc, "
                       "virtio-blk, virtio-net, virtio-console or virtio-rng, got \"vga\"" },
    { "missing/virtio-socket", GOOD "[device.c]\ntype=virtio-console\nbase=0x10001000\nsize=0x1000\n"
                               "irq=1\n",
      NULL, { NULL }, CFG_ERROR_MISSING, "[device.c] socket: a virtio-console needs the unix socket" },
    { "value/virtio-mac", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
                          "mac=53:54:00:12:34:56\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] mac: expected a unicast MAC address" },
    { "value/virtio-hostfwd", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\n"
                              "irq=1\nhostfwd=tcp::2222-:99999\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] hostfwd: expected tcp:[HOSTADDR]:HOSTPORT" },
    /* virtio-net backends: one known netdev, its addresses well formed */
    { "value/virtio-netdev", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=bridge\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] netdev: expected user, stream, dgram or tap, got \"bridge\"" },
    { "missing/virtio-stream", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=stream\n",
      NULL, { NULL }, CFG_ERROR_MISSING, "[device.n] listen: netdev=stream needs listen=ADDRESS or connect=ADDRESS" },
    { "value/virtio-stream-both", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=stream\nlisten=unix:a.sock\nconnect=tcp:127.0.0.1:5555\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "t.conf:19: [device.n] connect: a stream either listens or connects, not both" },
    { "value/virtio-listen-port", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=stream\nlisten=tcp:127.0.0.1:65536\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] listen: expected unix:PATH or tcp:HOST:PORT (PORT 1..65535), got \"tcp:127.0.0.1:65536\"" },
    { "value/virtio-listen-nohost", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=stream\nlisten=tcp::5555\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] listen: expected unix:PATH or tcp:HOST:PORT" },
    { "value/virtio-connect-udp", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=stream\nconnect=udp:127.0.0.1:5555\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] connect: expected unix:PATH or tcp:HOST:PORT" },
    { "value/virtio-unix-long", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=stream\nlisten=unix:/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] listen: unix socket path /xxx" },
    { "missing/virtio-dgram-remote", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=dgram\nlocal=udp:127.0.0.1:5555\n",
      NULL, { NULL }, CFG_ERROR_MISSING, "[device.n] remote: netdev=dgram needs local=ADDRESS and remote=ADDRESS" },
    { "value/virtio-dgram-mixed", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=dgram\nlocal=udp:127.0.0.1:5555\nremote=unix:/tmp/p.sock\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] remote: local=udp:127.0.0.1:5555 and remote=unix:/tmp/p.sock: both unix: or both udp:" },
    { "value/virtio-dgram-tcp", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=dgram\nlocal=tcp:127.0.0.1:5555\nremote=udp:127.0.0.1:5556\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] local: expected unix:PATH or udp:HOST:PORT" },
    { "value/virtio-ifname", GOOD "[device.n]\ntype=virtio-net\nbase=0x10001000\nsize=0x1000\nirq=1\n"
          "netdev=tap\nifname=a-very-long-tap-name\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.n] ifname: expected an interface name of at most 15 bytes" },
    /* virtio devices: an image that is there and usable, an interrupt, room
     * for the config space */
    { "missing/virtio-file", GOOD "[device.d]\ntype=virtio-blk\nbase=0x10001000\nsize=0x1000\nirq=1\n",
      NULL, { NULL }, CFG_ERROR_MISSING, "[device.d] file: a virtio-blk device needs its disk image" },
    { "value/virtio-no-image",
      GOOD "[device.d]\ntype=virtio-blk\nbase=0x10001000\nsize=0x1000\nirq=1\nfile=/nonexistent.img\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.d] file: disk image /nonexistent.img: no such file" },
    { "value/virtio-dir-image",
      GOOD "[device.d]\ntype=virtio-blk\nbase=0x10001000\nsize=0x1000\nirq=1\nfile=/tmp\n", NULL,
      { NULL }, CFG_ERROR_VALUE, "disk image /tmp: not a regular file" },
    { "missing/virtio-irq", GOOD "[device.r]\ntype=virtio-rng\nbase=0x10001000\nsize=0x1000\n",
      NULL, { NULL }, CFG_ERROR_MISSING, "[device.r] irq: a virtio device needs an interrupt line" },
    { "value/virtio-small", GOOD "[device.r]\ntype=virtio-rng\nbase=0x10001000\nsize=0x100\nirq=2\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.r] size: a virtio-mmio window holds its config" },
    { "value/virtio-readonly",
      GOOD "[device.d]\ntype=virtio-blk\nbase=0x10001000\nsize=0x1000\nirq=1\nfile=/dev/null\n"
           "readonly=yes\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.d] readonly: expected on or off, got \"yes\"" },
    { "value/device-size-zero", GOOD "[device.x]\ntype=clint\nbase=0\nsize=0\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:15: [device.x] size: expected a size > 0, got 0" },
    { "value/device-wraps",
      GOOD "[device.x]\ntype=clint\nbase=0xfffffffffffffff0\nsize=0x100\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[device.x] size: base 0xfffffffffffffff0 + size 0x100 wraps" },
    { "value/device-overlaps-ram", GOOD "[device.x]\ntype=clint\nbase=0x87fff000\nsize=0x2000\n",
      NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.x] base: 0x87fff000..0x88000fff overlaps RAM 0x80000000..0x87ffffff" },
    { "value/device-overlaps-device",
      GOOD "[device.uart1]\ntype=ns16550\nbase=0x100000ff\nsize=0x100\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[device.uart1] base: 0x100000ff..0x100001fe overlaps [device.uart0]" },
    { "value/irq-zero", GOOD_MEM GOOD_NODES "[device.u]\ntype=ns16550\nbase=0\nsize=8\nirq=0\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[device.u] irq: expected an interrupt line 1..95 (a source of the PLIC)" },
    { "value/irq-big", GOOD, NULL, { "device.uart0.irq=1024", NULL }, CFG_ERROR_VALUE,
      "--set device.uart0.irq=1024: [device.uart0] irq: expected an interrupt line" },
    { "value/irq-junk", GOOD, NULL, { "device.uart0.irq=ten", NULL }, CFG_ERROR_VALUE,
      "got \"ten\"" },
    /* CFG_ERROR_VALUE: sysc inputs wired to gpio pins */
    { "value/inputs-syntax", GOOD GPIO SYSC("gpio0"), NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.m] inputs: entry 0: expected a list of gpio pins like gpio0:0, gpio0:5, got \"gpio0\"" },
    { "value/inputs-pin-junk", GOOD GPIO SYSC("gpio0:1,gpio0:x"), NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.m] inputs: entry 1: expected a list of gpio pins" },
    { "value/inputs-empty-entry", GOOD GPIO SYSC("gpio0:1,,gpio0:2"), NULL, { NULL },
      CFG_ERROR_VALUE, "[device.m] inputs: entry 1: expected" },
    { "value/inputs-unknown-device", GOOD GPIO SYSC("gpio1:0"), NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.m] inputs: entry 0: no [device.gpio1] in the machine" },
    { "value/inputs-not-gpio", GOOD GPIO SYSC("uart0:0"), NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.m] inputs: entry 0: [device.uart0] is not of type gpio" },
    { "value/inputs-pin-range", GOOD GPIO SYSC("gpio0:32"), NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.m] inputs: entry 0: pin 32 of [device.gpio0], expected 0..31" },
    { "value/inputs-same-pin", GOOD GPIO SYSC("gpio0:3; gpio0:3"), NULL, { NULL },
      CFG_ERROR_VALUE, "[device.m] inputs: entry 1: gpio0:3 already drives input 0 of [device.m]" },
    { "value/inputs-pin-of-other", GOOD GPIO SYSC("gpio0:1") SYSC2("gpio0:0,gpio0:1"), NULL,
      { NULL }, CFG_ERROR_VALUE, "already drives input 0 of [device.m]" },
    { "value/inputs-set", GOOD GPIO SYSC("gpio0:1"), NULL, { "device.m.inputs=gpio0:40", NULL },
      CFG_ERROR_VALUE, "--set device.m.inputs=gpio0:40: [device.m] inputs: entry 0: pin 40" },
    /* a gpio's restart-pin: a pin, and not also a model input */
    { "value/restart-pin-range", GOOD GPIO "restart-pin=32\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.gpio0] restart-pin: expected a pin 0..31, got \"32\"" },
    { "value/restart-pin-input", GOOD GPIO "restart-pin=3\n" SYSC("gpio0:3"), NULL, { NULL },
      CFG_ERROR_VALUE, "[device.m] inputs: entry 0: gpio0:3 is [device.gpio0]'s restart-pin" },
    /* [memory.NAME] regions: each checked alone, then against RAM, the
     * others and the devices; a rom needs its image */
    { "value/region-kind", GOOD "[memory.rom]\nbase=0x1000\nsize=4K\nkind=flash\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:15: [memory.rom] kind: expected ram, rom or sram, got \"flash\"" },
    { "value/region-size-zero", GOOD "[memory.s]\nbase=0x8000000\nsize=0\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:14: [memory.s] size: expected a non-zero multiple of 4 KiB, got 0x0" },
    { "value/region-size-unaligned", GOOD "[memory.s]\nbase=0x8000000\nsize=0x1800\n", NULL,
      { NULL }, CFG_ERROR_VALUE, "[memory.s] size: expected a non-zero multiple of 4 KiB, got 0x1800" },
    { "value/region-base-unaligned", GOOD "[memory.s]\nbase=0x8000800\nsize=4K\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:13: [memory.s] base: expected a 4 KiB aligned address, got 0x8000800" },
    { "missing/region-size", GOOD "[memory.s]\nbase=0x8000000\n", NULL, { NULL },
      CFG_ERROR_MISSING, "[memory.s] size: missing, expected a size like 128M" },
    { "value/region-name", GOOD "[memory.a/b]\nbase=0x8000000\nsize=4K\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:12: [memory.a/b]: expected a region name of letters" },
    { "value/region-overlaps-ram", GOOD "[memory.s]\nbase=0x87fff000\nsize=8K\n", NULL, { NULL },
      CFG_ERROR_VALUE,
      "t.conf:13: [memory.s] base: 0x87fff000..0x88000fff overlaps RAM 0x80000000..0x87ffffff" },
    { "value/region-overlaps-region",
      GOOD "[memory.a]\nbase=0x8000000\nsize=64K\n[memory.b]\nbase=0x800f000\nsize=8K\n", NULL,
      { NULL }, CFG_ERROR_VALUE,
      "[memory.b] base: 0x800f000..0x8010fff overlaps [memory.a] 0x8000000..0x800ffff" },
    { "value/device-overlaps-region",
      GOOD "[memory.sram]\nbase=0x10000000\nsize=4K\n", NULL, { NULL }, CFG_ERROR_VALUE,
      "[device.uart0] base: 0x10000000..0x100000ff overlaps [memory.sram] 0x10000000..0x10000fff" },
    { "value/region-span", GOOD "[memory.far]\nbase=0x100000000000\nsize=4K\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[memory.far] base: memory would span 0x80000000..0x100000000fff" },
    { "value/region-too-much", GOOD "[memory.big]\nbase=0x100000000\nsize=64G\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[memory.big] size: all memory regions together: expected at most 64G" },
    { "missing/rom-image", GOOD "[memory.rom]\nbase=0x1000\nsize=4K\nkind=rom\n", NULL, { NULL },
      CFG_ERROR_MISSING, "t.conf:12: [memory.rom] image: a rom needs its contents (image=FILE)" },
    { "value/region-no-image", GOOD "[memory.rom]\nbase=0x1000\nsize=4K\nkind=rom\nimage=no.bin\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "t.conf:16: [memory.rom] image: " },
    { "value/region-dir-image", GOOD "[memory.rom]\nbase=0x1000\nsize=4K\nkind=rom\nimage=/tmp\n",
      NULL, { NULL }, CFG_ERROR_VALUE, "[memory.rom] image: /tmp: not a regular file" },
    { "value/region-set", GOOD "[memory.rom]\nbase=0x1000\nsize=4K\nkind=rom\nimage=base.conf\n",
      "x", { "memory.rom.size=5", NULL }, CFG_ERROR_VALUE,
      "--set memory.rom.size=5: [memory.rom] size: expected a non-zero multiple of 4 KiB" },
    { "value/reset-vector-nowhere", GOOD "[boot]\nreset-vector=0x1000\n", NULL, { NULL },
      CFG_ERROR_VALUE, "t.conf:13: [boot] reset-vector: 0x1000 is in no memory region" },
    { "value/reset-vector-junk", GOOD "[boot]\nreset-vector=rom\n", NULL, { NULL },
      CFG_ERROR_VALUE, "[boot] reset-vector: expected an even address like 0x1000, got \"rom\"" },
    /* CFG_ERROR_VALUE: --set and include */
    { "value/set-no-equals", GOOD, NULL, { "memory.size", NULL }, CFG_ERROR_VALUE,
      "--set memory.size: expected group.key=value" },
    { "value/set-no-dot", GOOD, NULL, { "size=1M", NULL }, CFG_ERROR_VALUE,
      "--set size=1M: expected group.key=value" },
    { "value/set-include", GOOD, NULL, { "machine.include=x.conf", NULL }, CFG_ERROR_VALUE,
      "include only works inside a config file" },
    { "value/set-bad-value", GOOD, NULL, { "memory.size=lots", NULL }, CFG_ERROR_VALUE,
      "--set memory.size=lots: [memory] size: expected a size like 128M" },
    { "value/include-self", "[machine]\ninclude=t.conf\n" GOOD, NULL, { NULL }, CFG_ERROR_VALUE,
      "includes itself" },
    { "value/include-cycle", "[machine]\ninclude=base.conf\n" GOOD,
      "[machine]\ninclude=t.conf\n", { NULL }, CFG_ERROR_VALUE, "includes itself" },
    { "value/include-empty", "[machine]\ninclude=\n" GOOD, NULL, { NULL }, CFG_ERROR_VALUE,
      "[machine] include: expected a file name" },
    { "value/in-base-file", "[machine]\ninclude=base.conf\n" GOOD_NODES,
      "[memory]\nsize=3K\n", { NULL }, CFG_ERROR_VALUE,
      "base.conf:2: [memory] size: expected a non-zero multiple of 4 KiB" },
};

typedef struct {
    char *dir;
    char *conf;
    char *base;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("test-cfg-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->conf = g_build_filename(f->dir, "t.conf", NULL);
    f->base = g_build_filename(f->dir, "base.conf", NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_remove(f->conf);
    g_remove(f->base);
    g_remove(f->dir);
    g_free(f->dir);
    g_free(f->conf);
    g_free(f->base);
}

static void write_file(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(path, text, -1, &error));
    g_assert_no_error(error);
}

static void test_bad(Fixture *f, gconstpointer data)
{
    const BadCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;

    if (c->text) {
        write_file(f->conf, c->text);
    }
    if (c->base) {
        write_file(f->base, c->base);
    }
    m = cfg_machine_load(f->conf, c->sets, NULL, NULL, &error);
    g_assert_null(m);
    g_assert_error(error, CFG_ERROR, c->code);
    if (strstr(error->message, c->substr) == NULL) {
        g_test_message("message: %s", error->message);
        g_assert_cmpstr(error->message, ==, c->substr); /* prints both */
    }
    g_assert_null(strchr(error->message, '\n'));
}

static void test_good(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;
    const CfgDevice *uart;

    write_file(f->conf, "# a comment\n[machine]\nname=two-nodes\n" GOOD
                        "[device.test]\ntype=sifive_test\nbase=0x100000\nsize=4K\n"
                        "[boot]\nkernel=k.elf\n");
    m = cfg_machine_load(f->conf, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(m);
    g_assert_cmpstr(m->name, ==, "two-nodes");
    g_assert_cmpstr(m->path, ==, f->conf);
    g_assert_cmphex(m->ram_base, ==, 0x80000000);
    g_assert_cmphex(m->ram_size, ==, 128 << 20);
    g_assert_null(m->msrv_endpoint);
    g_assert_cmpstr(m->accel, ==, "jit");
    g_assert_cmpuint(m->code_buffer, ==, 32 << 20);
    g_assert_cmpuint(m->timebase_hz, ==, 10000000);
    g_assert_cmpuint(m->lr_lease_us, ==, 30);
    g_assert_cmpuint(m->cpu_spin_us, ==, 200);
    g_assert_true(m->profile_pins);
    g_assert_cmpuint(m->msrv_spin_us, ==, 300);
    g_assert_true(m->msrv_direct);
    g_assert_true(m->msrv_rings);
    g_assert_cmpuint(m->n_nodes, ==, 2);
    g_assert_cmpuint(m->n_harts, ==, 3);
    g_assert_cmpuint(m->nodes[0].index, ==, 0);
    g_assert_cmpuint(m->nodes[0].first_hart, ==, 0);
    g_assert_cmpuint(m->nodes[0].n_harts, ==, 2);
    g_assert_cmpuint(m->nodes[1].index, ==, 1);
    g_assert_cmpuint(m->nodes[1].first_hart, ==, 2);
    g_assert_cmpuint(m->nodes[1].n_harts, ==, 1);
    g_assert_cmpuint(m->n_devices, ==, 2);
    uart = cfg_machine_find_device(m, CFG_DEVICE_NS16550);
    g_assert_nonnull(uart);
    g_assert_cmpstr(uart->name, ==, "uart0");
    g_assert_cmphex(uart->base, ==, 0x10000000);
    g_assert_cmphex(uart->size, ==, 0x100);
    g_assert_cmpint(uart->irq, ==, 10);
    g_assert_cmpint(cfg_machine_find_device(m, CFG_DEVICE_SIFIVE_TEST)->irq, ==, -1);
    g_assert_cmphex(cfg_machine_find_device(m, CFG_DEVICE_SIFIVE_TEST)->size, ==, 4096);
    g_assert_null(cfg_machine_find_device(m, CFG_DEVICE_CLINT));
    /* relative to the config file's directory, not the working directory */
    {
        g_autofree char *want = g_build_filename(f->dir, "k.elf", NULL);
        g_assert_cmpstr(m->kernel, ==, want);
    }
    g_assert_null(m->bios);
}

/* inputs: entry i is input i, both separators, a trailing one, pins of
 * several gpios; a gpio device has no irq or inputs of its own. */
static void test_inputs(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;

    write_file(f->conf, GOOD GPIO "[device.gpio1]\ntype=gpio\nbase=0x10013000\nsize=0x100\n"
                        SYSC(" gpio1:31 , gpio0:0;gpio0:7;") SYSC2(""));
    m = cfg_machine_load(f->conf, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    const CfgDevice *d = NULL, *n = NULL;
    for (guint i = 0; i < m->n_devices; i++) {
        if (strcmp(m->devices[i].name, "m") == 0)
            d = &m->devices[i];
        if (strcmp(m->devices[i].name, "n") == 0)
            n = &m->devices[i];
    }
    g_assert_nonnull(d);
    g_assert_nonnull(n);
    g_assert_cmpuint(n->n_inputs, ==, 0);
    g_assert_cmpuint(d->n_inputs, ==, 3);
    static const struct {
        const char *gpio;
        guint pin;
    } want[] = { { "gpio1", 31 }, { "gpio0", 0 }, { "gpio0", 7 } };
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        const CfgDevice *g = &m->devices[d->inputs[i].gpio];
        g_assert_cmpint(g->type, ==, CFG_DEVICE_GPIO);
        g_assert_cmpstr(g->name, ==, want[i].gpio);
        g_assert_cmpuint(d->inputs[i].pin, ==, want[i].pin);
    }
    g_assert_cmpint(cfg_machine_find_device(m, CFG_DEVICE_GPIO)->irq, ==, -1);
}

/* Regions: [memory] first, the others in order with their pages numbered
 * after RAM's, the span over all, an image relative to the config file;
 * an image larger than its region is refused. */
static void test_regions(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;
    g_autofree char *image = g_build_filename(f->dir, "rom.bin", NULL);
    g_autofree char *big = g_malloc0(4097);

    write_file(f->base, "x");
    write_file(f->conf, GOOD "[memory.rom]\nbase=0x1000\nsize=8K\nkind=rom\nimage=base.conf\n"
                        "[memory.sram]\nbase=0x8000000\nsize=64K\nkind=sram\n"
                        "[memory.hi]\nbase=0x100000000\nsize=1M\n"
                        "[boot]\nreset-vector=0x1000\n");
    m = cfg_machine_load(f->conf, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(m->n_memories, ==, 4);
    g_assert_cmpstr(m->memories[0].label, ==, "RAM");
    g_assert_cmphex(m->memories[0].base, ==, m->ram_base);
    g_assert_cmpuint(m->memories[0].first_page, ==, 0);
    const CfgMemory *rom = cfg_machine_find_memory(m, 0x2fff);
    g_assert_nonnull(rom);
    g_assert_cmpstr(rom->label, ==, "[memory.rom]");
    g_assert_cmpint(rom->kind, ==, CFG_MEMORY_ROM);
    g_assert_cmpstr(rom->image, ==, f->base);
    const CfgMemory *sram = cfg_machine_find_memory(m, 0x8000000);
    g_assert_cmpint(sram->kind, ==, CFG_MEMORY_SRAM);
    g_assert_null(sram->image);
    g_assert_cmpint(cfg_machine_find_memory(m, 0x100000000)->kind, ==, CFG_MEMORY_RAM);
    g_assert_null(cfg_machine_find_memory(m, 0x3000));
    g_assert_null(cfg_machine_find_memory(m, 0x100100000));
    /* RAM's pages, then each region's in config order */
    guint64 next = m->ram_size / 4096;
    for (guint i = 1; i < m->n_memories; i++) {
        g_assert_cmpuint(m->memories[i].first_page, ==, next);
        next += m->memories[i].size / 4096;
    }
    g_assert_cmpuint(m->memory_pages, ==, next);
    g_assert_cmphex(m->span_base, ==, 0x1000);
    g_assert_cmphex(m->span_size, ==, 0x100100000 - 0x1000);
    g_assert_true(m->has_reset_vector);
    g_assert_cmphex(m->reset_vector, ==, 0x1000);
    g_clear_pointer(&m, cfg_machine_free);

    g_assert_true(g_file_set_contents(image, big, 4097, NULL));
    write_file(f->conf, GOOD "[memory.rom]\nbase=0x1000\nsize=4K\nkind=rom\nimage=rom.bin\n");
    m = cfg_machine_load(f->conf, NULL, NULL, NULL, &error);
    g_assert_null(m);
    g_assert_error(error, CFG_ERROR, CFG_ERROR_VALUE);
    g_autofree char *want = g_strdup_printf("t.conf:16: [memory.rom] image: %s: 4097 bytes do not "
                                            "fit in the region's 0x1000", image);
    g_assert_nonnull(strstr(error->message, want));
    g_remove(image);
}

static void test_overrides(Fixture *f, gconstpointer data)
{
    const char *sets[] = { "memory.size=0x10000", "node.1.harts=4", "cpu.accel=interp",
                           "memory-server.endpoint=tcp://127.0.0.1:5555",
                           "memory-server.plain-tcp=on",
                           "device.uart0.irq=3", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;

    write_file(f->conf, GOOD "[boot]\nkernel=k.elf\nbios=fw.elf\n");
    m = cfg_machine_load(f->conf, sets, "other.elf", "none", &error);
    g_assert_no_error(error);
    g_assert_cmphex(m->ram_size, ==, 0x10000);
    g_assert_cmpuint(m->nodes[1].n_harts, ==, 4);
    g_assert_cmpuint(m->n_harts, ==, 6);
    g_assert_cmpstr(m->accel, ==, "interp");
    g_assert_cmpstr(m->msrv_endpoint, ==, "tcp://127.0.0.1:5555");
    g_assert_cmpint(m->devices[0].irq, ==, 3);
    /* command-line paths stay relative to the working directory */
    g_assert_cmpstr(m->kernel, ==, "other.elf");
    g_assert_null(m->bios);
}

static void test_set_new_node(Fixture *f, gconstpointer data)
{
    const char *sets[] = { "node.2.harts=2", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;

    write_file(f->conf, GOOD);
    m = cfg_machine_load(f->conf, sets, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(m->n_nodes, ==, 3);
    g_assert_cmpuint(m->nodes[2].first_hart, ==, 3);
}

static void test_include(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;

    write_file(f->base, "[machine]\nname=base\n" GOOD "[boot]\nkernel=k.elf\n");
    write_file(f->conf, "[machine]\ninclude=base.conf\nname=derived\n[memory]\nsize=1G\n"
                        "[node.1]\nharts=3\n[device.clint]\ntype=clint\nbase=0x2000000\n"
                        "size=0x10000\n");
    m = cfg_machine_load(f->conf, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(m->name, ==, "derived");
    g_assert_cmphex(m->ram_base, ==, 0x80000000); /* from the base */
    g_assert_cmphex(m->ram_size, ==, G_GUINT64_CONSTANT(1) << 30);
    g_assert_cmpuint(m->n_harts, ==, 5);
    g_assert_cmpuint(m->n_devices, ==, 2);
    g_assert_nonnull(cfg_machine_find_device(m, CFG_DEVICE_CLINT));
    {
        /* relative to the file that set it: base.conf, same directory */
        g_autofree char *want = g_build_filename(f->dir, "k.elf", NULL);
        g_assert_cmpstr(m->kernel, ==, want);
    }
}

static void test_unused_warning(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;

    write_file(f->conf, GOOD "[device.test]\ntype=sifive_test\nbase=0x100000\nsize=4K\nirq=5\n");
    g_test_expect_message("shoal-cfg", G_LOG_LEVEL_WARNING,
                          "*t.conf:16: [device.test] irq: not used by this machine*");
    m = cfg_machine_load(f->conf, NULL, NULL, NULL, &error);
    g_test_assert_expected_messages();
    g_assert_no_error(error);
    g_assert_cmpint(cfg_machine_find_device(m, CFG_DEVICE_SIFIVE_TEST)->irq, ==, -1);
}

static void test_dump_roundtrip(Fixture *f, gconstpointer data)
{
    const char *sets[] = { "node.1.harts=3", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) a = NULL;
    g_autoptr(CfgMachine) b = NULL;
    g_autofree char *dump = NULL;

    write_file(f->base, GOOD "[cpu]\naccel=interp\n");
    write_file(f->conf, "[machine]\ninclude=base.conf\n[memory]\nsize=64M\n");
    a = cfg_machine_load(f->conf, sets, NULL, NULL, &error);
    g_assert_no_error(error);
    dump = cfg_machine_dump(f->conf, sets, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(dump, "code-buffer=32M\n")); /* defaults are shown */
    g_assert_null(strstr(dump, "include"));              /* flattened */
    write_file(f->conf, dump);
    b = cfg_machine_load(f->conf, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmphex(a->ram_size, ==, b->ram_size);
    g_assert_cmpstr(a->accel, ==, b->accel);
    g_assert_cmpuint(a->n_nodes, ==, b->n_nodes);
    g_assert_cmpuint(b->nodes[1].n_harts, ==, 3);
    g_assert_cmpuint(a->n_devices, ==, b->n_devices);
    g_assert_cmpint(a->devices[0].irq, ==, b->devices[0].irq);
}

static void test_dump_error(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dump = NULL;

    write_file(f->conf, "[memory]\nsize=lots\n");
    dump = cfg_machine_dump(f->conf, NULL, NULL, NULL, &error);
    g_assert_null(dump);
    g_assert_error(error, CFG_ERROR, CFG_ERROR_VALUE);
}

static void test_doc(void)
{
    g_autofree char *doc = cfg_keys_doc();
    const char *keys[] = { "`name`", "`include`", "`base`", "`size`", "`endpoint`", "`accel`",
                           "`code-buffer`", "`timebase-frequency`", "`harts`", "`type`",
                           "`irq`", "`kernel`", "`bios`", "`[node.N]`", "`[device.NAME]`" };

    for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_assert_nonnull(strstr(doc, keys[i]));
    }
}

typedef struct {
    const char *args; /* space-separated, after PROG CONFIG */
    int code;         /* -1: success */
    const char *substr;
} CmdCase;

static const CmdCase cmd_cases[] = {
    { "--run-dir /tmp/x", -1, NULL },
    { "--run-dir=/tmp/x --node 1 --set cpu.accel=interp --kernel k.elf --bios=none", -1, NULL },
    { "", CFG_ERROR_MISSING, "--run-dir DIR is required" },
    { "--run-dir", CFG_ERROR_VALUE, "Missing argument for --run-dir (see prog --help)" },
    { "--run-dir /tmp/x --node 2", CFG_ERROR_VALUE, "--node 2: expected a node number 0..1" },
    { "--run-dir /tmp/x --node x", CFG_ERROR_VALUE, "--node x: expected a node number" },
    { "--run-dir /tmp/x --frob", CFG_ERROR_VALUE, "Unknown option --frob" },
    { "--run-dir /tmp/x --accel fast", CFG_ERROR_VALUE, "--accel: expected jit or interp" },
    { "--run-dir /tmp/x second.conf", CFG_ERROR_VALUE, "only one config file" },
    { "--run-dir /tmp/x --set cpu.frob=1", CFG_ERROR_UNKNOWN, "unknown key frob" },
};

static void test_cmdline(Fixture *f, gconstpointer data)
{
    write_file(f->conf, GOOD);
    for (guint i = 0; i < G_N_ELEMENTS(cmd_cases); i++) {
        const CmdCase *c = &cmd_cases[i];
        g_autofree char *line = g_strdup_printf("prog %s %s", f->conf, c->args);
        g_auto(GStrv) argv = g_strsplit_set(line, " ", -1);
        g_autoptr(GError) error = NULL;
        CfgCmdline cl;
        gboolean ok;
        int argc = 0;

        /* drop the empty word an empty c->args leaves */
        while (argv[argc] && argv[argc][0]) {
            argc++;
        }
        ok = cfg_cmdline_parse(argc, argv, &cl, &error);
        g_test_message("case %u: %s", i, c->args);
        if (c->code < 0) {
            g_assert_no_error(error);
            g_assert_true(ok);
            g_assert_nonnull(cl.machine);
            g_assert_cmpstr(cl.run_dir, ==, "/tmp/x");
            cfg_cmdline_clear(&cl);
        } else {
            g_assert_false(ok);
            g_assert_error(error, CFG_ERROR, c->code);
            g_assert_nonnull(strstr(error->message, c->substr));
            g_assert_null(cl.machine);
        }
    }
}

static void test_cmdline_values(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    CfgCmdline cl;
    char *argv[] = { "prog", f->conf, "--node", "1", "--set", "cpu.accel=interp",
                     "--kernel", "k.elf", "--run-dir", "/run/x", "--set", "boot.append=a",
                     "--append", "b", NULL };

    write_file(f->conf, GOOD);
    g_assert_true(cfg_cmdline_parse(G_N_ELEMENTS(argv) - 1, argv, &cl, &error));
    g_assert_no_error(error);
    g_assert_cmpint(cl.node, ==, 1);
    g_assert_cmpstr(cl.run_dir, ==, "/run/x");
    g_assert_cmpstr(cl.machine->accel, ==, "interp");
    g_assert_cmpstr(cl.machine->kernel, ==, "k.elf");
    g_assert_cmpstr(cl.machine->append, ==, "b"); /* --append after every --set */
    cfg_cmdline_clear(&cl);
    g_assert_null(cl.machine);
    g_assert_cmpint(cl.node, ==, -1);
}

int main(int argc, char **argv)
{
    g_unsetenv("SHOAL_CFG_QUIET");
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/cfg/parse/%s", bad_cases[i].name);
        g_test_add(path, Fixture, &bad_cases[i], fixture_setup, test_bad, fixture_teardown);
    }
    g_test_add("/cfg/load/good", Fixture, NULL, fixture_setup, test_good, fixture_teardown);
    g_test_add("/cfg/load/inputs", Fixture, NULL, fixture_setup, test_inputs, fixture_teardown);
    g_test_add("/cfg/load/regions", Fixture, NULL, fixture_setup, test_regions, fixture_teardown);
    g_test_add("/cfg/load/overrides", Fixture, NULL, fixture_setup, test_overrides,
               fixture_teardown);
    g_test_add("/cfg/load/set-new-node", Fixture, NULL, fixture_setup, test_set_new_node,
               fixture_teardown);
    g_test_add("/cfg/load/include", Fixture, NULL, fixture_setup, test_include, fixture_teardown);
    g_test_add("/cfg/load/unused-warning", Fixture, NULL, fixture_setup, test_unused_warning,
               fixture_teardown);
    g_test_add("/cfg/dump/roundtrip", Fixture, NULL, fixture_setup, test_dump_roundtrip,
               fixture_teardown);
    g_test_add("/cfg/dump/error", Fixture, NULL, fixture_setup, test_dump_error,
               fixture_teardown);
    g_test_add_func("/cfg/doc/every-key", test_doc);
    g_test_add("/cfg/cmdline/table", Fixture, NULL, fixture_setup, test_cmdline,
               fixture_teardown);
    g_test_add("/cfg/cmdline/values", Fixture, NULL, fixture_setup, test_cmdline_values,
               fixture_teardown);
    return g_test_run();
}
