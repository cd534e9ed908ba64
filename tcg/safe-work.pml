/* SPDX-License-Identifier: MIT */
/* The safe-work handshake between a node agent and its harts, as
 * tcg/cpu-exec.c implements it: tcg_harts_run_safe (for every hart: run now
 * if it is at a safe point, else queue and set its event word; then wait
 * until the last item ran, the TcgEvent), run_queued_work_locked, tcg_safe_point_enter/leave around the
 * node callbacks (page_map here), tcg_hart_wait_for_interrupt (WFI), the
 * block loop's event check, and the retry tlb_fill makes when a flush
 * landed while it waited (tlb_generation). A hart waiting in page_map
 * for an answer the agent relays (an MMIO reply) needs the agent; page
 * grants come on the hart's own connection, but the model keeps the
 * stricter dependency.
 *
 * With -DEXCLUSIVE, hart 0 also runs one exclusive section between two
 * blocks, as tcg_exclusive_run does when a page joins the shared code set
 * (shared-code.c): park items queued, harts at a safe point held there
 * (held), the section alone, then release.
 *
 * Checked (tests/unit/test-tcg-spin.sh):
 *   - no hart has a TLB entry in use while safe work runs on it
 *     (assert in run_work);
 *   - no hart installs a mapping granted before a flush that ran while it
 *     waited (ghost variables holding/stale, independent of the generation
 *     check they test);
 *   - no invalid end state: the agent's requests all complete and every
 *     hart finishes (no deadlock between a hart waiting for a page and the
 *     agent waiting for that hart's safe work);
 *   - with EXCLUSIVE: while the section runs no other hart is in a block.
 */
#ifndef HARTS
#define HARTS 2
#endif
#define BLOCKS 2     /* blocks each hart runs */
#ifndef REQUESTS
#define REQUESTS 2   /* safe work the agent asks of each hart */
#endif

bit lock[HARTS];         /* safe_lock */
bit at_safe[HARTS];      /* at_safe_point */
bit queued[HARTS];       /* one work item queued */
bit done[HARTS];         /* its completion */
bit event_work[HARTS];   /* TCG_EVENT_WORK */
bit in_block[HARTS];     /* executing a block: its TLB entries in use */
byte gen[HARTS];         /* tlb_generation, bumped by the flush (the work) */
bit irq[HARTS];          /* a pending interrupt ends WFI */
bit in_wfi[HARTS];       /* the hart sleeps in WFI */
bit holding[HARTS];      /* ghost: a granted mapping not yet installed */
bit held[HARTS];         /* an exclusive section keeps it at its safe point */
bit park_queued[HARTS];  /* the section's park item is on its queue */
bit parked[HARTS];       /* the section counts it stopped */
bit stale[HARTS];        /* ghost: a flush ran while it was held */

chan page_req = [HARTS] of { byte };      /* hart -> agent */
chan page_grant[HARTS] = [1] of { bit };  /* agent -> hart */

inline acquire(h) { atomic { lock[h] == 0 -> lock[h] = 1 } }
inline release(h) { lock[h] = 0 }

/* The work: a TLB flush of the hart, which must not be in a block. */
inline run_work(h) {
    assert(!in_block[h]);
    stale[h] = stale[h] || holding[h];
    gen[h]++
}

/* park_locked: counted parked, at a safe point until released (the lock
 * is dropped while it waits, as pthread_cond_wait does). */
inline park(h) {
    was_safe = at_safe[h];
    park_queued[h] = 0; held[h] = 1; at_safe[h] = 1; parked[h] = 1;
    release(h); held[h] == 0; acquire(h);
    at_safe[h] = was_safe
}

#ifdef EXCLUSIVE
inline run_queued(h) {
    if
    :: queued[h] -> run_work(h); queued[h] = 0; done[h] = 1
    :: else
    fi;
    if
    :: park_queued[h] -> park(h)
    :: else
    fi;
    if
    :: queued[h] -> run_work(h); queued[h] = 0; done[h] = 1
    :: else
    fi;
    event_work[h] = 0
}

/* leave_safe_point_locked: a held hart stays. */
inline leave_safe(h) {
    do
    :: held[h] -> release(h); held[h] == 0; acquire(h)
    :: else -> break
    od;
    at_safe[h] = 0
}
#else
/* Without exclusive sections nothing parks or holds a hart. */
inline run_queued(h) {
    if
    :: queued[h] -> run_work(h); queued[h] = 0; done[h] = 1; event_work[h] = 0
    :: else
    fi
}

