/* SPDX-License-Identifier: MIT */
/* What the memory server's files share: the devices it hosts and the
 * server loop's entry point. Devices are plain state machines: the server
 * calls them on its one thread and moves their bytes over the sockets. */
#ifndef SHOAL_MSRV_INTERNAL_H
#define SHOAL_MSRV_INTERNAL_H

#include <glib.h>

#include "config/cfg.h"
#include "interconnect/ic.h"
#include "memory-server/directory.h"

/* ---- ns16550 UART (registers 1 byte apart) ---- */
typedef struct MsrvUart MsrvUart;
MsrvUart *msrv_uart_new(void);
void msrv_uart_free(MsrvUart *uart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvUart, msrv_uart_free)
/* Register access at byte offset @off (0..7) of the device; wider accesses
 * act on the register at @off. FALSE: no register there (access fault). */
gboolean msrv_uart_read(MsrvUart *uart, guint64 off, guint64 *value);
gboolean msrv_uart_write(MsrvUart *uart, guint64 off, guint64 value);
/* The level of the UART's interrupt output (some IIR cause is pending
 * and enabled in IER); changes only inside the calls of this interface. */
gboolean msrv_uart_irq(const MsrvUart *uart);
/* What LSR reads now, without reading it; FALSE when reading it would
 * change it (latched errors), so nobody may answer from a copy. */
gboolean msrv_uart_lsr_peek(const MsrvUart *uart, guint8 *lsr);
/* Whether a posted THR write may go on without waiting: output not taken
 * is below the mark at which nodes hold such writes back (above the one at
 * which LSR reads full). */
gboolean msrv_uart_tx_room(const MsrvUart *uart);
/* Bytes for the receive side (from the console). */
void msrv_uart_push_input(MsrvUart *uart, const guint8 *data, gsize len);
/* Takes up to @max of the transmitted bytes not taken yet, oldest first
 * (NULL if none). Taking them may empty THR again (LSR, THRE interrupt). */
GBytes *msrv_uart_take_output(MsrvUart *uart, gsize max);
/* Snapshots (UartState in proto/shoal.proto). Fills @out (initialised by
 * the caller with SHOAL__V1__UART_STATE__INIT); its pointers are the
 * caller's to free with msrv_uart_state_clear. The transmit side is not
 * saved: take the output (msrv_uart_take_output) first. */
void msrv_uart_save(const MsrvUart *uart, Shoal__V1__UartState *out);
void msrv_uart_state_clear(Shoal__V1__UartState *state);
/* Replaces the UART's state with @state, with nothing transmitted pending.
 * FALSE + error (MSRV_UART_ERROR, naming the register or value out of
 * range) on a state the device cannot have; the UART is then unchanged.
 * msrv_uart_irq may differ afterwards: the caller re-syncs the line. */
#define MSRV_UART_ERROR (msrv_uart_error_quark())
GQuark msrv_uart_error_quark(void);
gboolean msrv_uart_load(MsrvUart *uart, const Shoal__V1__UartState *state, GError **error);

/* ---- SiFive UART (sifive,uart0: 32-bit registers, sifive-uart.c) ---- */
#define MSRV_SIFIVE_UART_WINDOW 0x1000u /* registers, then reserved space reading 0 */
typedef struct MsrvSifiveUart MsrvSifiveUart;
MsrvSifiveUart *msrv_sifive_uart_new(void);
void msrv_sifive_uart_free(MsrvSifiveUart *uart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvSifiveUart, msrv_sifive_uart_free)
/* Register access of @size bytes at byte offset @off of the window.
 * FALSE (an access fault): not a 4-byte aligned access inside it. */
gboolean msrv_sifive_uart_read(MsrvSifiveUart *uart, guint64 off, guint size, guint64 *value);
gboolean msrv_sifive_uart_write(MsrvSifiveUart *uart, guint64 off, guint size, guint64 value);
/* The interrupt output: ip & ie; changes only inside this interface's calls. */
gboolean msrv_sifive_uart_irq(const MsrvSifiveUart *uart);
/* Bytes for the receive side (from the console). */
void msrv_sifive_uart_push_input(MsrvSifiveUart *uart, const guint8 *data, gsize len);
/* Takes up to @max of the sent bytes not taken yet, oldest first (NULL if
 * none); txdata may read not full again. */
