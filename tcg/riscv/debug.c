/* SPDX-License-Identifier: MIT */
/* A stopped hart's registers and memory as gdb numbers and sees them: the
 * debugger's jobs (tcg.h) call these on the hart's own thread, so memory
 * goes through its MMU and its node, as the hart's own loads and stores
 * would, minus the traps. */
#include <string.h>

#include "tcg/internal.h"

gboolean tcg_debug_read_reg(TcgHart *hart, guint regno, guint64 *value)
{
    const TcgCpuState *env = &hart->env;
    if (regno < 32) {
        *value = env->x[regno];
    } else if (regno == TCG_DEBUG_REG_PC) {
        *value = env->pc;
    } else if (regno < TCG_DEBUG_REG_F0 + 32) {
        *value = env->f[regno - TCG_DEBUG_REG_F0];
    } else if (regno == TCG_DEBUG_REG_PRIV) {
        *value = env->priv;
    } else if (regno >= TCG_DEBUG_REG_CSR0) {
        return tcg_csr_debug_read(hart, regno - TCG_DEBUG_REG_CSR0, value);
    } else {
        return FALSE;
    }
    return TRUE;
}

gboolean tcg_debug_write_reg(TcgHart *hart, guint regno, guint64 value)
{
    TcgCpuState *env = &hart->env;
    if (regno < 32) {
        if (regno != 0) {
            env->x[regno] = value;
        }
    } else if (regno == TCG_DEBUG_REG_PC) {
        env->pc = value & ~1ull; /* C: 2-byte aligned */
    } else if (regno < TCG_DEBUG_REG_F0 + 32) {
        env->f[regno - TCG_DEBUG_REG_F0] = value;
    } else if (regno == TCG_DEBUG_REG_PRIV) {
        if (value != RV_PRIV_U && value != RV_PRIV_S && value != RV_PRIV_M) {
            return FALSE;
        }
        env->priv = (guint8)value;
    } else if (regno >= TCG_DEBUG_REG_CSR0) {
        return tcg_csr_debug_write(hart, regno - TCG_DEBUG_REG_CSR0, value);
    } else {
        return FALSE;
    }
    return TRUE;
}

/* One page's part of an access: @len bytes at virtual @addr, not crossing
 * a page. */
static gboolean access_page(TcgHart *hart, guint64 addr, guint8 *buf, gsize len, gboolean write)
{
    guint64 paddr;
    if (!tcg_mmu_debug_translate(hart, addr, &paddr)) {
        return FALSE;
    }
    TcgPageMap map = { 0 };
    tcg_safe_point_enter(hart);
    gboolean ok = hart->ops->page_map(hart->opaque, hart->config.hart_id, paddr,
                                      write ? TCG_ACCESS_WRITE : TCG_ACCESS_READ, &map);
    tcg_safe_point_leave(hart);
    if (!ok || map.host == NULL) {
        return FALSE; /* nothing there, or a device: a read could change it */
    }
    guint8 *host = map.host + (paddr & ~TCG_PAGE_MASK);
    if (write) {
        memcpy(host, buf, len);
        tcg_tb_invalidate_page(hart, paddr);
    } else {
        memcpy(buf, host, len);
    }
    return TRUE;
}

gboolean tcg_debug_access_mem(TcgHart *hart, guint64 addr, guint8 *buf, gsize len,
                              gboolean write)
{
    while (len > 0) {
        gsize chunk = MIN(len, TCG_PAGE_SIZE - (addr & ~TCG_PAGE_MASK));
        if (!access_page(hart, addr, buf, chunk, write)) {
            return FALSE;
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return TRUE;
}
