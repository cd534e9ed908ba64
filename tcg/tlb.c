/* SPDX-License-Identifier: MIT */
/* The softmmu TLB: guest page -> host frame, per hart and per translation
 * regime (TcgMmuIdx; virtual pages when paged, else physical). The fast
 * path is one tag compare; everything else (misses, MMIO, watched pages,
 * accesses that straddle a page) goes through the slow path here, which
 * walks the page tables (mmu.c), checks PMP (pmp.c), asks the node (a
 * blocking safe point) and raises the architectural exception. */
#include <stddef.h>
#include <string.h>

#include "tcg/internal.h"

static inline guint tlb_index(guint64 addr)
{
    return (guint)((addr >> TCG_PAGE_BITS) & ((1u << TCG_TLB_BITS) - 1));
}

static inline TcgTlbEntry *tlb_entry(TcgHart *hart, TcgMmuIdx idx, guint64 addr)
{
    return &hart->tlb[idx][tlb_index(addr)];
}

static const TcgTlbEntry tlb_empty = {
    TCG_TLB_INVALID, TCG_TLB_INVALID, TCG_TLB_INVALID, 0,
};

#define NO_PAGE (~0ull)

static inline guint32 rmap_entry(TcgMmuIdx idx, guint slot)
{
    return (guint32)idx << TCG_TLB_BITS | slot;
}

static inline guint64 *entry_paddr_slot(TcgHart *hart, guint32 entry)
{
    return &hart->tlb_paddr[entry >> TCG_TLB_BITS][entry & ((1u << TCG_TLB_BITS) - 1)];
}

static inline guint32 *rmap_bucket(TcgHart *hart, guint64 ppage)
{
    return &hart->tlb_rmap_head[tlb_index(ppage)];
}

static void rmap_unlink(TcgHart *hart, guint32 entry)
{
    guint64 old = *entry_paddr_slot(hart, entry);
    if (old == NO_PAGE)
        return;
    guint32 prev = hart->tlb_rmap_prev[entry], next = hart->tlb_rmap_next[entry];
    if (prev == TCG_TLB_NO_ENTRY)
        *rmap_bucket(hart, old) = next;
    else
        hart->tlb_rmap_next[prev] = next;
    if (next != TCG_TLB_NO_ENTRY)
        hart->tlb_rmap_prev[next] = prev;
}

/* Every change of an entry's physical page goes through here, so the
 * reverse map always holds exactly the entries with a page. */
static void set_entry_paddr(TcgHart *hart, TcgMmuIdx idx, guint slot, guint64 ppage)
{
    guint32 entry = rmap_entry(idx, slot);
    rmap_unlink(hart, entry);
    *entry_paddr_slot(hart, entry) = ppage;
    if (ppage == NO_PAGE)
        return;
    guint32 *head = rmap_bucket(hart, ppage);
    hart->tlb_rmap_prev[entry] = TCG_TLB_NO_ENTRY;
    hart->tlb_rmap_next[entry] = *head;
    if (*head != TCG_TLB_NO_ENTRY)
        hart->tlb_rmap_prev[*head] = entry;
    *head = entry;
}

/* Empties regime @idx without unlinking its entries from the reverse map:
 * only for tcg_tlb_flush_all, which empties the map itself. */
static void regime_flush(TcgHart *hart, TcgMmuIdx idx)
{
    for (guint i = 0; i < G_N_ELEMENTS(hart->tlb[idx]); i++) {
        hart->tlb[idx][i] = tlb_empty;
        hart->tlb_paddr[idx][i] = NO_PAGE;
    }
    for (guint i = 0; i < TCG_VICTIM_TLB_SIZE; i++) {
        hart->victim_tlb[idx][i] = (TcgVictimEntry){ tlb_empty, NO_PAGE };
    }
}

void tcg_tlb_flush_all(TcgHart *hart)
{
    /* Only regimes filled since the last flush: M-mode code that fences
     * often must not pay for the S and U arrays it never uses. */
    for (guint idx = 0; idx < TCG_MMU_COUNT; idx++) {
        if (hart->tlb_used & (1u << idx)) {
            regime_flush(hart, (TcgMmuIdx)idx);
        }
    }
    /* The regimes not used since the last full flush hold no entry, so no
     * entry is left anywhere: every chain is empty. */
    for (guint b = 0; b < G_N_ELEMENTS(hart->tlb_rmap_head); b++) {
        hart->tlb_rmap_head[b] = TCG_TLB_NO_ENTRY;
    }
    hart->tlb_used = 0;
    hart->tlb_paged = FALSE;
    hart->tlb_generation++;
}

