/* SPDX-License-Identifier: MIT */
/* What the harts of one process (a node) know together about translated
 * code: which guest pages some hart translated code from, and when any hart
 * last stored into one of them. A hart's own stores drop its own
 * translations at once (tlb.c); another hart's translations of the page go
 * at that hart's next FENCE.I, which compares the page's last store with
 * when it read the code. RISC-V asks no more: code another hart changed is
 * only promised to the hart that runs it after its own FENCE.I.
 *
 * A page joins the set in an exclusive section: no hart is half-way through
 * a fast-path store to it when its stores start being counted, and every
 * hart's TLB sends later stores to the slow path. Pages never leave, so
 * a table over the node's RAM finds a page's entry with one load and no
 * lock (a TLB fill asks on every miss, a store into a code page on every
 * store); pages outside RAM use a hash under a lock. */
#include <pthread.h>

#include "tcg/internal.h"

struct TcgSharedPage {
    guint64 page;
    guint64 last_store; /* (atomic) store_clock at the latest store into it */
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static GHashTable *pages;  /* page outside RAM -> TcgSharedPage *, under lock */
static guint64 store_clock; /* (atomic) ticks once per store into a shared page */
/* Per RAM page: its entry or NULL (atomic). Set up before any hart runs,
 * filled under lock inside the exclusive section that joins a page. */
static TcgSharedPage **ram_pages;
static guint64 ram_base_addr, ram_n_pages;

void tcg_shared_code_cover(guint64 ram_base, guint64 ram_size)
{
    pthread_rwlock_wrlock(&lock);
    if (ram_pages == NULL && ram_size > 0) {
        ram_base_addr = ram_base;
        ram_n_pages = ram_size >> TCG_PAGE_BITS;
        ram_pages = g_new0(TcgSharedPage *, ram_n_pages);
    }
    pthread_rwlock_unlock(&lock);
}

/* The slot of @page in the RAM table, or NULL outside RAM. */
static TcgSharedPage **ram_slot(guint64 page)
{
    guint64 i = (page - ram_base_addr) >> TCG_PAGE_BITS;
    return ram_pages != NULL && page >= ram_base_addr && i < ram_n_pages ? &ram_pages[i] : NULL;
}

guint64 tcg_shared_code_clock(void)
{
    return __atomic_load_n(&store_clock, __ATOMIC_SEQ_CST);
}

static TcgSharedPage *lookup(guint64 page)
{
    TcgSharedPage **slot = ram_slot(page);
    if (slot != NULL) {
        return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    }
    pthread_rwlock_rdlock(&lock);
    TcgSharedPage *p = pages != NULL ? g_hash_table_lookup(pages, &page) : NULL;
    pthread_rwlock_unlock(&lock);
    return p;
}

gboolean tcg_shared_code_has(guint64 page)
{
    return lookup(page & TCG_PAGE_MASK) != NULL;
}

void tcg_shared_code_stored(guint64 paddr)
{
    TcgSharedPage *p = lookup(paddr & TCG_PAGE_MASK);
    if (p == NULL) {
        return;
    }
    /* After the store itself: a hart that reads the clock and then the code
     * either sees this tick or sees the new bytes. */
    guint64 now = __atomic_add_fetch(&store_clock, 1, __ATOMIC_SEQ_CST);
    guint64 last = __atomic_load_n(&p->last_store, __ATOMIC_SEQ_CST);
    while (last < now && !__atomic_compare_exchange_n(&p->last_store, &last, now, TRUE,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
}

gboolean tcg_shared_code_stored_since(const TcgSharedPage *p, guint64 clock)
{
    return __atomic_load_n(&p->last_store, __ATOMIC_SEQ_CST) > clock;
}

typedef struct {
    guint64 page;
    TcgSharedPage *joined;
} JoinArgs;

/* lookup() for a caller that holds the lock for writing. */
static TcgSharedPage *lookup_locked(guint64 page)
{
    TcgSharedPage **slot = ram_slot(page);
    if (slot != NULL) {
        return *slot;
    }
    return pages != NULL ? g_hash_table_lookup(pages, &page) : NULL;
}

static void join_stopped(gpointer data)
{
    JoinArgs *args = data;
    pthread_rwlock_wrlock(&lock);
    args->joined = lookup_locked(args->page);
    if (args->joined == NULL) {
        args->joined = g_new0(TcgSharedPage, 1);
        args->joined->page = args->page;
        TcgSharedPage **slot = ram_slot(args->page);
        if (slot != NULL) {
            __atomic_store_n(slot, args->joined, __ATOMIC_RELEASE);
        } else {
            if (pages == NULL) {
                pages = g_hash_table_new(g_int64_hash, g_int64_equal);
            }
            g_hash_table_insert(pages, &args->joined->page, args->joined);
        }
    }
    pthread_rwlock_unlock(&lock);
    /* Every hart is stopped: their fast write entries for the page go. */
    tcg_harts_foreach_stopped(tcg_tlb_flush_phys_page, &args->page);
}

TcgSharedPage *tcg_shared_code_join(guint64 page, gboolean *joined_now)
{
    page &= TCG_PAGE_MASK;
    TcgSharedPage *p = lookup(page);
    *joined_now = p == NULL;
    if (p != NULL) {
        return p;
    }
    JoinArgs args = { page, NULL };
    tcg_exclusive_run_all(join_stopped, &args);
    return args.joined;
}
