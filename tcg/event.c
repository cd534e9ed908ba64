/* SPDX-License-Identifier: MIT */
/* TcgEvent: a one-shot wake-up with a userspace fast path (the scheme of
 * QEMU's QemuEvent): set and reset are plain atomics, and only a waiter that
 * must really sleep, and the set that wakes it, enter the kernel (futex). */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcg/event.h"

/* value: SET (0) signalled; FREE (1) not signalled, nobody asleep;
 * BUSY (-1) not signalled and someone may sleep in futex_wait. */
enum { EV_SET = 0, EV_FREE = 1, EV_BUSY = -1 };

static void futex_wake_all(gint *addr)
{
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, G_MAXINT, NULL, NULL, 0);
}

static void futex_wait(gint *addr, gint expected)
{
    /* Returns at once if *addr != expected; EINTR and spurious wake-ups are
     * handled by the caller's loop. */
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

void tcg_event_init(TcgEvent *ev)
{
    __atomic_store_n(&ev->value, EV_FREE, __ATOMIC_RELAXED);
}

void tcg_event_set(TcgEvent *ev)
{
    /* seq_cst: what the setter wrote before is seen by the woken waiter. */
    if (__atomic_load_n(&ev->value, __ATOMIC_SEQ_CST) != EV_SET &&
        __atomic_exchange_n(&ev->value, EV_SET, __ATOMIC_SEQ_CST) == EV_BUSY)
        futex_wake_all(&ev->value);
}

void tcg_event_reset(TcgEvent *ev)
{
    gint expected = EV_SET;
    __atomic_compare_exchange_n(&ev->value, &expected, EV_FREE, FALSE, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
}

/* How long a waiter looks before it sleeps. The answers a hart or the
 * agent waits for (a grant, another hart's safe work) often come within
 * tens of microseconds; a thread that slept must be woken, and on a host
 * whose idle cores halt (a virtual machine) waking a core costs more than
 * that. Short, so a waiter never keeps a core long from the threads that
 * owe it the answer. */
#define SPIN_NS 20000

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static gboolean spin_until_set(TcgEvent *ev)
{
    gint64 deadline = g_get_monotonic_time() * 1000 + SPIN_NS;
    for (guint i = 0;; i++) {
        /* seq_cst, as below: what the setter wrote before is seen */
        if (__atomic_load_n(&ev->value, __ATOMIC_SEQ_CST) == EV_SET)
            return TRUE;
        if ((i & 63) == 63 && g_get_monotonic_time() * 1000 >= deadline)
            return FALSE;
        relax();
    }
}

void tcg_event_wait(TcgEvent *ev)
{
    if (spin_until_set(ev)) {
        return;
    }
    for (;;) {
        gint v = __atomic_load_n(&ev->value, __ATOMIC_SEQ_CST);
        if (v == EV_SET)
            return;
        if (v == EV_FREE) {
            gint expected = EV_FREE;
            if (!__atomic_compare_exchange_n(&ev->value, &expected, EV_BUSY, FALSE,
                                             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                continue; /* it changed under us: look again */
        }
        futex_wait(&ev->value, EV_BUSY);
    }
}
