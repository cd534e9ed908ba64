/* SPDX-License-Identifier: MIT */
/* The hart's translation block cache: a hash by (pc, flags) that owns the
 * blocks, and a direct-mapped jump cache by pc in front of it. Private to
 * the hart thread (or to safe work), so no locks. */
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

void tcg_tb_insert(TcgHart *hart, TcgBlock *block)
{
    TcgBlockCache *c = &hart->blocks;
    TcgBlock **head = &c->buckets[tb_hash(block->pc, block->flags)];
    block->hash_next = *head;
    *head = block;
    c->jmp_cache[jmp_cache_index(block->pc)] = block;
    c->n_blocks++;
}

void tcg_tb_flush(TcgHart *hart)
{
    TcgBlockCache *c = &hart->blocks;
    for (guint i = 0; i < G_N_ELEMENTS(c->buckets); i++) {
        TcgBlock *tb = c->buckets[i];
        while (tb != NULL) {
            TcgBlock *next = tb->hash_next;
            tcg_block_free(tb);
            tb = next;
        }
        c->buckets[i] = NULL;
    }
    memset(c->jmp_cache, 0, sizeof c->jmp_cache);
    c->n_blocks = 0;
}

void tcg_tb_invalidate_page(TcgHart *hart, guint64 page)
{
    TcgBlockCache *c = &hart->blocks;
    page &= TCG_PAGE_MASK;
    for (guint i = 0; i < G_N_ELEMENTS(c->buckets); i++) {
        TcgBlock **link = &c->buckets[i];
        while (*link != NULL) {
            TcgBlock *tb = *link;
            if (tb->page[0] == page || tb->page[1] == page) {
                *link = tb->hash_next;
                c->n_blocks--;
                tcg_block_free(tb);
            } else {
                link = &tb->hash_next;
            }
        }
    }
    memset(c->jmp_cache, 0, sizeof c->jmp_cache);
}
