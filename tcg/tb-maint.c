/* SPDX-License-Identifier: MIT */
/* The hart's translation block cache: a hash by (virtual pc, flags) whose
 * hits must also match the physical page of the code, a direct-mapped
 * jump cache by virtual pc in front of it (generated code probes it
 * for indirect jumps), and the set of guest pages that hold translated
 * code, whose stores must invalidate it. Private to the hart thread (or to
 * safe work), so no locks.
 *
 * Invalidation never frees: a block whose page changed may still be
 * running (a store inside it hit its own page), so it is only unlinked,
 * unchained and marked invalid; memory goes back at the next full flush.
 * Blocks chain only to blocks of the same single page, so dropping a page
 * drops every block that could jump into its code. */
#include <string.h>

#include "tcg/internal.h"

static guint tb_hash(guint64 pc, guint32 flags)
{
    guint64 h = (pc >> 1) * 0x9e3779b97f4a7c15ull ^ flags;
    return (guint)(h >> (64 - TCG_TB_HASH_BITS));
}

void tcg_tb_jmp_cache_flush(TcgHart *hart)
{
    memset(hart->blocks.jmp_cache, 0, sizeof hart->blocks.jmp_cache);
}

void tcg_tb_jmp_cache_flush_page(TcgHart *hart, guint64 vaddr)
{
    /* The pcs of one page fill consecutive slots (the index is pc >> 1). */
    guint64 page = vaddr & TCG_PAGE_MASK;
    for (guint64 pc = page; pc < page + TCG_PAGE_SIZE; pc += 2) {
        TcgBlock **slot = &hart->blocks.jmp_cache[tcg_tb_jmp_cache_index(pc)];
        if (*slot != NULL && ((*slot)->pc & TCG_PAGE_MASK) == page) {
            *slot = NULL;
        }
    }
}

/* A block whose code runs into a second page matches only if @pc's
 * second page still maps to the same physical page. */
static gboolean second_page_matches(TcgHart *hart, const TcgBlock *tb)
{
    guint64 next = (tb->pc & TCG_PAGE_MASK) + TCG_PAGE_SIZE;
    guint64 paddr;
    RvException fault;
    return tcg_mem_fetch_ptr(hart, next, &paddr, &fault) != NULL &&
           (paddr & TCG_PAGE_MASK) == tb->page[1];
}

/* A page holding translations: how many valid blocks came from it and
 * which 64-byte chunks their code covers, so that stores to data sharing
 * the page (firmware and small programs put .bss right after .text) do
 * not throw the code away (QEMU keeps a code bitmap for the same reason). */
typedef struct {
    guint64 page;      /* the key */
    guint n_blocks;    /* valid blocks with code here */
    guint64 chunks;    /* bit i: bytes [64 i, 64 i + 64) hold translated code */
    GPtrArray *blocks; /* the blocks made from it (some may since be invalid) */
    TcgSharedPage *shared; /* the process's entry: other harts' stores */
    guint64 read_at;   /* shared-code clock before its oldest block's code was read */
    gboolean suspect;  /* read before the page was shared: other harts' earlier
                        * stores did not count, so the next fence.i drops it */
} TcgCodePage;

static void code_page_free(gpointer data)
{
    TcgCodePage *cp = data;
    if (cp->blocks != NULL) {
        g_ptr_array_unref(cp->blocks);
    }
    g_free(cp);
}

#define TCG_ARENA_CHUNK (256u << 10)

void tcg_tb_cache_init(TcgHart *hart)
{
    hart->blocks.all = g_ptr_array_new_with_free_func((GDestroyNotify)tcg_block_free);
    hart->blocks.arena = g_ptr_array_new_with_free_func(g_free);
    hart->blocks.code_pages =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, code_page_free);
}

void tcg_tb_cache_destroy(TcgHart *hart)
{
    tcg_tb_flush(hart);
    g_ptr_array_unref(hart->blocks.all);
    g_ptr_array_unref(hart->blocks.arena);
    g_hash_table_destroy(hart->blocks.code_pages);
}

