/* SPDX-License-Identifier: MIT */
/* The softmmu TLB: guest physical page -> host frame, per hart. The fast
 * path is one tag compare; everything else (misses, MMIO, watched pages,
 * accesses that straddle a page) goes through the slow path here, which
 * asks the node (a blocking safe point) and raises the architectural
 * exception when there is nothing to map. */
#include <stddef.h>
#include <string.h>

#include "tcg/internal.h"

static inline TcgTlbEntry *tlb_entry(TcgHart *hart, guint64 addr)
{
    return &hart->tlb[(addr >> TCG_PAGE_BITS) & ((1u << TCG_TLB_BITS) - 1)];
}

static const TcgTlbEntry tlb_empty = {
    TCG_TLB_INVALID, TCG_TLB_INVALID, TCG_TLB_INVALID, 0,
};

void tcg_tlb_flush_all(TcgHart *hart)
{
    for (guint i = 0; i < G_N_ELEMENTS(hart->tlb); i++) {
        hart->tlb[i] = tlb_empty;
    }
    for (guint i = 0; i < G_N_ELEMENTS(hart->victim_tlb); i++) {
        hart->victim_tlb[i] = tlb_empty;
    }
    hart->tlb_generation++;
}

static gboolean entry_maps(const TcgTlbEntry *e, guint64 page)
{
    return (e->tag_read & TCG_PAGE_MASK) == page || (e->tag_write & TCG_PAGE_MASK) == page ||
           (e->tag_exec & TCG_PAGE_MASK) == page;
}

void tcg_tlb_flush_page(TcgHart *hart, guint64 addr)
{
    guint64 page = addr & TCG_PAGE_MASK;
    TcgTlbEntry *e = tlb_entry(hart, addr);
    if (entry_maps(e, page)) {
        *e = tlb_empty;
    }
    for (guint i = 0; i < G_N_ELEMENTS(hart->victim_tlb); i++) {
        if (entry_maps(&hart->victim_tlb[i], page)) {
            hart->victim_tlb[i] = tlb_empty;
        }
    }
    hart->tlb_generation++;
}

/* The victim TLB: a miss in the direct-mapped TLB first looks among the
 * entries it recently evicted (conflicts between hot pages are common: a
 * stack and an array 16 MiB apart) and swaps a hit back in. @tag_offset
 * picks the tag to compare; @flags are tag bits that still count as a hit. */
static gboolean victim_tlb_hit(TcgHart *hart, guint64 addr, gsize tag_offset, guint64 flags)
{
    guint64 page = addr & TCG_PAGE_MASK;
    for (guint i = 0; i < G_N_ELEMENTS(hart->victim_tlb); i++) {
        TcgTlbEntry *v = &hart->victim_tlb[i];
        guint64 tag;
        memcpy(&tag, (const guint8 *)v + tag_offset, sizeof tag);
        if ((tag & ~flags) == page) {
            TcgTlbEntry *e = tlb_entry(hart, addr);
            TcgTlbEntry evicted = *e;
            *e = *v;
            *v = evicted;
            return TRUE;
        }
    }
    return FALSE;
}

static void victim_tlb_save(TcgHart *hart, const TcgTlbEntry *e)
{
    if (e->tag_read == TCG_TLB_INVALID && e->tag_exec == TCG_TLB_INVALID) {
        return;
    }
    hart->victim_tlb[hart->victim_next] = *e;
    hart->victim_next = (hart->victim_next + 1) % TCG_VICTIM_TLB_SIZE;
}

/* Asks the node for the page of @addr. A flush that lands while the hart
 * waits (the agent may run safe work on it then) makes the answer stale:
 * ask again. FALSE: nothing there. */
