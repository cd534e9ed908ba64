/* SPDX-License-Identifier: MIT */
/* The coherence directory: for every 4 KiB page of guest memory (RAM and
 * the config's other regions), which nodes hold it and how, and the
 * per-page serialisation of requests.
 * It moves no bytes over sockets: it calls MsrvDirOps to send, so the unit
 * test can drive it without processes. docs/coherence.md §2 has the state
 * machine with the messages each transition sends, §7 its Promela model.
 *
 * States (at the server; a node's copy is I/S/M accordingly):
 *
 *   state      owner  sharers   meaning
 *   ---------  -----  --------  ------------------------------------------
 *   UNCACHED   -      {}        only the server's RAM has the page
 *   SHARED     -      nonempty  read-only copies; RAM is up to date
 *   MODIFIED   node   {}        one node may write; RAM may be stale
 *
 * The requester R's view of an entry selects a row of the protocol table
 * and the request its column; this table is checked against its source
 * by the unit test (protocol.def)
 *   view \ request   GET_S              GET_M              UPGRADE            PUT_M
 *   UNCACHED         GRANT_S            GRANT_M            GRANT_M            STALE_PUT
 *   SHARED_ALONE     GRANT_S            GRANT_M            GRANT_M            STALE_PUT
 *   SHARED_OTHERS    GRANT_S            INVALIDATE         INVALIDATE         STALE_PUT
 *   MODIFIED_SELF    GRANT_M            GRANT_M            GRANT_M            WRITE_BACK
 *   MODIFIED_OTHER   RECALL_DOWNGRADE   RECALL_INVALIDATE  RECALL_INVALIDATE  STALE_PUT
 *
 * Views: SHARED_ALONE = S and no sharer but R; SHARED_OTHERS = someone else
 * holds S too; MODIFIED_SELF / _OTHER = R / another node O owns the page.
 * Actions: GRANT_S adds R to the sharers; GRANT_M makes R the owner;
 * INVALIDATE sends Invalidate to every other sharer and grants M after the
 * last ack; RECALL_DOWNGRADE / RECALL_INVALIDATE ask O for the page back
 * (O keeps S / drops it), write the returned data to RAM, then grant S / M;
 * WRITE_BACK stores a PutM from the owner (-> UNCACHED); STALE_PUT only acks
 * a PutM from a node that no longer owns the page.
 *
 * Grants always carry 4096 bytes; RAM is current when one is sent, but for
 * a request from the node that already holds the page Modified
 * (MODIFIED_SELF), which keeps its own copy and ignores the bytes.
 * While an entry waits for acks it is busy: later requests for that page
 * queue behind it in arrival order; other pages are not affected. A PutM
 * from the very owner being recalled is applied at once (its data is the
 * freshest) so the recall cannot wait for it.
 *
 * Migratory pages (msrv_dir_detect_migratory; Stenstrom, Brorsson and
 * Sandberg's adaptive protocol): a page that one node reads and then
 * writes, after another node did the same, costs two transactions per
 * hand-over under the table (GetS -> RECALL_DOWNGRADE, then Upgrade ->
 * INVALIDATE). The entry is marked migratory when an Upgrade comes from R
 * while the only other sharer is the owner whose written copy R's read
 * took back; from then a GetS in MODIFIED_OTHER is served as
 * RECALL_INVALIDATE and granted M. The mark goes when a node granted M
 * for a read gives the page back unchanged (RAM still equals what it was
 * granted): it only read, and readers are served Shared again. Nodes see
 * nothing new: an M grant for a GetS is the MODIFIED_SELF answer too.
 *
 * Forwarding (msrv_dir_request_access): a GetS or GetM that carries the
 * access it is for (a load or an AMO), in view MODIFIED_OTHER and with O
 * among the nodes msrv_dir_set_forwarding allows, is served as FORWARD
 * instead of the table's recall: O makes the access on its copy and
 * answers the value (msrv_dir_access_done), R gets the value and no page,
 * and the entry stays MODIFIED at O. A mailbox word that one node sets and
 * its owner clears then costs one round trip per access instead of moving
 * the page there and back. In every other view such a request is served
 * by the table. */
#ifndef SHOAL_MSRV_DIRECTORY_H
#define SHOAL_MSRV_DIRECTORY_H