inline leave_safe(h) {
    at_safe[h] = 0
}
#endif

/* tcg_exclusive_run from hart @me between blocks (one requester here, so
 * the process-wide exclusive_lock is left out). */
inline exclusive(me) {
    acquire(me); run_queued(me); at_safe[me] = 1; release(me);  /* safe_point_enter */
    acquire(me); leave_safe(me); run_queued(me); release(me);   /* safe_point_leave */
    for (j : 0 .. HARTS - 1) {
        if
        :: j != me ->
            acquire(j);
            if
            :: at_safe[j] -> held[j] = 1; parked[j] = 1
            :: else -> park_queued[j] = 1; event_work[j] = 1
            fi;
            release(j)
        :: else
        fi
    }
    for (j : 0 .. HARTS - 1) {
        (j == me || parked[j])                                  /* tcg_event_wait */
    }
    for (j : 0 .. HARTS - 1) {                                  /* the section */
        assert(j == me || !in_block[j])
    }
    for (j : 0 .. HARTS - 1) {
        if
        :: j != me -> acquire(j); held[j] = 0; parked[j] = 0; release(j)
        :: else
        fi
    }
}

proctype hart(byte h) {
    byte n = 0, seen, j;
    bit was_safe, excl_done = 0;
    do
    :: n < BLOCKS ->
        /* the block loop: the event word first */
        if
        :: event_work[h] -> acquire(h); run_queued(h); release(h)
        :: else
        fi;
#ifdef EXCLUSIVE
        if
        :: h == 0 && !excl_done -> exclusive(h); excl_done = 1
        :: else
        fi;
#endif
        in_block[h] = 1;
        if
        :: true                     /* a block that needs nothing */
        :: true ->                  /* a TLB miss: tlb_fill -> page_map */
retry:      seen = gen[h];
            in_block[h] = 0;        /* no entry in use while it waits */
            acquire(h); run_queued(h); at_safe[h] = 1; release(h);
            page_req!h; page_grant[h]?_;
            holding[h] = 1;
            acquire(h); leave_safe(h); run_queued(h); release(h);
            if
            :: seen != gen[h] ->            /* flushed meanwhile: ask again */
                holding[h] = 0; stale[h] = 0; goto retry
            :: else ->                      /* install and use it */
                assert(!stale[h]);
                holding[h] = 0; in_block[h] = 1
            fi
        :: true ->                  /* wfi: sleeps at a safe point */
            in_block[h] = 0;
            acquire(h); run_queued(h); at_safe[h] = 1; release(h);
            in_wfi[h] = 1;
            (irq[h] || queued[h]);
            in_wfi[h] = 0;
            acquire(h); run_queued(h); leave_safe(h); run_queued(h); release(h);
            irq[h] = 0;
            in_block[h] = 1
        fi;
        in_block[h] = 0;
        n++
    :: n >= BLOCKS -> break
    od;
    /* leaving tcg_hart_run: later work runs at once (thread == NULL) */
    acquire(h); at_safe[h] = 1; run_queued(h); release(h)
}

proctype agent() {
    byte h, k = 0, r;
    bit waits[HARTS];
end:
    do
    :: page_req?r -> page_grant[r]!1
    :: k < REQUESTS ->
        /* tcg_harts_run_safe(every hart, flush) */
        for (h : 0 .. HARTS - 1) {
            acquire(h);
            if
            :: at_safe[h] -> run_work(h); waits[h] = 0
            :: else -> queued[h] = 1; done[h] = 0; event_work[h] = 1; waits[h] = 1
            fi;
            release(h)
        }
        /* tcg_event_wait: the agent serves nothing else meanwhile */
        for (h : 0 .. HARTS - 1) {
            (!waits[h] || done[h])
        }
        k++
    :: k == REQUESTS ->
        for (h : 0 .. HARTS - 1) { irq[h] = 1 }   /* WFIs end */
        break
    od;
end_serve:
    do
    :: page_req?r -> page_grant[r]!1
    od
}

/* The CLINT timer: a hart in WFI is eventually interrupted (a guest WFI
 * with no interrupt source would sleep forever on hardware too). Enabled
 * only while the hart sleeps, so it cannot hide a real deadlock. */
proctype timer(byte h) {
end:
    do
    :: in_wfi[h] -> irq[h] = 1
    od
}

init {
    byte i;
    atomic {
        for (i : 0 .. HARTS - 1) { run hart(i); run timer(i) }
        run agent()
    }
}