TcgBlock *tcg_tb_jmp_cache_find(TcgHart *hart, guint64 pc)
{
    TcgBlock *tb = hart->blocks.jmp_cache[tcg_tb_jmp_cache_index(pc)];
    return tb != NULL && tb->pc == pc ? tb : NULL;
}

TcgBlock *tcg_tb_lookup(TcgHart *hart, guint64 pc, guint32 flags, guint64 phys_pc)
{
    TcgBlockCache *c = &hart->blocks;
    guint64 phys_page = phys_pc & TCG_PAGE_MASK;
    for (TcgBlock *tb = c->buckets[tb_hash(pc, flags)]; tb != NULL; tb = tb->hash_next) {
        if (tb->pc != pc || tb->flags != flags || tb->page[0] != phys_page) {
            continue;
        }
        if (tb->page[1] != ~0ull) {
            /* Asking the node is a safe point: what we hold may go. */
            guint flushes = c->flush_count;
            gboolean same = second_page_matches(hart, tb);
            if (flushes != c->flush_count || tb->invalid) {
                return NULL;
            }
            if (!same) {
                continue;
            }
        }
        c->jmp_cache[tcg_tb_jmp_cache_index(pc)] = tb;
        return tb;
    }
    return NULL;
}

#define CHUNK_BITS 6

static guint64 chunk_mask(guint64 start, guint64 end)
{
    /* [start, end) inside one page, as chunk bits */
    guint first = (guint)((start & ~TCG_PAGE_MASK) >> CHUNK_BITS);
    guint last = (guint)(((end - 1) & ~TCG_PAGE_MASK) >> CHUNK_BITS);
    guint64 upto_last = last == 63 ? ~0ull : (1ull << (last + 1)) - 1;
    return upto_last & ~((1ull << first) - 1);
}

static void code_page_add(TcgHart *hart, TcgBlock *tb, guint64 page, guint64 start,
                          guint64 end)
{
    GHashTable *pages = hart->blocks.code_pages;
    TcgCodePage *cp = g_hash_table_lookup(pages, &page);
    if (cp == NULL) {
        cp = g_new0(TcgCodePage, 1);
        cp->page = page;
        cp->blocks = g_ptr_array_new();
        /* Joining takes every hart's fast write entry for the page away
         * (ours too), so the next store sees it is code. */
        cp->shared = tcg_shared_code_join(page, &cp->suspect);
        cp->read_at = hart->translate_clock;
        hart->n_suspect_pages += cp->suspect;
        g_hash_table_insert(pages, &cp->page, cp);
    }
    cp->n_blocks++;
    cp->chunks |= chunk_mask(start, end);
    g_ptr_array_add(cp->blocks, tb);
}

static void code_page_drop(TcgHart *hart, guint64 page)
{
    GHashTable *pages = hart->blocks.code_pages;
    TcgCodePage *cp = g_hash_table_lookup(pages, &page);
    g_assert(cp != NULL && cp->n_blocks > 0);
    if (--cp->n_blocks == 0) {
        hart->n_suspect_pages -= cp->suspect;
        g_hash_table_remove(pages, &page);
    }
}

gboolean tcg_tb_store_hits_code(TcgHart *hart, guint64 addr, guint size)
{
    guint64 page = addr & TCG_PAGE_MASK;
    const TcgCodePage *cp = g_hash_table_lookup(hart->blocks.code_pages, &page);
    return cp != NULL && (cp->chunks & chunk_mask(addr, addr + size)) != 0;
}

TcgBlock *tcg_tb_alloc(TcgHart *hart)
{
    TcgBlockCache *c = &hart->blocks;
    gsize size = (sizeof(TcgBlock) + 15) & ~(gsize)15; /* keeps the chain slot bits clear */
    if (c->arena_chunk < c->arena->len && c->arena_used + size > TCG_ARENA_CHUNK) {
        c->arena_chunk++;
        c->arena_used = 0;
    }
    if (c->arena_chunk == c->arena->len) {
        g_ptr_array_add(c->arena, g_malloc(TCG_ARENA_CHUNK));
    }
    TcgBlock *tb = (TcgBlock *)((guint8 *)g_ptr_array_index(c->arena, c->arena_chunk) +
                                c->arena_used);
    c->arena_used += size;
    memset(tb, 0, sizeof *tb);
    tb->in_arena = TRUE;
    return tb;
}