#include <glib.h>

#define MSRV_DIR_MAX_NODES 64 /* sharers is a 64-bit mask */
#define MSRV_DIR_MAX_REGIONS 16 /* ranges of memory (msrv_dir_add_region), found by a scan */

typedef enum {
    MSRV_PAGE_UNCACHED,
    MSRV_PAGE_SHARED,
    MSRV_PAGE_MODIFIED,
} MsrvPageState;

typedef enum {
    MSRV_REQ_GET_S,
    MSRV_REQ_GET_M,
    MSRV_REQ_UPGRADE,
    MSRV_REQ_PUT_M,
    MSRV_N_REQS,
} MsrvReqKind;

/* The access a GetS or GetM is for (proto: Access; the directory only
 * carries it to the owner). */
typedef struct {
    guint64 addr;    /* guest physical, inside the page */
    guint32 size;    /* bytes */
    guint32 op;      /* Shoal__V1__AccessOp */
    guint64 operand; /* an AMO's rs2 */
} MsrvAccess;

/* How the directory speaks; every call is made on the server thread from
 * inside msrv_dir_request / msrv_dir_ack. */
typedef struct {
    /* Grant @page to @node in S or M answering request @txid; the page's
     * bytes are in RAM (msrv_dir_page). */
    void (*grant)(gpointer opaque, guint node, guint64 txid, guint64 page, gboolean modified);
    /* Tell @node to drop its Shared copy; it answers msrv_dir_ack. */
    void (*invalidate)(gpointer opaque, guint node, guint64 page);
    /* Tell @node (owner) to give its Modified copy back, keeping a Shared
     * copy with @downgrade; it answers msrv_dir_ack with the data. */
    void (*recall)(gpointer opaque, guint node, guint64 page, gboolean downgrade);
    /* Acknowledge PutM @txid. */
    void (*put_ack)(gpointer opaque, guint node, guint64 txid, guint64 page);
    /* Forwarding: make @access on @node's Modified copy of @page; it answers
     * msrv_dir_access_done with the value. */
    void (*access_at)(gpointer opaque, guint node, guint64 page, const MsrvAccess *access);
    /* Forwarding: the value of the access that @node's request @txid was
     * for, instead of a grant. */
    void (*access_result)(gpointer opaque, guint node, guint64 txid, guint64 page,
                          guint64 value);
} MsrvDirOps;

typedef struct MsrvDir MsrvDir;

/* Prefetch: if @page is UNCACHED and idle, make @node its owner and grant
 * it Modified unasked (txid 0), as if the node had sent GetM; returns
 * whether it did. A node touching page P usually goes on to P+1: granting
 * neighbours with P saves a round trip per page. */
gboolean msrv_dir_prefetch(MsrvDir *dir, guint node, guint64 page);

/* A directory over @ram (@ram_size bytes at guest address @ram_base, owned
 * by the caller, outliving the directory); msrv_dir_add_region adds more. */
MsrvDir *msrv_dir_new(guint8 *ram, guint64 ram_base, guint64 ram_size, const MsrvDirOps *ops,
                      gpointer opaque);
void msrv_dir_free(MsrvDir *dir);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvDir, msrv_dir_free)

/* How the pages of RAM stand (the monitor's info-pages). */
typedef struct {
    guint64 pages;
    guint64 by_state[3];  /* by MsrvPageState */
    guint64 busy;         /* waiting for acks */
    guint64 node_modified[MSRV_DIR_MAX_NODES];
    guint64 node_shared[MSRV_DIR_MAX_NODES];
} MsrvDirCensus;
void msrv_dir_census(const MsrvDir *dir, MsrvDirCensus *out);

/* Whether no transaction waits for acks (a machine reset waits for it). */
gboolean msrv_dir_idle(const MsrvDir *dir);
/* Every page Uncached, as after power-on: the nodes dropped their copies
 * unasked (a machine reset). Only when idle. */
void msrv_dir_forget(MsrvDir *dir);

/* Another range of guest memory (a [memory.NAME] region): @size bytes at
 * guest address @base, its bytes at @ram (the caller's, outliving the
 * directory), disjoint from those added before. Only before the first
 * request. A @read_only range (a rom) is never prefetched; its pages stay
 * Uncached or Shared as long as nobody asks for them Modified, which the
 * caller refuses before it reaches the directory (msrv_dir_read_only). */
