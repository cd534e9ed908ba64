/* SPDX-License-Identifier: MIT */
/* The interconnect: how shoal processes reach each other. One packed
 * shoal.v1.Envelope (proto/shoal.proto) per ZeroMQ frame, or per packet of
 * a direct unix link on one host ([memory-server] transport, direct.c),
 * checked once on receipt; the machine's address map; the launcher's
 * console client. Nothing outside interconnect/ includes zmq.h. */
#ifndef SHOAL_IC_H
#define SHOAL_IC_H

#include <glib.h>
#include <poll.h>

#include "config/cfg.h"
#include "proto/shoal.pb-c.h"

G_BEGIN_DECLS

#define IC_PROTOCOL_VERSION 1
#define IC_PAGE_SIZE 4096u
#define IC_MAX_CONSOLE_BYTES 65536u /* per ConsoleBytes message */
#define IC_MAX_FRAME (256u * 1024u) /* bigger frames are dropped unread */
#define IC_MAX_DMA (64u * 1024u)  /* bytes per DmaRequest/DmaResponse */
#define IC_MAX_HARTS 1024u          /* harts in a machine (Hello n_harts bound) */
#define IC_MAX_BREAKPOINTS 256u     /* per DebugBreakpoints */
#define IC_MAX_DEBUG_REGS 128u      /* registers per DebugAccess read */
#define IC_MAX_DEBUG_MEM 16384u     /* bytes per DebugAccess / DebugAccessReply */

#define IC_ERROR (ic_error_quark())
GQuark ic_error_quark(void);
typedef enum {
    IC_ERROR_TRANSPORT, /* a socket call failed (endpoint unusable, ...) */
    IC_ERROR_MALFORMED, /* a frame that is not a valid Envelope (dropped) */
    IC_ERROR_UNEXPECTED, /* a valid message that makes no sense here */
    IC_ERROR_TIMEOUT,   /* no answer in time */
    IC_ERROR_CLOSED,    /* the peer went away */
    IC_ERROR_SECRET,    /* the machine's secret cannot be made or read */
} IcError;

/* ---- Messages --------------------------------------------------------- */

typedef Shoal__V1__Envelope IcEnvelope;
void ic_envelope_free(IcEnvelope *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcEnvelope, ic_envelope_free)

/* Unpacks and checks one frame from @peer (a name for messages): a body is
 * set, pages are 4 KiB aligned, page data is exactly 4096 bytes, MMIO sizes
 * are 1/2/4/8 and aligned, enums are known. NULL + IC_ERROR_MALFORMED naming
 * @peer and the fault otherwise. Past this call the message is trusted. */
IcEnvelope *ic_envelope_unpack(const guint8 *data, gsize len, const char *peer, GError **error);
/* Whether @msg, or a message anywhere inside it, holds fields shoal.v1
 * does not define (interconnect/unknown-fields.c). */
gboolean ic_message_has_unknown_fields(const ProtobufCMessage *msg);

/* The body's name as the .proto spells it ("get_s"), from the descriptor. */
const char *ic_envelope_body_name(const IcEnvelope *env);
/* Makes @env a DmaRequest (in @req, which must outlive it): a write
 * carries the @len bytes at @buf, a read asks for @len bytes. */
void ic_envelope_dma_request(IcEnvelope *env, Shoal__V1__DmaRequest *req, guint64 txid,
                             guint64 addr, gboolean is_write, guint8 *buf, gsize len);

/* Packs @env into a new GBytes (the sender's side; never fails). */
GBytes *ic_envelope_pack(const IcEnvelope *env);

/* ---- Endpoints ---------------------------------------------------------- */

/* The memory server's endpoint: machine->msrv_endpoint if set, else
 * ipc://RUN_DIR/msrv.sock. NULL + error if the ipc path is too long. */
char *ic_msrv_endpoint(const CfgMachine *machine, const char *run_dir, GError **error);

/* Call once at process exit, after every socket is closed: waits up to
 * 500 ms for queued messages (a last Shutdown, say) to leave, then tears
 * the process's ZeroMQ context down. */
void ic_context_shutdown(void);

/* ---- Server side: one ROUTER, peers numbered as they first speak -------- */

typedef struct IcServer IcServer;
typedef guint IcPeer; /* index of a peer, stable for the server's life */