void tcg_tb_insert(TcgHart *hart, TcgBlock *block)
{
    TcgBlockCache *c = &hart->blocks;
    TcgBlock **head = &c->buckets[tb_hash(block->pc, block->flags)];
    block->hash_next = *head;
    *head = block;
    c->jmp_cache[tcg_tb_jmp_cache_index(block->pc)] = block;
    c->n_blocks++;
    g_ptr_array_add(c->all, block);
    guint64 end = block->pc + block->size;
    if (block->page[1] == ~0ull) {
        code_page_add(hart, block, block->page[0], block->pc, end);
    } else {
        code_page_add(hart, block, block->page[0], block->pc, block->page[1]);
        code_page_add(hart, block, block->page[1], block->page[1], end);
    }
}

void tcg_tb_flush(TcgHart *hart)
{
    TcgBlockCache *c = &hart->blocks;
    memset(c->buckets, 0, sizeof c->buckets);
    memset(c->jmp_cache, 0, sizeof c->jmp_cache);
    g_hash_table_remove_all(c->code_pages);
    hart->n_suspect_pages = 0;
    g_ptr_array_set_size(c->all, 0);
    c->arena_chunk = 0;
    c->arena_used = 0;
    c->n_blocks = 0;
    c->flush_count++;
    if (hart->jit != NULL) {
        tcg_jit_reset(hart);
    }
    /* Code pages lost their slow write path with the set: give it back. */
    tcg_tlb_flush_all(hart);
}

/* Takes @tb out of the hash chain it is in. */
static void tb_unlink(TcgBlockCache *c, TcgBlock *tb)
{
    TcgBlock **link = &c->buckets[tb_hash(tb->pc, tb->flags)];
    while (*link != tb) {
        g_assert(*link != NULL);
        link = &(*link)->hash_next;
    }
    *link = tb->hash_next;
    c->n_blocks--;
    guint j = tcg_tb_jmp_cache_index(tb->pc);
    if (c->jmp_cache[j] == tb) {
        c->jmp_cache[j] = NULL;
    }
}

void tcg_tb_invalidate_page(TcgHart *hart, guint64 page)
{
    TcgBlockCache *c = &hart->blocks;
    page &= TCG_PAGE_MASK;
    TcgCodePage *cp = g_hash_table_lookup(c->code_pages, &page);
    if (cp == NULL) {
        return;
    }
    /* Dropping the last block frees cp: walk a list of our own. */
    g_autoptr(GPtrArray) blocks = g_steal_pointer(&cp->blocks);
    cp->blocks = g_ptr_array_new();
    for (guint i = 0; i < blocks->len; i++) {
        TcgBlock *tb = g_ptr_array_index(blocks, i);
        if (tb->invalid) {
            continue; /* went with its other page */
        }
        tb_unlink(c, tb);
        tb->invalid = TRUE;
        hart->stats.blocks_invalidated++;
        if (hart->jit != NULL) {
            tcg_jit_unchain(hart, tb);
        }
        code_page_drop(hart, tb->page[0]);
        if (tb->page[1] != ~0ull) {
            code_page_drop(hart, tb->page[1]);
        }
    }
}

void tcg_tb_fence_i(TcgHart *hart)
{
    /* Read first: a store after this is for the next fence.i. */
    guint64 now = tcg_shared_code_clock();
    if (now == hart->fence_clock && hart->n_suspect_pages == 0) {
        return; /* nobody stored into a code page since the last one */
    }
    g_autoptr(GArray) stale = g_array_new(FALSE, FALSE, sizeof(guint64));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, hart->blocks.code_pages);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const TcgCodePage *cp = value;
        if (cp->suspect || tcg_shared_code_stored_since(cp->shared, cp->read_at)) {
            g_array_append_val(stale, cp->page);
        }
    }
    for (guint i = 0; i < stale->len; i++) {
        tcg_tb_invalidate_page(hart, g_array_index(stale, guint64, i));
    }
    hart->fence_clock = now;
}