void tcg_tlb_init(TcgHart *hart)
{
    hart->tlb_used = (1u << TCG_MMU_COUNT) - 1;
    tcg_tlb_flush_all(hart);
}

static gboolean entry_maps_vpage(const TcgTlbEntry *e, guint64 vpage)
{
    return (e->tag_read & TCG_PAGE_MASK) == vpage || (e->tag_write & TCG_PAGE_MASK) == vpage ||
           (e->tag_exec & TCG_PAGE_MASK) == vpage;
}

void tcg_tlb_flush_vpage(TcgHart *hart, guint64 vaddr)
{
    guint64 vpage = vaddr & TCG_PAGE_MASK;
    for (guint idx = 0; idx < TCG_MMU_COUNT; idx++) {
        if (idx == TCG_MMU_M || !(hart->tlb_used & (1u << idx))) {
            continue; /* M's regime is never paged */
        }
        guint i = tlb_index(vpage);
        if (entry_maps_vpage(&hart->tlb[idx][i], vpage)) {
            hart->tlb[idx][i] = tlb_empty;
            set_entry_paddr(hart, idx, i, NO_PAGE);
        }
        for (guint v = 0; v < TCG_VICTIM_TLB_SIZE; v++) {
            if (entry_maps_vpage(&hart->victim_tlb[idx][v].e, vpage)) {
                hart->victim_tlb[idx][v] = (TcgVictimEntry){ tlb_empty, NO_PAGE };
            }
        }
    }
    hart->tlb_generation++;
}

void tcg_tlb_flush_phys_page(TcgHart *hart, gpointer paddr)
{
    tcg_tlb_flush_page(hart, *(const guint64 *)paddr);
}

void tcg_tlb_flush_page(TcgHart *hart, guint64 paddr)
{
    guint64 page = paddr & TCG_PAGE_MASK;
    /* Virtual keys may have put the page in any slot: its bucket of the
     * reverse map names them. */
    guint32 entry = *rmap_bucket(hart, page);
    while (entry != TCG_TLB_NO_ENTRY) {
        guint32 next = hart->tlb_rmap_next[entry];
        if (*entry_paddr_slot(hart, entry) == page) {
            TcgMmuIdx idx = (TcgMmuIdx)(entry >> TCG_TLB_BITS);
            guint slot = entry & ((1u << TCG_TLB_BITS) - 1);
            hart->tlb[idx][slot] = tlb_empty;
            set_entry_paddr(hart, idx, slot, NO_PAGE);
        }
        entry = next;
    }
    for (guint idx = 0; idx < TCG_MMU_COUNT; idx++) {
        if (!(hart->tlb_used & (1u << idx))) {
            continue;
        }
        for (guint i = 0; i < TCG_VICTIM_TLB_SIZE; i++) {
            if (hart->victim_tlb[idx][i].paddr_page == page) {
                hart->victim_tlb[idx][i] = (TcgVictimEntry){ tlb_empty, NO_PAGE };
            }
        }
    }
    hart->tlb_generation++;
}

/* The victim TLB: a miss in the direct-mapped TLB first looks among the
 * entries it recently evicted (conflicts between hot pages are common: a
 * stack and an array 16 MiB apart) and swaps a hit back in. @tag_offset
 * picks the tag to compare; @flags are tag bits that still count as a hit. */
static gboolean victim_tlb_hit(TcgHart *hart, TcgMmuIdx idx, guint64 addr, gsize tag_offset,
                               guint64 flags)
{
    guint64 page = addr & TCG_PAGE_MASK;
    for (guint i = 0; i < TCG_VICTIM_TLB_SIZE; i++) {
        TcgVictimEntry *v = &hart->victim_tlb[idx][i];
        guint64 tag;
        memcpy(&tag, (const guint8 *)&v->e + tag_offset, sizeof tag);
        if ((tag & ~flags) == page) {
            guint slot = tlb_index(addr);
            TcgVictimEntry evicted = { hart->tlb[idx][slot], hart->tlb_paddr[idx][slot] };
            hart->tlb[idx][slot] = v->e;
            set_entry_paddr(hart, idx, slot, v->paddr_page);
            *v = evicted;
            return TRUE;
        }
    }
    return FALSE;
}