/* Binds the memory server's endpoint. For ipc:// a stale socket file is
 * replaced. NULL + error on failure. */
IcServer *ic_server_new(const CfgMachine *machine, const char *run_dir, GError **error);
/* Closes the socket and unlinks an ipc:// socket file. */
void ic_server_free(IcServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcServer, ic_server_free)

/* Waits up to @timeout_ms (-1 forever) for one message. TRUE with *env set
 * (owned by the caller) and *peer; TRUE with *env NULL on timeout or when a
 * signal interrupted the wait; FALSE + error when a malformed frame was
 * received and dropped (the caller logs and goes on). */
gboolean ic_server_recv(IcServer *server, int timeout_ms, IcPeer *peer, IcEnvelope **env,
                        GError **error);
/* After a message, ic_server_recv keeps looking for the next for up to
 * @spin_us, giving the core to other runnable threads between looks,
 * before it sleeps ([memory-server] spin-us; 0 by default). */
void ic_server_set_spin_us(IcServer *server, guint spin_us);
/* Sends @env to @peer without blocking. FALSE + error if the peer is gone
 * or its queue is full. */
gboolean ic_server_send(IcServer *server, IcPeer peer, const IcEnvelope *env, GError **error);
/* "peer 2 (node 1)" style name for messages; the label is set by the caller
 * once the peer said Hello. */
const char *ic_server_peer_name(IcServer *server, IcPeer peer);
void ic_server_set_peer_label(IcServer *server, IcPeer peer, const char *label);

/* ---- Client side: one DEALER to the memory server ----------------------- */

typedef struct IcClient IcClient;

/* Asked between short waits (every IC_KEEP_WAITING_MS at most): FALSE ends
 * the wait at once, with an IC_ERROR_CLOSED error; the caller knows why
 * (the memory server it started has died, say). */
typedef gboolean (*IcKeepWaiting)(gpointer data);
#define IC_KEEP_WAITING_MS 100

/* Connects to the memory server of @machine. Over ZeroMQ connecting is
 * asynchronous: this only fails on a bad endpoint. A direct link waits up
 * to 10 s for the server to listen (with _while, as long as @keep says).
 * Use ic_client_hello next. */
IcClient *ic_client_connect(const CfgMachine *machine, const char *run_dir, GError **error);
IcClient *ic_client_connect_while(const CfgMachine *machine, const char *run_dir,
                                  IcKeepWaiting keep, gpointer data, GError **error);
void ic_client_free(IcClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcClient, ic_client_free)

/* A new transaction id, never 0 (thread-safe). */
guint64 ic_client_next_txid(IcClient *client);

/* Sends @env (its txid as set). Not thread-safe: one thread owns a client. */
gboolean ic_client_send(IcClient *client, const IcEnvelope *env, GError **error);

/* Waits up to @timeout_ms (-1 forever) for a message from the server or for
 * one of @fds (revents filled in). TRUE with *env set (caller owns it) for a
 * message, TRUE with *env NULL for a timeout or ready fds; FALSE + error
 * for a malformed frame (dropped; the caller may go on) or IC_ERROR_CLOSED
 * once the server's connection dropped. */
gboolean ic_client_wait(IcClient *client, struct pollfd *fds, guint n_fds, int timeout_ms,
                        IcEnvelope **env, GError **error);

/* The same, waiting up to @timeout_us (-1 forever): on a direct link to
 * the microsecond, over ZeroMQ rounded up to a millisecond. */
gboolean ic_client_wait_us(IcClient *client, struct pollfd *fds, guint n_fds, gint64 timeout_us,
                           IcEnvelope **env, GError **error);

/* A wait on a direct link looks for up to @spin_us, giving the core to
 * other runnable threads between looks, before it sleeps ([cpu] spin-us;
 * 0 by default). */
void ic_client_set_spin_us(IcClient *client, guint spin_us);

/* Says Hello and waits up to @timeout_ms for the HelloAck (with _while, and
 * as long as @keep says). Returns the ack (caller owns it) or NULL + error
 * (timeout, refused, version mismatch, @keep gave up). */
IcEnvelope *ic_client_hello(IcClient *client, const Shoal__V1__Hello *hello, int timeout_ms,
                            GError **error);
IcEnvelope *ic_client_hello_while(IcClient *client, const Shoal__V1__Hello *hello,
                                  int timeout_ms, IcKeepWaiting keep, gpointer data,
                                  GError **error);