void msrv_dir_add_region(MsrvDir *dir, guint8 *ram, guint64 base, guint64 size,
                         gboolean read_only);

/* Is @page (4 KiB aligned) a page of memory, of any region? */
gboolean msrv_dir_has_page(MsrvDir *dir, guint64 page);
/* Is @page (which must be one) in a read-only region? */
gboolean msrv_dir_read_only(MsrvDir *dir, guint64 page);
/* The bytes of @page (which must be a page of memory). */
guint8 *msrv_dir_page(MsrvDir *dir, guint64 page);
/* Pages over every region, and @page's place among them (0.., the regions
 * in the order they were added): for tables kept beside the directory. */
guint64 msrv_dir_n_pages(const MsrvDir *dir);
guint64 msrv_dir_page_index(MsrvDir *dir, guint64 page);

/* A request from @node (< MSRV_DIR_MAX_NODES) for RAM @page. @data is the
 * 4096 bytes of a PutM, else NULL. Runs now or queues behind the page's
 * busy transaction. */
void msrv_dir_request(MsrvDir *dir, guint node, MsrvReqKind kind, guint64 txid, guint64 page,
                      const guint8 *data);

/* msrv_dir_request of a GetS or GetM that is for @access, which may be
 * forwarded to the page's owner (above). */
void msrv_dir_request_access(MsrvDir *dir, guint node, MsrvReqKind kind, guint64 txid,
                             guint64 page, const MsrvAccess *access);

/* Which nodes may be asked to make a forwarded access (a bit per node;
 * none at first: every request is served by the table). */
void msrv_dir_set_forwarding(MsrvDir *dir, guint64 nodes);

/* @node's answer to access_at for @page: the loaded or old @value. FALSE +
 * error (MSRV_DIR_ERROR) when nobody asked @node for one. */
gboolean msrv_dir_access_done(MsrvDir *dir, guint node, guint64 page, guint64 value,
                              GError **error);

/* An ack from @node for @page's Invalidate/Recall, @data the 4096 bytes
 * given back (NULL if none). FALSE + error (MSRV_DIR_ERROR) when nobody
 * asked @node (a confused or hostile peer; nothing changes). */
#define MSRV_DIR_ERROR (msrv_dir_error_quark())
GQuark msrv_dir_error_quark(void);
gboolean msrv_dir_ack(MsrvDir *dir, guint node, guint64 page, const guint8 *data,
                      GError **error);

/* ---- Sharing statistics (shoal run --stats) ----
 * Per page, once msrv_dir_track_sharing turned them on: what was asked for
 * it, how often another node had to give it up (the cost of sharing: each
 * is a round trip to that node before the grant) and how long requests
 * waited from arrival to grant. Server thread only. */
typedef struct {
    guint64 page;
    guint64 requests[MSRV_REQ_PUT_M]; /* GetS, GetM, Upgrade */
    guint64 nodes;                    /* bit per node that asked */
    guint64 recalls;                  /* Modified copies taken back from their owner */
    guint64 invalidations;            /* Shared copies dropped (one per sharer) */
    guint64 migratory_reads;          /* GetS answered Modified: the page migrates */
    guint64 forwarded;                /* accesses made by the owner for another node */
    guint64 wait_us;                  /* summed arrival-to-grant time */
    guint64 max_wait_us;
} MsrvPageSharing;

void msrv_dir_track_sharing(MsrvDir *dir);
/* The @max pages with the most recalls + invalidations, most first (an
 * array the caller g_free()s, *n entries; NULL without tracking). */
MsrvPageSharing *msrv_dir_hottest(MsrvDir *dir, guint max, guint *n);

/* Turns the migratory-page optimisation (above) on or off; off at first. */
void msrv_dir_detect_migratory(MsrvDir *dir, gboolean on);

/* For tests and logs: the entry of @page. */
void msrv_dir_peek(MsrvDir *dir, guint64 page, MsrvPageState *state, guint *owner,
                   guint64 *sharers, gboolean *busy);

#endif /* SHOAL_MSRV_DIRECTORY_H */
