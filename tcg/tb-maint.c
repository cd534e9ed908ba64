/* SPDX-License-Identifier: MIT */
/* The hart's translation block cache: a hash by (pc, flags), a
 * direct-mapped jump cache by pc in front of it (generated code probes it
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

static guint jmp_cache_index(guint64 pc)
{
    return (guint)((pc >> 1) & ((1u << TCG_JMP_CACHE_BITS) - 1));
}

void tcg_tb_cache_init(TcgHart *hart)
{
    hart->blocks.all = g_ptr_array_new_with_free_func((GDestroyNotify)tcg_block_free);
    hart->blocks.code_pages = g_hash_table_new(g_int64_hash, g_int64_equal);
}

void tcg_tb_cache_destroy(TcgHart *hart)
{
    tcg_tb_flush(hart);
    g_ptr_array_unref(hart->blocks.all);
    g_hash_table_destroy(hart->blocks.code_pages);
}

TcgBlock *tcg_tb_lookup(TcgHart *hart, guint64 pc, guint32 flags)
{
    TcgBlockCache *c = &hart->blocks;
    TcgBlock *tb = c->jmp_cache[jmp_cache_index(pc)];
    if (tb != NULL && tb->pc == pc && tb->flags == flags) {
        return tb;
    }
    for (tb = c->buckets[tb_hash(pc, flags)]; tb != NULL; tb = tb->hash_next) {
        if (tb->pc == pc && tb->flags == flags) {
            c->jmp_cache[jmp_cache_index(pc)] = tb;
            return tb;
        }
    }
    return NULL;
}

/* The page keys point into the blocks (page[0]/page[1]), which outlive
 * their entry: blocks are freed only by a full flush, which empties the set. */
static void code_page_ref(TcgHart *hart, guint64 *page)
{
    GHashTable *pages = hart->blocks.code_pages;
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(pages, page));
    if (n == 0) {
        /* The TLB may hold a fast write entry for it: take that away so the
         * next store sees the page is code. */
        tcg_tlb_flush_page(hart, *page);
    }
    g_hash_table_replace(pages, page, GUINT_TO_POINTER(n + 1));
}

static void code_page_unref(TcgHart *hart, guint64 *page)
{
    GHashTable *pages = hart->blocks.code_pages;
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(pages, page));
    g_assert(n > 0);
    if (n == 1) {
        g_hash_table_remove(pages, page);
    } else {
        g_hash_table_insert(pages, page, GUINT_TO_POINTER(n - 1));
    }
}

gboolean tcg_tb_is_code_page(TcgHart *hart, guint64 page)
{
    page &= TCG_PAGE_MASK;
    return g_hash_table_contains(hart->blocks.code_pages, &page);
}

void tcg_tb_insert(TcgHart *hart, TcgBlock *block)
{
    TcgBlockCache *c = &hart->blocks;
    TcgBlock **head = &c->buckets[tb_hash(block->pc, block->flags)];
    block->hash_next = *head;
    *head = block;
    c->jmp_cache[jmp_cache_index(block->pc)] = block;
    c->n_blocks++;
    g_ptr_array_add(c->all, block);
    code_page_ref(hart, &block->page[0]);
    if (block->page[1] != ~0ull) {
        code_page_ref(hart, &block->page[1]);
    }
}

void tcg_tb_flush(TcgHart *hart)
{
    TcgBlockCache *c = &hart->blocks;
    memset(c->buckets, 0, sizeof c->buckets);
    memset(c->jmp_cache, 0, sizeof c->jmp_cache);
    g_hash_table_remove_all(c->code_pages);
    g_ptr_array_set_size(c->all, 0);
    c->n_blocks = 0;
    c->flush_count++;
    if (hart->jit != NULL) {
        tcg_jit_reset(hart);
    }
    /* Code pages lost their slow write path with the set: give it back. */
    tcg_tlb_flush_all(hart);
}

void tcg_tb_invalidate_page(TcgHart *hart, guint64 page)
{
    TcgBlockCache *c = &hart->blocks;
    page &= TCG_PAGE_MASK;
    if (!tcg_tb_is_code_page(hart, page)) {
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(c->buckets); i++) {
        TcgBlock **link = &c->buckets[i];
        while (*link != NULL) {
            TcgBlock *tb = *link;
            if (tb->page[0] == page || tb->page[1] == page) {
                *link = tb->hash_next;
                c->n_blocks--;
                tb->invalid = TRUE;
                if (hart->jit != NULL) {
                    tcg_jit_unchain(hart, tb);
                }
                code_page_unref(hart, &tb->page[0]);
                if (tb->page[1] != ~0ull) {
                    code_page_unref(hart, &tb->page[1]);
                }
            } else {
                link = &tb->hash_next;
            }
        }
    }
    memset(c->jmp_cache, 0, sizeof c->jmp_cache);
}