/* ---- secret.c: the machine's secret, which every Hello carries ----------- */

#define IC_SECRET_LEN 32u

/* @len bytes from the kernel's random source. */
GBytes *ic_secret_random(gsize len);
/* The file next to the ipc:// socket (in the run directory by default);
 * NULL for tcp://, whose peers CurveZMQ authenticates instead (keypair.c). */
char *ic_secret_path(const CfgMachine *machine, const char *run_dir);
/* A new random secret at @path, the owner's alone (@replace: over an old
 * one, else refuses to overwrite). */
gboolean ic_secret_write_new(const char *path, gboolean replace, GError **error);
/* The secret at @path; NULL + IC_ERROR_SECRET if missing, malformed or
 * readable by others. */
GBytes *ic_secret_read(const char *path, GError **error);
/* Whether @data is @secret, in time that does not depend on where they differ. */
gboolean ic_secret_matches(GBytes *secret, const guint8 *data, gsize len);

/* ---- keypair.c: CurveZMQ key pairs of the hosts of a tcp:// machine ----- */

#define IC_Z85_KEY_LEN 40u

typedef struct {
    char public_z85[IC_Z85_KEY_LEN + 1], secret_z85[IC_Z85_KEY_LEN + 1];
} IcKeyPair;

/* A new pair at @path (the owner's alone) and its public key at @path.pub;
 * refuses to overwrite either (`shoal keygen`). */
gboolean ic_keypair_write_new(const char *path, GError **error);
/* The pair at @path; FALSE + IC_ERROR_SECRET if missing, malformed, its
 * halves not a pair, or readable by others. */
gboolean ic_keypair_read(const char *path, IcKeyPair *pair, GError **error);
/* The public key in @path: a FILE.pub, or the public half of a pair file. */
gboolean ic_public_key_read(const char *path, char public_z85[IC_Z85_KEY_LEN + 1],
                            GError **error);
/* The set of keys (32-byte GBytes) an authorized-keys file lists: one Z85
 * key per line, optionally followed by a name; a line starting with '#' is a
 * comment (not a '#' elsewhere: it is a Z85 digit). */
GHashTable *ic_authorized_keys_read(const char *path, GError **error);

/* ---- A wake-up primitive the node's agent polls next to its socket ------ */

typedef struct IcWaker IcWaker;
IcWaker *ic_waker_new(GError **error);
void ic_waker_free(IcWaker *waker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcWaker, ic_waker_free)
/* Thread-safe, async-signal-safe: makes the waker's fd readable. */
void ic_waker_wake(IcWaker *waker);
/* The fd to poll for POLLIN. */
int ic_waker_fd(IcWaker *waker);
/* Makes the fd unreadable again (call before handling what woke you). */
void ic_waker_drain(IcWaker *waker);

/* ---- The address map ----------------------------------------------------- */

typedef enum {
    IC_OWNER_RAM,         /* memory (any region), via the coherence protocol */
    IC_OWNER_MSRV_DEVICE, /* a device hosted by the memory server */
    IC_OWNER_NODE_LOCAL,  /* handled in the accessing hart's own node (CLINT) */
    IC_OWNER_BRIDGE,      /* a SystemC model: the memory server relays to the bridge */
    IC_OWNER_VIRTIO,      /* a virtio device: the memory server relays to shoal-virtio */
} IcOwner;

typedef struct {
    guint64 base;            /* first address */
    guint64 size;            /* bytes, > 0 */
    IcOwner owner;
    const CfgDevice *device; /* NULL for memory; points into the CfgMachine */
    const CfgMemory *memory; /* the region of IC_OWNER_RAM, else NULL; into the CfgMachine */
} IcRegion;

typedef struct IcAddrMap IcAddrMap;
/* Builds the map of @machine (which must outlive it). NULL + error when two
 * regions overlap or a region wraps around. */
IcAddrMap *ic_addr_map_new(const CfgMachine *machine, GError **error);
void ic_addr_map_free(IcAddrMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcAddrMap, ic_addr_map_free)
/* The region holding @addr, or NULL. */
const IcRegion *ic_addr_map_lookup(const IcAddrMap *map, guint64 addr);
/* Whether a write of @size bytes at @addr in device region @r may be
 * posted: the device always takes it and nothing answers but the effect,
 * so the hart need not wait a round trip for it (a UART byte out). Later
 * accesses of the same hart still reach the device after it. */