GBytes *msrv_sifive_uart_take_output(MsrvSifiveUart *uart, gsize max);

/* ---- PLIC: interrupt sources -> per-hart M/S external interrupts ---- */
#define MSRV_PLIC_SOURCES 96u     /* ids 0..95; 0 means "none" */
#define MSRV_PLIC_MAX_HARTS CFG_PLIC_MAX_HARTS /* the config refuses more */
#define MSRV_PLIC_MEIP 11u        /* mip bit of a hart's M context */
#define MSRV_PLIC_SEIP 9u         /* mip bit of a hart's S context */
typedef struct MsrvPlic MsrvPlic;
/* Called (on the caller's thread, from inside the msrv_plic_* call that
 * changed it) when the output of hart @hart's context for @mip_bit changes. */
typedef void (*MsrvPlicOutputFn)(gpointer opaque, guint hart, guint mip_bit, gboolean level);
/* Contexts for harts 0..@n_harts-1 in hart order: hart h's M context, then
 * its S context unless @has_s (n_harts entries; NULL: every hart has S) says
 * it has no S-mode; every output low. */
MsrvPlic *msrv_plic_new(guint n_harts, const gboolean *has_s, MsrvPlicOutputFn output_fn,
                        gpointer opaque);
void msrv_plic_free(MsrvPlic *plic);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvPlic, msrv_plic_free)
/* Register access at @off: only aligned 32-bit accesses exist (FALSE, an
 * access fault, otherwise); holes read 0 and ignore writes. A read of a
 * claim register claims. */
gboolean msrv_plic_read(MsrvPlic *plic, guint64 off, guint size, guint64 *value);
gboolean msrv_plic_write(MsrvPlic *plic, guint64 off, guint size, guint64 value);
/* The level of interrupt source @source (1..95) as its device drives it. */
void msrv_plic_set_line(MsrvPlic *plic, guint source, gboolean level);
/* The last level reported for hart @hart's @mip_bit context; FALSE for the
 * S context of a hart without one. */
gboolean msrv_plic_output(const MsrvPlic *plic, guint hart, guint mip_bit);
/* Snapshots (PlicState in proto/shoal.proto): priorities, claims, enables
 * and thresholds, not the input lines. Fills @out (initialised by the
 * caller with SHOAL__V1__PLIC_STATE__INIT); its arrays are the caller's to
 * free with msrv_plic_state_clear. */
void msrv_plic_save(const MsrvPlic *plic, Shoal__V1__PlicState *out);
void msrv_plic_state_clear(Shoal__V1__PlicState *state);
/* Replaces that state with @state, keeping the input line levels, then
 * reports every context's output through the callback, changed or not.
 * FALSE + error (MSRV_PLIC_ERROR) if @state does not fit this PLIC (array
 * lengths for another hart count) or holds what no register can; the PLIC
 * is then unchanged and nothing is reported. */
#define MSRV_PLIC_ERROR (msrv_plic_error_quark())
GQuark msrv_plic_error_quark(void);
gboolean msrv_plic_load(MsrvPlic *plic, const Shoal__V1__PlicState *state, GError **error);

/* ---- sifive_test: the guest's way to end the machine ---- */
typedef enum {
    MSRV_TEST_NONE,  /* not a command: ignored (as QEMU does) */
    MSRV_TEST_EXIT,  /* end the machine with *exit_code */
    MSRV_TEST_RESET, /* reset the machine ([machine] on-reset) */
} MsrvTestAction;
/* What a write of @value at @off asks for; *exit_code set for EXIT. */
MsrvTestAction msrv_sifive_test_write(guint64 off, guint64 value, int *exit_code);