static gboolean tlb_fill(TcgHart *hart, guint64 addr, TcgAccess access, TcgPageMap *map)
{
    guint64 page = addr & TCG_PAGE_MASK;
    for (;;) {
        guint generation = hart->tlb_generation;
        *map = (TcgPageMap){ 0 };
        /* Clock reads only while translating (for translate_ns): data
         * accesses to devices come through here on every access. */
        gint64 t0 = access == TCG_ACCESS_EXEC ? g_get_monotonic_time() : 0;
        tcg_safe_point_enter(hart);
        gboolean ok = hart->ops->page_map(hart->opaque, hart->config.hart_id, addr, access, map);
        tcg_safe_point_leave(hart);
        if (access == TCG_ACCESS_EXEC) {
            hart->page_map_ns += (guint64)(g_get_monotonic_time() - t0) * 1000;
        }
        if (!ok) {
            return FALSE;
        }
        if (generation == hart->tlb_generation) {
            break;
        }
    }
    TcgTlbEntry *e = tlb_entry(hart, addr);
    if ((e->tag_read & TCG_PAGE_MASK) != page) {
        victim_tlb_save(hart, e);
    }
    if (map->host == NULL) {
        guint64 device = page | TCG_TLB_SLOW | TCG_TLB_MMIO;
        *e = (TcgTlbEntry){ device, device, TCG_TLB_INVALID, 0 };
        return TRUE;
    }
    /* The node's promise (TcgHartConfig.ram_host) is what the JIT's fast
     * path relies on. */
    g_assert(hart->config.ram_host == NULL ||
             (guintptr)map->host - (guintptr)page == hart->ram_addend);
    guint64 write_tag = TCG_TLB_INVALID;
    if (map->writable) {
        if (map->watch_stores) {
            write_tag = page | TCG_TLB_SLOW;
        } else if (tcg_tb_is_code_page(hart, page)) {
            write_tag = page | TCG_TLB_CODE;
        } else {
            write_tag = page;
        }
    }
    *e = (TcgTlbEntry){
        .tag_read = page,
        .tag_write = write_tag,
        .tag_exec = page,
        .addend = (guintptr)map->host - (guintptr)page,
    };
    return TRUE;
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

static guint64 load_slow(TcgHart *hart, guint64 addr, guint size)
{
    if (straddles_page(addr, size)) {
        /* Misaligned across pages (QEMU's virt allows it too): by bytes,
         * little endian; the first byte that faults reports its address. */
        guint64 v = 0;
        for (guint i = 0; i < size; i++) {
            v |= tcg_mem_load(hart, addr + i, TCG_MO_8) << (8 * i);
        }
        return v;
    }
    if (victim_tlb_hit(hart, addr, offsetof(TcgTlbEntry, tag_read), 0)) {
        TcgTlbEntry *e = tlb_entry(hart, addr);
        guint64 v = 0;
        memcpy(&v, (const void *)(guintptr)(addr + e->addend), size);
        return v;
    }
    TcgPageMap map;
    if (!tlb_fill(hart, addr, TCG_ACCESS_READ, &map)) {
        tcg_raise(hart, RV_EXC_LOAD_ACCESS, addr);
    }
    if (map.host == NULL) {
        guint64 v = 0;
        gboolean ok;
        if (addr & (size - 1)) {
            tcg_raise(hart, RV_EXC_LOAD_ACCESS, addr); /* devices take aligned accesses */
        }
        tcg_safe_point_enter(hart);
        ok = hart->ops->mmio_read(hart->opaque, hart->config.hart_id, addr, size, &v);
        tcg_safe_point_leave(hart);
        if (!ok) {
            tcg_raise(hart, RV_EXC_LOAD_ACCESS, addr);
        }
        return v;
    }
    guint64 v = 0;
    memcpy(&v, map.host + (addr & ~TCG_PAGE_MASK), size);
    return v;
}

guint64 tcg_mem_load(TcgHart *hart, guint64 addr, TcgMemOp mo)
{
    guint size = 1u << (mo & TCG_MO_SIZE);
    TcgTlbEntry *e = tlb_entry(hart, addr);
    guint64 v;
    if (G_LIKELY(e->tag_read == (addr & TCG_PAGE_MASK) && (addr & (size - 1)) == 0)) {
        v = host_load((const void *)(guintptr)(addr + e->addend), size);
    } else {
        v = load_slow(hart, addr, size);
    }
    return extend(v, mo);
}

/* A store into a page that holds translations (the TLB entry says so and
 * has the frame): only stores that hit translated bytes cost more. */
static gboolean store_code_page(TcgHart *hart, guint64 addr, guint64 value, guint size)
{
    TcgTlbEntry *e = tlb_entry(hart, addr);
    if (e->tag_write != ((addr & TCG_PAGE_MASK) | TCG_TLB_CODE) || straddles_page(addr, size)) {
        return FALSE;
    }
    guint8 *host = (guint8 *)(guintptr)(addr + e->addend);
    if (tcg_tb_store_hits_code(hart, addr, size)) {
        /* Self-modifying code: the page's translations go; the block
         * running may finish on its old code, which RISC-V allows until
         * a fence.i. Then stores to the page take the fast path again. */
        tcg_tb_invalidate_page(hart, addr);
        tcg_tlb_flush_page(hart, addr);
    }
    memcpy(host, &value, size);
    return TRUE;
}

static void store_slow(TcgHart *hart, guint64 addr, guint64 value, guint size)
{
    if (!straddles_page(addr, size) &&
        victim_tlb_hit(hart, addr, offsetof(TcgTlbEntry, tag_write), TCG_TLB_CODE)) {
        TcgTlbEntry *e = tlb_entry(hart, addr);
        if (e->tag_write == (addr & TCG_PAGE_MASK)) {
            memcpy((void *)(guintptr)(addr + e->addend), &value, size);
            return;
        }
    }
    if (store_code_page(hart, addr, value, size)) {
        return;
    }
    if (straddles_page(addr, size)) {
        /* Check both pages before writing anything, so a fault on the
         * second leaves memory untouched. */
        TcgPageMap map;
        guint64 second = (addr + size - 1) & TCG_PAGE_MASK;
        if (!tlb_fill(hart, second, TCG_ACCESS_WRITE, &map) || map.host == NULL) {
            tcg_raise(hart, RV_EXC_STORE_ACCESS, second);
        }
        for (guint i = 0; i < size; i++) {
            tcg_mem_store(hart, addr + i, value >> (8 * i), TCG_MO_8);
        }
        return;
    }
    TcgPageMap map;
    if (!tlb_fill(hart, addr, TCG_ACCESS_WRITE, &map)) {
        tcg_raise(hart, RV_EXC_STORE_ACCESS, addr);
    }
    if (map.host == NULL) {
        gboolean ok;
        if (addr & (size - 1)) {
            tcg_raise(hart, RV_EXC_STORE_ACCESS, addr);
        }
        tcg_safe_point_enter(hart);
        ok = hart->ops->mmio_write(hart->opaque, hart->config.hart_id, addr, size, value);
        tcg_safe_point_leave(hart);
        if (!ok) {
            tcg_raise(hart, RV_EXC_STORE_ACCESS, addr);
        }
        return;
    }
    g_assert(map.writable);
    if (tcg_tb_store_hits_code(hart, addr, size)) {
        tcg_tb_invalidate_page(hart, addr);
        tcg_tlb_flush_page(hart, addr);
    }
    memcpy(map.host + (addr & ~TCG_PAGE_MASK), &value, size);
    if (map.watch_stores) {
        tcg_safe_point_enter(hart);
        hart->ops->watched_store(hart->opaque, hart->config.hart_id, addr, size, value);
        tcg_safe_point_leave(hart);
    }
}

void tcg_mem_store(TcgHart *hart, guint64 addr, guint64 value, TcgMemOp mo)
{
    guint size = 1u << (mo & TCG_MO_SIZE);
    TcgTlbEntry *e = tlb_entry(hart, addr);
    if (G_LIKELY(e->tag_write == (addr & TCG_PAGE_MASK) && (addr & (size - 1)) == 0)) {
        host_store((void *)(guintptr)(addr + e->addend), size, value);
        return;
    }
    store_slow(hart, addr, value, size);
}

void *tcg_mem_atomic_ptr(TcgHart *hart, guint64 addr, guint log2size, gboolean is_lr)
{
    guint size = 1u << log2size;
    if (addr & (size - 1)) {
        tcg_raise(hart, is_lr ? RV_EXC_LOAD_MISALIGNED : RV_EXC_STORE_MISALIGNED, addr);
    }
    RvException fault = is_lr ? RV_EXC_LOAD_ACCESS : RV_EXC_STORE_ACCESS;
    TcgTlbEntry *e = tlb_entry(hart, addr);
    guint64 page = addr & TCG_PAGE_MASK;
    if ((is_lr ? e->tag_read : e->tag_write) == page) {
        return (void *)(guintptr)(addr + e->addend);
    }
    TcgPageMap map;
    if (!tlb_fill(hart, addr, is_lr ? TCG_ACCESS_LR : TCG_ACCESS_WRITE, &map) ||
        map.host == NULL) {
        tcg_raise(hart, fault, addr);
    }
    if (!is_lr && tcg_tb_store_hits_code(hart, addr, size)) {
        tcg_tb_invalidate_page(hart, addr);
        tcg_tlb_flush_page(hart, addr);
    }
    return map.host + (addr & ~TCG_PAGE_MASK);
}

const guint8 *tcg_mem_fetch_ptr(TcgHart *hart, guint64 pc)
{
    TcgTlbEntry *e = tlb_entry(hart, pc);
    if (e->tag_exec != (pc & TCG_PAGE_MASK) &&
        !victim_tlb_hit(hart, pc, offsetof(TcgTlbEntry, tag_exec), 0)) {
        TcgPageMap map;
        if (!tlb_fill(hart, pc, TCG_ACCESS_EXEC, &map) || map.host == NULL) {
            return NULL;
        }
    }
    return (const guint8 *)(guintptr)(pc + e->addend);
}