static void victim_tlb_save(TcgHart *hart, TcgMmuIdx idx, guint slot)
{
    const TcgTlbEntry *e = &hart->tlb[idx][slot];
    if (e->tag_read == TCG_TLB_INVALID && e->tag_exec == TCG_TLB_INVALID) {
        return;
    }
    hart->victim_tlb[idx][hart->victim_next[idx]] =
        (TcgVictimEntry){ *e, hart->tlb_paddr[idx][slot] };
    hart->victim_next[idx] = (hart->victim_next[idx] + 1) % TCG_VICTIM_TLB_SIZE;
}

/* The physical address behind @addr in regime @idx, from the entry that
 * the caller just found valid. */
static guint64 entry_paddr(TcgHart *hart, TcgMmuIdx idx, guint64 addr)
{
    return hart->tlb_paddr[idx][tlb_index(addr)] | (addr & ~TCG_PAGE_MASK);
}

/* What a fill found: where the access goes, or that the node made it. */
typedef struct {
    TcgPageMap map;
    guint64 paddr;
    gboolean remote_done; /* the node made the access (TcgNodeOps.access_remote) */
    guint64 remote_value;
} TcgFill;

/* Translates @addr for @access of @size bytes in privilege @priv (page
 * tables, then PMP) and asks the node for the physical page. A flush that
 * lands while the hart waits (the agent may run safe work on it then)
 * makes the answer stale: ask again. Installs a TLB entry for regime
 * @idx unless PMP rules split the page. Returns -1, or the exception
 * cause to raise (tval: @addr). */
static gint tlb_fill(TcgHart *hart, TcgMmuIdx idx, guint priv, guint64 addr, guint size,
                     TcgAccess access, const TcgRemoteAccess *remote, TcgFill *out)
{
    guint64 page = addr & TCG_PAGE_MASK;
    gboolean paged = tcg_priv_paged(&hart->env, priv);
    guint prot = TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_EXEC;
    gint pmp;
    for (;;) {
        guint generation = hart->tlb_generation;
        out->paddr = addr;
        if (paged) {
            gint fault = tcg_mmu_translate(hart, addr, access, priv, &out->paddr, &prot);
            if (fault >= 0) {
                return fault;
            }
        }
        pmp = tcg_pmp_page_prot(hart, out->paddr, priv);
        if (!tcg_pmp_check(hart, out->paddr, size, access, priv)) {
            return tcg_access_fault_cause(access);
        }
        out->map = (TcgPageMap){ 0 };
        out->remote_done = FALSE;
        if (remote && hart->ops->access_remote) {
            TcgRemoteAccess at = *remote;
            at.paddr = out->paddr;
            at.priv = priv;
            tcg_safe_point_enter(hart);
            out->remote_done = hart->ops->access_remote(hart->opaque, hart->config.hart_id, &at,
                                                        &out->remote_value);
            tcg_safe_point_leave(hart);
            if (out->remote_done) {
                return -1; /* made once, never again: no TLB entry either */
            }
        }
        /* Clock reads only while translating (for translate_ns): data
         * accesses to devices come through here on every access. */
        gint64 t0 = access == TCG_ACCESS_EXEC ? g_get_monotonic_time() : 0;
        tcg_safe_point_enter(hart);
        gboolean ok = hart->ops->page_map(hart->opaque, hart->config.hart_id, out->paddr, access,
                                          &out->map);
        tcg_safe_point_leave(hart);
        if (access == TCG_ACCESS_EXEC) {
            hart->page_map_ns += (guint64)(g_get_monotonic_time() - t0) * 1000;
        }
        if (!ok) {
            return tcg_access_fault_cause(access);
        }
        if (generation == hart->tlb_generation) {
            break;
        }
    }
    if (pmp < 0 || G_UNLIKELY(hart->debug.n_watches > 0 && tcg_debug_watched_page(hart, addr))) {
        return -1; /* checked for this access only, or watched: no entry */
    }
    prot &= (guint)pmp;
    const TcgPageMap *map = &out->map;
    guint64 ppage = out->paddr & TCG_PAGE_MASK;
    guint slot = tlb_index(addr);
    TcgTlbEntry *e = &hart->tlb[idx][slot];
    if ((e->tag_read & TCG_PAGE_MASK) != page) {
        victim_tlb_save(hart, idx, slot);
    }
    hart->tlb_used |= 1u << idx;
    hart->tlb_paged |= paged;
    set_entry_paddr(hart, idx, slot, ppage);
    if (map->host == NULL) {
        guint64 device = page | TCG_TLB_SLOW | TCG_TLB_MMIO;
        *e = (TcgTlbEntry){
            prot & TCG_PROT_READ ? device : TCG_TLB_INVALID,
            prot & TCG_PROT_WRITE ? device : TCG_TLB_INVALID,
            TCG_TLB_INVALID,
            0,
        };
        return -1;
    }
    /* The node's promise (TcgHartConfig.ram_host) is what the JIT's fast
     * path relies on in unpaged regimes. */
    g_assert(hart->config.ram_host == NULL ||
             (guintptr)map->host - (guintptr)ppage == hart->ram_addend);
    guint64 write_tag = TCG_TLB_INVALID;
    if (map->writable && (prot & TCG_PROT_WRITE)) {
        if (map->watch_stores) {
            write_tag = page | TCG_TLB_SLOW;
        } else if (tcg_shared_code_has(ppage)) {
            write_tag = page | TCG_TLB_CODE;
        } else {
            write_tag = page;
        }
    }
    *e = (TcgTlbEntry){
        .tag_read = prot & TCG_PROT_READ ? page : TCG_TLB_INVALID,
        .tag_write = write_tag,
        .tag_exec = prot & TCG_PROT_EXEC ? page : TCG_TLB_INVALID,
        .addend = (guintptr)map->host - (guintptr)page,
    };
    return -1;
}