/* ---- gpio: SiFive GPIO0's pin registers, pins into sysc models ---- */
typedef struct MsrvGpio MsrvGpio;
/* Every pin undriven (low), input_en 0. */
MsrvGpio *msrv_gpio_new(void);
void msrv_gpio_free(MsrvGpio *gpio);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvGpio, msrv_gpio_free)
/* Register access at @off: only aligned 32-bit accesses at 0x00..0x40
 * exist (FALSE, an access fault, otherwise). input_val (0x00) shows the
 * pins' levels where input_en (0x04) is set and ignores writes; output_en
 * (0x08), output_val (0x0c) are read/write; the block's other registers
 * read 0 and ignore writes. */
gboolean msrv_gpio_read(MsrvGpio *gpio, guint64 off, guint size, guint64 *value);
gboolean msrv_gpio_write(MsrvGpio *gpio, guint64 off, guint size, guint64 value);
/* The pins' levels, bit n for pin n: output_en & output_val. */
guint32 msrv_gpio_levels(const MsrvGpio *gpio);
/* The pins the guest drives low, bit n for pin n: output_en & ~output_val
 * (an active-low line such as [device.NAME] restart-pin is asserted). */
guint32 msrv_gpio_driven_low(const MsrvGpio *gpio);
/* Snapshots (GpioState in proto/shoal.proto): the three registers; @out's
 * device is the caller's to fill, and nothing in it needs freeing. Every
 * value is one the registers can hold, so loading cannot fail; the pins
 * take the loaded levels (msrv_gpio_levels) without telling anyone. */
void msrv_gpio_save(const MsrvGpio *gpio, Shoal__V1__GpioState *out);
void msrv_gpio_load(MsrvGpio *gpio, const Shoal__V1__GpioState *state);

/* ---- dma-node.c: the directory requester of the device processes' DMA ---- */
/* The directory requester that stands for every device process's DMA (a
 * machine with one has at most MSRV_DMA_NODE cpu nodes). */
#define MSRV_DMA_NODE (MSRV_DIR_MAX_NODES - 1)
typedef struct MsrvDmaNode MsrvDmaNode;
/* A page asked with msrv_dma_node_request is granted: its bytes in RAM
 * (msrv_dir_page) may be read (and, @modified, written) now, in the call;
 * the page goes back to the directory after it. */
typedef void (*MsrvDmaGrantFn)(gpointer opaque, guint64 page, gboolean modified);
/* On the server thread; @dir outlives it. */
MsrvDmaNode *msrv_dma_node_new(MsrvDir *dir);
/* Pending requests' @drop functions are called. */
void msrv_dma_node_free(MsrvDmaNode *dma);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvDmaNode, msrv_dma_node_free)
/* May a DMA touch @page's RAM right now, without a transaction? Yes when
 * no node can hold a copy the access would miss or leave stale, and no
 * transaction is queued ahead on the page: the directory runs on this
 * thread, so nothing changes between this look and the copy. A read also
 * may when the page is Shared (RAM is current). This is what GetM + PutM
 * (GetS) would do to such a page, minus the directory's bookkeeping. */
gboolean msrv_dma_node_page_direct(MsrvDmaNode *dma, guint64 page, gboolean is_write);
/* Asks the directory for @page (GetM for a write, GetS for a read); @fn is
 * called with @opaque when it is granted, maybe inside this call. @drop
 * (may be NULL) frees @opaque if the machine ends first. */
void msrv_dma_node_request(MsrvDmaNode *dma, guint64 page, gboolean is_write, MsrvDmaGrantFn fn,
                           gpointer opaque, GDestroyNotify drop);
/* The directory's calls for MSRV_DMA_NODE (grant with the token it was
 * given as txid). */
void msrv_dma_node_dir_grant(MsrvDmaNode *dma, guint64 token, guint64 page, gboolean modified);
void msrv_dma_node_dir_invalidate(MsrvDmaNode *dma, guint64 page);
void msrv_dma_node_dir_recall(MsrvDmaNode *dma, guint64 page);
/* Performs the acks and write-backs the directory asked of MSRV_DMA_NODE;
 * call after every msrv_dir_* call (it is not re-entrant). */
void msrv_dma_node_run_deferred(MsrvDmaNode *dma);