gboolean ic_region_write_posted(const IcRegion *r, guint64 addr, guint size);
/* The virtio-mmio register a driver writes to say "buffers available". */
#define IC_VIRTIO_QUEUE_NOTIFY 0x50u
/* For a posted write at @addr: the mirrored status register whose
 * @ready_bit says the device takes more (FALSE: none); while it is clear a
 * writer that does not look at it waits before posting, so output is
 * slowed, never lost. */
gboolean ic_region_posted_ready(const IcRegion *r, guint64 addr, guint64 *status_addr,
                                guint32 *ready_bit);
/* In the copy of the ns16550's LSR (DeviceMirror.value), above the
 * register's 8 bits, which are all a guest reads: the UART has room for a
 * posted THR write. */
#define IC_MIRROR_LSR_ROOM 0x100u
/* Whether a read of @size bytes at @addr in device region @r changes no
 * interrupt line (a status register), so its answer need not keep its
 * place behind the IrqLines the node's main connection carries: it may
 * come straight back to the hart that asked. */
gboolean ic_region_read_pure(const IcRegion *r, guint64 addr, guint size);
/* Whether a read of @size bytes at @addr in device region @r is answered
 * from the node's copy of the register (DeviceMirror): a status register
 * drivers poll (the ns16550's LSR). */
gboolean ic_region_read_mirrored(const IcRegion *r, guint64 addr, guint size);

/* ---- Logging ------------------------------------------------------------- */

/* Installs the log writer of a shoal process: each line names @role
 * ("shoal-memory-server", "shoal-cpu-node 1") and the hart of the calling
 * thread.
 * Call once, early in main(). */
void ic_log_init(const char *role);
/* Names the calling thread's hart in its log lines (-1: none). */
void ic_log_set_hart(gint hart);

/* ---- The console client (the launcher) ----------------------------------- */

typedef struct IcConsole IcConsole;

/* Connects to the memory server of @machine (ipc in @run_dir unless tcp)
 * and says Hello as the console; waits up to 10 s for it to listen and for
 * the HelloAck, as long as @keep says (NULL: always). NULL + error on
 * failure. */
IcConsole *ic_console_connect(const CfgMachine *machine, const char *run_dir, IcKeepWaiting keep,
                              gpointer data, GError **error);
void ic_console_free(IcConsole *console);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcConsole, ic_console_free)

typedef enum {
    IC_CONSOLE_TIMEOUT,   /* nothing happened in time */
    IC_CONSOLE_FDS_READY, /* at least one of the fds has revents */
    IC_CONSOLE_OUTPUT,    /* UART output in .output */
    IC_CONSOLE_SHUTDOWN,  /* the machine ended: .exit_code, .reason */
} IcConsoleEventKind;

typedef struct {
    IcConsoleEventKind kind;
    GBytes *output; /* IC_CONSOLE_OUTPUT: the bytes (owned by the event) */
    int exit_code;  /* IC_CONSOLE_SHUTDOWN */
    char *reason;   /* IC_CONSOLE_SHUTDOWN (owned by the event) */
} IcConsoleEvent;

/* Waits up to @timeout_ms (-1 forever) for a message from the memory server
 * or for one of @fds (struct pollfd, revents filled in) to become ready.
 * Returns FALSE + error on a malformed message (the caller may log and
 * continue) and FALSE + IC_ERROR_CLOSED once the memory server's connection
 * dropped (then no Shutdown will come). */
gboolean ic_console_wait(IcConsole *console, struct pollfd *fds, guint n_fds, int timeout_ms,
                         IcConsoleEvent *event, GError **error);
void ic_console_event_clear(IcConsoleEvent *event);

/* Sends stdin bytes to the UART's receive side (split into messages of at
 * most IC_MAX_CONSOLE_BYTES). */
gboolean ic_console_send_input(IcConsole *console, const guint8 *data, gsize len,
                               GError **error);
/* Tells the server that @written bytes of output in all have been written
 * out: it sends output only a window ahead of this. */
gboolean ic_console_ack(IcConsole *console, guint64 written, GError **error);

G_END_DECLS

#endif /* SHOAL_IC_H */
