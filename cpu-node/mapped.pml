/* SPDX-License-Identifier: MIT */
/* Which harts a page is flushed on (cpu-node/agent.c give_up, node.c
 * page_map): only those whose bit is in the frame's mapped_by. A hart sets
 * its bit before it looks at the page's state; the agent changes the state
 * before it takes the bits (exchange with 0). Both are seq_cst, so either
 * the agent sees the hart's bit and flushes it (its TLB fill then starts
 * over: tlb_generation moved) or the hart sees the new state and asks for
 * the page again. Checked: no hart uses a mapping made before a give-up
 * after the agent acknowledged that give-up (the page has left the node),
 * and nothing deadlocks. Each step of a process is one atomic (seq_cst)
 * action of the C code.
 *   spin -DHARTS=2 -DGIVE_UPS=2 -a mapped.pml && cc -DSAFETY -o pan pan.c && ./pan
 * -DBIT_AFTER_STATE sets the bit after looking at the state: a stale
 * mapping must then be found (tests/unit/test-node-spin.sh checks both). */
#ifndef HARTS
#define HARTS 2
#endif
#ifndef GIVE_UPS
#define GIVE_UPS 2
#endif
#define ACCESSES 3
#define NONE 0

bit valid = 1;            /* the frame's state allows the access */
byte epoch = 1;           /* bumped at every grant: mappings are of an epoch */
byte acked = 0;           /* the last epoch whose give-up was acknowledged */
byte mapped = 0;          /* mapped_by */
byte entry[HARTS];        /* a hart's TLB entry: the epoch it was made in, or NONE */
byte gen[HARTS];          /* tlb_generation */
bit safe[HARTS];          /* at a safe point (inside page_map), or between blocks */
byte finished = 0;            /* harts that finished */

proctype hart(byte h)
{
    byte g, e, n = 0;
    do
    :: n == ACCESSES -> break
    :: else ->
        safe[h] = 1;      /* between blocks: safe work may run here */
        safe[h] = 0;
        if
        :: entry[h] != NONE ->
            /* an access through the TLB: its page must still be here */
            assert(entry[h] > acked);
            n++
        :: else ->
            /* tlb_fill: remember the generation, map at a safe point */
            g = gen[h];
            safe[h] = 1;
            do
            :: (valid == 1) ->                       /* node_page_acquire found it */
#ifndef BIT_AFTER_STATE
                mapped = mapped | (1 << h);          /* fetch_or, seq_cst */
#endif
                if
                :: valid == 1 -> e = epoch;          /* the state, seq_cst */
#ifdef BIT_AFTER_STATE
                    mapped = mapped | (1 << h);      /* the wrong order: spin must object */
#endif
                    break
                :: else -> skip                      /* taken meanwhile: ask again */
                fi
            od;
            safe[h] = 0;                             /* leaves the safe point under its lock */
            if
            :: gen[h] == g -> entry[h] = e           /* not flushed meanwhile: keep it */
            :: else -> skip                          /* flushed: fill again */
            fi
        fi
    od;
    safe[h] = 1;          /* gone: at a safe point for good */
    finished++
}

/* The agent: gives the page up GIVE_UPS times, each time flushing the
 * harts whose bit it took and then acknowledging; the server grants the
 * page back after each (a new epoch). */
active proctype agent()
{
    byte k = 0, bits, i;
    do
    :: k == GIVE_UPS -> break
    :: else ->
        valid = 0;                                   /* the state, seq_cst */
        atomic { bits = mapped; mapped = 0 };        /* exchange, seq_cst */
        i = 0;
        do
        :: i == HARTS -> break
        :: else ->
            if
            :: bits & (1 << i) ->
                /* safe work: runs when the hart is at a safe point */
                atomic { safe[i] == 1 -> entry[i] = NONE; gen[i]++ }
            :: else -> skip
            fi;
            i++
        od;
        acked = epoch;                               /* PageAck: the page left */
        atomic { epoch++; valid = 1 };               /* granted again later */
        k++
    od
}

init
{
    byte h = 0;
    atomic {
        do
        :: h == HARTS -> break
        :: else -> run hart(h); h++
        od
    }
}