/* ---- bridge.c: the server's side of a device process ---- */
/* A device process (the SystemC bridge, shoal-virtio), as the server sees it. */
typedef struct MsrvBridge MsrvBridge;
/* Sends @env to @peer (the server's ic_server_send; a hart's request
 * channel's answers go to its node's main connection with MsrvBridge.reply). */
typedef void (*MsrvSendFn)(gpointer opaque, guint peer, const IcEnvelope *env);
/* Everything on the server thread; @dir, @dma, @plic (may be NULL) and
 * @machine outlive it. @host says whose devices it relays
 * (CFG_HOST_SYSC_BRIDGE or CFG_HOST_VIRTIO). @send carries what goes to the
 * process (its peer as given), @reply answers to the peer that asked. */
MsrvBridge *msrv_bridge_new(const CfgMachine *machine, CfgDeviceHost host, MsrvDir *dir,
                            MsrvDmaNode *dma, MsrvPlic *plic, MsrvSendFn send, MsrvSendFn reply,
                            gpointer opaque);
void msrv_bridge_free(MsrvBridge *bridge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvBridge, msrv_bridge_free)
/* The bridge said Hello on @peer: accesses held until now go to it. */
void msrv_bridge_hello(MsrvBridge *bridge, guint peer);
gboolean msrv_bridge_connected(const MsrvBridge *bridge);
/* A machine reset made the PLIC anew: its lines go there from now on. */
void msrv_bridge_set_plic(MsrvBridge *bridge, MsrvPlic *plic);
/* The bridge's connection, -1 before its Hello. */
gint msrv_bridge_peer(const MsrvBridge *bridge);
/* A hart's MmioRequest (from @peer) for a sysc range: relayed to the bridge
 * under a txid of ours, or held until the bridge's Hello. */
void msrv_bridge_mmio(MsrvBridge *bridge, guint peer, const IcEnvelope *env);
/* The bridge's MmioResponse: relayed to the hart (after the bridge's
 * earlier writes are done). FALSE + error when no access has that txid
 * (the bridge is confused). */
gboolean msrv_bridge_mmio_response(MsrvBridge *bridge, const IcEnvelope *env, GError **error);
/* The bridge's DmaRequest: pages no node holds are copied at once, the
 * others go through the directory; answered with a DmaResponse once every
 * page is done (now or after acks). Until a write is done, the bridge's
 * later MmioResponses and DeviceLines are held (the bridge posts writes). */
void msrv_bridge_dma(MsrvBridge *bridge, const IcEnvelope *env);
/* The process's DeviceLine: the PLIC source follows it. FALSE + error if the
 * source is the irq of none of its devices. */
gboolean msrv_bridge_line(MsrvBridge *bridge, const IcEnvelope *env, GError **error);
/* The pins of gpio device @gpio (index in machine->devices) are now
 * @levels (msrv_gpio_levels): each sysc model input wired to a pin whose
 * level changed gets a ModelLine, or, before the bridge's Hello, gets it
 * with every other input's level when the Hello comes. */
void msrv_bridge_pins(MsrvBridge *bridge, guint gpio, guint32 levels, guint64 guest_ns);
/* Calls @fn(@data) once every DMA write the bridge sent so far is done (at
 * once if none is pending), in order with its held answers and lines: what
 * the bridge says after a write must not overtake it. @data is g_free()d
 * without the call if the bridge goes first. */
void msrv_bridge_after_writes(MsrvBridge *bridge, void (*fn)(gpointer data), gpointer data);

/* ---- the server ---- */
/* Runs the memory server of @machine until the machine ends; returns the
 * process exit code. */
typedef struct {
    const char *restore;          /* --restore FILE, or NULL */
    const char *snapshot_at_path; /* --snapshot-at NS:FILE, or NULL */
    guint64 snapshot_at_ns;
} MsrvRunOptions;
int msrv_run(const CfgMachine *machine, const char *run_dir, const MsrvRunOptions *options);

/* ---- snapshot.c: a save under way, and a snapshot to restore ---- */
typedef struct MsrvSave MsrvSave;
/* A save to @path asked by the debugger @reply_peer (@reply_txid), or by
 * the server itself (-1); @halt_txid is the DebugHalt that holds the nodes. */