/* tlb_fill for a load or store in the current data regime (which the node
 * may make itself when @remote says what it is); raises. */
static void data_fill(TcgHart *hart, guint64 addr, guint size, TcgAccess access,
                      const TcgRemoteAccess *remote, TcgFill *out)
{
    guint priv = tcg_data_priv(&hart->env);
    gint fault = tlb_fill(hart, tcg_mmu_idx(priv), priv, addr, size, access, remote, out);
    if (fault >= 0) {
        tcg_raise(hart, (RvException)fault, addr);
    }
}

static guint64 host_load(const void *p, guint size)
{
    switch (size) {
    case 1: return __atomic_load_n((const guint8 *)p, __ATOMIC_RELAXED);
    case 2: return __atomic_load_n((const guint16 *)p, __ATOMIC_RELAXED);
    case 4: return __atomic_load_n((const guint32 *)p, __ATOMIC_RELAXED);
    default: return __atomic_load_n((const guint64 *)p, __ATOMIC_RELAXED);
    }
}

static void host_store(void *p, guint size, guint64 v)
{
    switch (size) {
    case 1: __atomic_store_n((guint8 *)p, (guint8)v, __ATOMIC_RELAXED); break;
    case 2: __atomic_store_n((guint16 *)p, (guint16)v, __ATOMIC_RELAXED); break;
    case 4: __atomic_store_n((guint32 *)p, (guint32)v, __ATOMIC_RELAXED); break;
    default: __atomic_store_n((guint64 *)p, v, __ATOMIC_RELAXED); break;
    }
}

static guint64 extend(guint64 v, TcgMemOp mo)
{
    guint bits = 8u << (mo & TCG_MO_SIZE);
    if (bits == 64) {
        return v;
    }
    if (mo & TCG_MO_SIGN) {
        return (guint64)((gint64)(v << (64 - bits)) >> (64 - bits));
    }
    return v & ((1ull << bits) - 1);
}

static gboolean straddles_page(guint64 addr, guint size)
{
    return ((addr ^ (addr + size - 1)) & TCG_PAGE_MASK) != 0;
}

/* The regime of this hart's loads and stores now. */
static inline TcgMmuIdx data_idx(const TcgHart *hart)
{
    return tcg_mmu_idx(tcg_data_priv(&hart->env));
}