MsrvSave *msrv_save_new(const CfgMachine *machine, const char *path, gint reply_peer,
                        guint64 reply_txid, guint64 halt_txid);
void msrv_save_free(MsrvSave *save);
const char *msrv_save_path(const MsrvSave *save);
gint msrv_save_reply_peer(const MsrvSave *save, guint64 *txid);
/* Whether @txid is the save's DebugHalt. */
gboolean msrv_save_is_halt(const MsrvSave *save, guint64 txid);
/* Node @node answered the halt; TRUE once every node has. */
gboolean msrv_save_halted(MsrvSave *save, guint node);
/* Every node is held and no SnapshotDump was sent yet. */
gboolean msrv_save_ready(const MsrvSave *save);
/* SnapshotDump goes out now (msrv_save_ready). */
void msrv_save_start_dump(MsrvSave *save);
gboolean msrv_save_take_page(MsrvSave *save, guint node, const Shoal__V1__SnapshotPage *page,
                             GError **error);
gboolean msrv_save_take_state(MsrvSave *save, guint node, const Shoal__V1__NodeState *state,
                              GError **error);
/* Every node sent its state. */
gboolean msrv_save_complete(const MsrvSave *save);
/* Writes the file: @meta holds the devices' state (the caller's), the rest
 * is filled here from the nodes and the machine; @ram is the server's,
 * stale where a node sent its page. @result gets the sizes and time. */
gboolean msrv_save_write(MsrvSave *save, const guint8 *ram, Shoal__V1__SnapshotMeta *meta,
                         Shoal__V1__SnapshotSaved *result, GError **error);

typedef struct MsrvRestore MsrvRestore;
/* Opens @path, checks it fits @machine and fills @ram from it. */
MsrvRestore *msrv_restore_open(const CfgMachine *machine, const char *path, guint8 *ram,
                               GError **error);
const Shoal__V1__SnapshotMeta *msrv_restore_meta(const MsrvRestore *restore);
/* Node @node's harts (of this machine's layout), for its HelloAck. */
Shoal__V1__NodeState *msrv_restore_node(MsrvRestore *restore, guint node);
void msrv_restore_free(MsrvRestore *restore);

/* ---- quantum.c: deterministic time's barrier ---- */
typedef struct MsrvQuantum MsrvQuantum;
typedef struct {
    /* Quantum @index starts at @start_ns: QuantumGo to every node. */
    void (*go)(gpointer opaque, guint64 index, guint64 start_ns);
    /* QuantumAdvance to the bridge. */
    void (*advance)(gpointer opaque, guint64 index, guint64 to_ns, guint64 idle_until_ns);
} MsrvQuantumOps;
MsrvQuantum *msrv_quantum_new(const CfgMachine *machine, gboolean has_bridge,
                              const MsrvQuantumOps *ops, gpointer opaque);
void msrv_quantum_free(MsrvQuantum *quantum);
/* A hart's QuantumDone. FALSE + error if it makes no sense now. */
gboolean msrv_quantum_done(MsrvQuantum *quantum, const Shoal__V1__QuantumDone *done,
                           GError **error);
/* The bridge's QuantumReached. FALSE + error if it makes no sense now. */
gboolean msrv_quantum_reached(MsrvQuantum *quantum, const Shoal__V1__QuantumReached *reached,
                              GError **error);
/* The bridge said Hello (an advance due before goes out now). */
void msrv_quantum_bridge_ready(MsrvQuantum *quantum);
/* Something went to the bridge (an access, a line): it must run at the end
 * of this quantum even if its own next event is later. */
void msrv_quantum_bridge_busy(MsrvQuantum *quantum);
/* Before any hart reports: quantum @index starts at @start_ns next (a
 * restored snapshot's; every hart first says QuantumDone of index - 1). */
void msrv_quantum_restore(MsrvQuantum *quantum, guint64 index, guint64 start_ns);
/* An interrupt line moved: the harts must run the next quantum, not skip. */
void msrv_quantum_lines_moved(MsrvQuantum *quantum);

#endif /* SHOAL_MSRV_INTERNAL_H */