static guint64 load_slow(TcgHart *hart, guint64 addr, guint size)
{
    TcgMmuIdx idx = data_idx(hart);
    if (G_UNLIKELY(hart->debug.n_watches > 0)) {
        tcg_debug_watch_check(hart, addr, size, TRUE, FALSE);
    }
    if (straddles_page(addr, size)) {
        /* Misaligned across pages (QEMU's virt allows it too): by bytes,
         * little endian; the first byte that faults reports its address. */
        guint64 v = 0;
        for (guint i = 0; i < size; i++) {
            v |= tcg_mem_load(hart, addr + i, TCG_MO_8) << (8 * i);
        }
        return v;
    }
    if (victim_tlb_hit(hart, idx, addr, offsetof(TcgTlbEntry, tag_read), 0)) {
        TcgTlbEntry *e = tlb_entry(hart, idx, addr);
        guint64 v = 0;
        memcpy(&v, (const void *)(guintptr)(addr + e->addend), size);
        return v;
    }
    TcgFill fill;
    TcgRemoteAccess remote = { .size = size, .op = TCG_REMOTE_LOAD };
    data_fill(hart, addr, size, TCG_ACCESS_READ, &remote, &fill);
    if (fill.remote_done) {
        return fill.remote_value;
    }
    if (fill.map.host == NULL) {
        guint64 v = 0;
        gboolean ok;
        if (addr & (size - 1)) {
            tcg_raise(hart, RV_EXC_LOAD_ACCESS, addr); /* devices take aligned accesses */
        }
        tcg_safe_point_enter(hart);
        ok = hart->ops->mmio_read(hart->opaque, hart->config.hart_id, fill.paddr, size, &v);
        tcg_safe_point_leave(hart);
        if (!ok) {
            tcg_raise(hart, RV_EXC_LOAD_ACCESS, addr);
        }
        return v;
    }
    guint64 v = 0;
    memcpy(&v, fill.map.host + (fill.paddr & ~TCG_PAGE_MASK), size);
    return v;
}

guint64 tcg_mem_load(TcgHart *hart, guint64 addr, TcgMemOp mo)
{
    guint size = 1u << (mo & TCG_MO_SIZE);
    TcgTlbEntry *e = tlb_entry(hart, data_idx(hart), addr);
    guint64 v;
    if (G_LIKELY(e->tag_read == (addr & TCG_PAGE_MASK) && (addr & (size - 1)) == 0)) {
        v = host_load((const void *)(guintptr)(addr + e->addend), size);
    } else {
        v = load_slow(hart, addr, size);
    }
    return extend(v, mo);
}

/* A store that may overwrite translated code at physical @paddr: the
 * page's translations go first. */
static void store_check_code(TcgHart *hart, guint64 paddr, guint size)
{
    if (tcg_tb_store_hits_code(hart, paddr, size)) {
        /* Self-modifying code: the page's translations go; the block
         * running may finish on its old code, which RISC-V allows until
         * a fence.i. Then stores to the page take the fast path again. */
        tcg_tb_invalidate_page(hart, paddr);
        tcg_tlb_flush_page(hart, paddr);
    }
}

/* A store into a page that holds translations (the TLB entry says so and
 * has the frame): only stores that hit translated bytes cost more. */
static gboolean store_code_page(TcgHart *hart, TcgMmuIdx idx, guint64 addr, guint64 value,
                                guint size)
{
    TcgTlbEntry *e = tlb_entry(hart, idx, addr);
    if (e->tag_write != ((addr & TCG_PAGE_MASK) | TCG_TLB_CODE) || straddles_page(addr, size)) {
        return FALSE;
    }
    guint8 *host = (guint8 *)(guintptr)(addr + e->addend);
    guint64 paddr = entry_paddr(hart, idx, addr);
    store_check_code(hart, paddr, size);
    memcpy(host, &value, size);
    tcg_shared_code_stored(paddr); /* landed: now for the other harts' fence.i */
    return TRUE;
}

static void store_slow(TcgHart *hart, guint64 addr, guint64 value, guint size)
{
    TcgMmuIdx idx = data_idx(hart);
    if (G_UNLIKELY(hart->debug.n_watches > 0)) {
        tcg_debug_watch_check(hart, addr, size, FALSE, TRUE);
    }
    if (!straddles_page(addr, size) &&
        victim_tlb_hit(hart, idx, addr, offsetof(TcgTlbEntry, tag_write), TCG_TLB_CODE)) {
        TcgTlbEntry *e = tlb_entry(hart, idx, addr);
        if (e->tag_write == (addr & TCG_PAGE_MASK)) {
            memcpy((void *)(guintptr)(addr + e->addend), &value, size);
            return;
        }
    }
    if (store_code_page(hart, idx, addr, value, size)) {
        return;
    }
    TcgFill fill;
    if (straddles_page(addr, size)) {
        /* Check both pages before writing anything, so a fault on the
         * second leaves memory untouched. */
        guint64 second = (addr + size - 1) & TCG_PAGE_MASK;
        data_fill(hart, second, 1, TCG_ACCESS_WRITE, NULL, &fill);
        if (fill.map.host == NULL) {
            tcg_raise(hart, RV_EXC_STORE_ACCESS, second);
        }
        for (guint i = 0; i < size; i++) {
            tcg_mem_store(hart, addr + i, value >> (8 * i), TCG_MO_8);
        }
        return;
    }
    data_fill(hart, addr, size, TCG_ACCESS_WRITE, NULL, &fill);
    if (fill.map.host == NULL) {
        gboolean ok;
        if (addr & (size - 1)) {
            tcg_raise(hart, RV_EXC_STORE_ACCESS, addr);
        }
        tcg_safe_point_enter(hart);
        ok = hart->ops->mmio_write(hart->opaque, hart->config.hart_id, fill.paddr, size, value);
        tcg_safe_point_leave(hart);
        if (!ok) {
            tcg_raise(hart, RV_EXC_STORE_ACCESS, addr);
        }
        return;
    }
    g_assert(fill.map.writable);
    store_check_code(hart, fill.paddr, size);
    memcpy(fill.map.host + (fill.paddr & ~TCG_PAGE_MASK), &value, size);
    tcg_shared_code_stored(fill.paddr);
    if (fill.map.watch_stores) {
        tcg_safe_point_enter(hart);
        hart->ops->watched_store(hart->opaque, hart->config.hart_id, fill.paddr, size, value);
        tcg_safe_point_leave(hart);
    }
}

void tcg_mem_store(TcgHart *hart, guint64 addr, guint64 value, TcgMemOp mo)
{
    guint size = 1u << (mo & TCG_MO_SIZE);
    TcgTlbEntry *e = tlb_entry(hart, data_idx(hart), addr);
    if (G_LIKELY(e->tag_write == (addr & TCG_PAGE_MASK) && (addr & (size - 1)) == 0)) {
        host_store((void *)(guintptr)(addr + e->addend), size, value);
        return;
    }
    store_slow(hart, addr, value, size);
}

gint tcg_mem_probe(TcgHart *hart, guint64 addr, TcgAccess access)
{
    guint priv = tcg_data_priv(&hart->env);
    TcgFill fill;
    return tlb_fill(hart, tcg_mmu_idx(priv), priv, addr, 1, access, NULL, &fill);
}

void *tcg_mem_atomic_ptr(TcgHart *hart, guint64 addr, guint log2size, gboolean is_lr,
                         guint64 *code_paddr)
{
    guint size = 1u << log2size;
    *code_paddr = TCG_NO_CODE_PAGE;
    if (addr & (size - 1)) {
        tcg_raise(hart, is_lr ? RV_EXC_LOAD_MISALIGNED : RV_EXC_STORE_MISALIGNED, addr);
    }
    TcgMmuIdx idx = data_idx(hart);
    TcgTlbEntry *e = tlb_entry(hart, idx, addr);
    guint64 page = addr & TCG_PAGE_MASK;
    if ((is_lr ? e->tag_read : e->tag_write) == page) {
        return (void *)(guintptr)(addr + e->addend);
    }
    if (G_UNLIKELY(hart->debug.n_watches > 0)) {
        tcg_debug_watch_check(hart, addr, size, TRUE, !is_lr);
    }
    TcgFill fill;
    data_fill(hart, addr, size, is_lr ? TCG_ACCESS_LR : TCG_ACCESS_WRITE, NULL, &fill);
    if (fill.map.host == NULL) {
        tcg_raise(hart, is_lr ? RV_EXC_LOAD_ACCESS : RV_EXC_STORE_ACCESS, addr);
    }
    if (!is_lr) {
        store_check_code(hart, fill.paddr, size);
        if (tcg_shared_code_has(fill.paddr)) {
            *code_paddr = fill.paddr;
        }
    }
    return fill.map.host + (fill.paddr & ~TCG_PAGE_MASK);
}

#define HOST_AMO(T, ST)                                                               \
    switch (op) {                                                                     \
    case TCG_REMOTE_SWAP: return __atomic_exchange_n(p, (T)v, __ATOMIC_SEQ_CST);      \
    case TCG_REMOTE_ADD: return __atomic_fetch_add(p, (T)v, __ATOMIC_SEQ_CST);        \
    case TCG_REMOTE_XOR: return __atomic_fetch_xor(p, (T)v, __ATOMIC_SEQ_CST);        \
    case TCG_REMOTE_AND: return __atomic_fetch_and(p, (T)v, __ATOMIC_SEQ_CST);        \
    case TCG_REMOTE_OR: return __atomic_fetch_or(p, (T)v, __ATOMIC_SEQ_CST);          \
    default: break;                                                                   \
    }                                                                                 \
    /* min/max have no host instruction: a compare-and-swap loop. */                  \
    T old = __atomic_load_n(p, __ATOMIC_SEQ_CST), desired;                            \
    do {                                                                              \
        switch (op) {                                                                 \
        case TCG_REMOTE_MIN: desired = (ST)old < (ST)(T)v ? old : (T)v; break;        \
        case TCG_REMOTE_MAX: desired = (ST)old > (ST)(T)v ? old : (T)v; break;        \
        case TCG_REMOTE_MINU: desired = old < (T)v ? old : (T)v; break;               \
        case TCG_REMOTE_MAXU: desired = old > (T)v ? old : (T)v; break;               \
        default: g_assert_not_reached();                                              \
        }                                                                             \
    } while (!__atomic_compare_exchange_n(p, &old, desired, FALSE, __ATOMIC_SEQ_CST,  \
                                          __ATOMIC_SEQ_CST));                         \
    return old;

static guint32 host_amo32(guint32 *p, TcgRemoteOp op, guint64 v)
{
    HOST_AMO(guint32, gint32)
}

static guint64 host_amo64(guint64 *p, TcgRemoteOp op, guint64 v)
{
    HOST_AMO(guint64, gint64)
}

guint64 tcg_host_access(void *p, guint size, TcgRemoteOp op, guint64 operand)
{
    if (op == TCG_REMOTE_LOAD) {
        guint64 v = 0;
        if (((guintptr)p & (size - 1)) == 0) {
            return host_load(p, size);
        }
        memcpy(&v, p, size); /* misaligned inside a page: no atomicity promised */
        return v;
    }
    g_assert(size == 4 || size == 8);
    return size == 4 ? host_amo32(p, op, operand) : host_amo64(p, op, operand);
}

gboolean tcg_mem_amo_remote(TcgHart *hart, guint64 addr, guint log2size, TcgRemoteOp op,
                            guint64 operand, guint64 *old)
{
    if (hart->ops->access_remote == NULL) {
        return FALSE; /* the node never forwards: every AMO pays one test */
    }
    guint size = 1u << log2size;
    TcgTlbEntry *e = tlb_entry(hart, data_idx(hart), addr);
    if (e->tag_write == (addr & TCG_PAGE_MASK) || (addr & (size - 1)) ||
        G_UNLIKELY(hart->debug.n_watches > 0)) {
        return FALSE; /* here already, or tcg_mem_atomic_ptr raises / watches */
    }
    TcgFill fill;
    TcgRemoteAccess remote = { .size = size, .op = op, .operand = operand };
    data_fill(hart, addr, size, TCG_ACCESS_WRITE, &remote, &fill);
    *old = fill.remote_value;
    return fill.remote_done;
}

const guint8 *tcg_mem_fetch_ptr(TcgHart *hart, guint64 pc, guint64 *paddr, RvException *fault)
{
    guint priv = hart->env.priv;
    TcgMmuIdx idx = tcg_mmu_idx(priv);
    TcgTlbEntry *e = tlb_entry(hart, idx, pc);
    if (e->tag_exec == (pc & TCG_PAGE_MASK) ||
        victim_tlb_hit(hart, idx, pc, offsetof(TcgTlbEntry, tag_exec), 0)) {
        *paddr = entry_paddr(hart, idx, pc);
        return (const guint8 *)(guintptr)(pc + e->addend);
    }
    TcgFill fill;
    gint cause = tlb_fill(hart, idx, priv, pc, 2, TCG_ACCESS_EXEC, NULL, &fill);
    if (cause >= 0) {
        *fault = (RvException)cause;
        return NULL;
    }
    if (fill.map.host == NULL) {
        *fault = RV_EXC_INSN_ACCESS;
        return NULL;
    }
    *paddr = fill.paddr;
    return fill.map.host + (fill.paddr & ~TCG_PAGE_MASK);
}
