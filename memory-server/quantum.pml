/* SPDX-License-Identifier: MIT */
/* Promela model of deterministic time's quantum barrier ([sysc] time-mode =
 * deterministic): 2 nodes of HARTS harts (cpu-node/quantum.c, tcg/cpu-exec.c
 * end_quantum), each node's agent (cpu-node/agent.c), the server
 * (memory-server/quantum.c, server.c, bridge.c's ordering behind DMA writes)
 * and the bridge (sysc-bridge/bridge.cc, Bridge::pacer), for QUANTA
 * quanta. Run by tests/unit/test-msrv-quantum-spin.sh. spin checks:
 *   - determinism: every IrqLine a quantum's events cause (an IPI a hart
 *     sent in quantum k, a line the bridge raised while serving an access
 *     of quantum k or while running quantum k) was applied by the target
 *     node's agent before any hart of that node starts quantum k+1 (assert
 *     where a hart leaves the barrier);
 *   - a DMA write of the bridge reaches a node (the Recall its agent
 *     answers) only while every hart of that node is parked in the barrier,
 *     and a line the bridge raised after a DMA write reaches a node only
 *     once that write landed (bridge.c's Ordered queue);
 *   - no invalid end state: every process finishes every quantum (no
 *     deadlock between harts waiting for an MMIO answer or a QuantumGo, the
 *     server holding messages behind a write, and the agent's Recall);
 *   - with -DFOREVER (quanta counted modulo 2, no end): every quantum
 *     eventually ends (progress label where a hart leaves the barrier,
 *     pan -l; checked without fairness, which is stronger: no cycle at all
 *     avoids it, fair or not).
 *
 * Channels are the real connections, each FIFO, none ordered with another:
 * a hart's own request connection to the server (hreq: its MMIO requests,
 * IPIs and QuantumDone, in program order), the server to a node's main
 * connection (down: IrqLine, MmioResponse, Recall, QuantumGo), a node's
 * main connection to the server (up: page acks), the server <-> bridge
 * connection (tobr, frombr). The server, an agent and the bridge each
 * handle one message at a time (atomic: a handler only sends, into
 * channels large enough never to block, as ZeroMQ's high-water marks are).
 *
 * Modelling choices: a hart does at most one thing per quantum besides
 * running out its budget: an MMIO access to the bridge (blocks until the
 * agent hands it the answer), an IPI to a hart of the other node, or WFI
 * (ends the quantum as idle; the hart stays idle, quantum after quantum,
 * until an interrupt was applied for it). Only a node's first hart makes
 * accesses and IPIs; the second (HARTS=2) runs, idles and takes interrupts,
 * which keeps 4 harts within reach of an exhaustive search. The page a DMA write needs is
 * held by a node chosen by the bridge (or by none: then it lands at once);
 * the directory is the Recall/ack pair (directory.pml checks the rest).
 * Idle skipping (skip_idle) only makes one QuantumAdvance run longer: the
 * same messages, not modelled apart.
 *
 * The model can fail. Each switch removes one ordering the C code relies on
 * and spin finds the violation (the test script checks that too):
 *   -DBUG_IPI_CHANNEL  a hart's IPI goes out on a connection other than its
 *                      QuantumDone (say, through the agent): the server may
 *                      take Done first and send QuantumGo before the
 *                      IrqLine, so the target starts k+1 without it
 *                      (determinism assert);
 *   -DBUG_GO_EARLY     the server acts on QuantumReached without waiting for
 *                      the bridge's posted writes (msrv_bridge_after_writes):
 *                      the harts run while the write's Recall reaches their
 *                      node (parked assert), and a line held behind the
 *                      write reaches the node after QuantumGo;
 *   -DBUG_LINE_EARLY   the server applies a DeviceLine at once, ahead of a
 *                      DMA write the bridge posted before it: the guest can
 *                      take the interrupt before the data is there. */

#ifndef HARTS
#define HARTS 2                  /* harts per node */
#endif
#ifndef QUANTA
#define QUANTA 2                 /* quanta the harts run (ignored with FOREVER) */
#endif
#define NODES 2
#define NH (NODES * HARTS)
#define NODE_OF(h) ((h) / HARTS)
#ifdef FOREVER
#define QSLOTS 2
#define NEXTQ(k) (((k) + 1) % 2)
#else
#define QSLOTS (QUANTA + 1)
#define NEXTQ(k) ((k) + 1)
#endif
#define SLOT(n, k) ((n) * QSLOTS + (k))
#define NOBODY 255

mtype = { DONE, IPI, MMIO, MMIO_RESP, IRQ, GO, RECALL, ACK, ADVANCE, REACHED, LINE, DMA };

/* kind, a (hart, node or quantum), b (quantum tag), c (line after a write) */
chan hreq[NH] = [2] of { mtype, byte, byte, bit };   /* hart -> server, own connection */
#ifdef BUG_IPI_CHANNEL
chan hipi[NH] = [2] of { mtype, byte, byte, bit };   /* the broken variant's second way */
#endif
chan up[NODES] = [2] of { mtype, byte, byte, bit };  /* agent -> server, node main */
chan down[NODES] = [6] of { mtype, byte, byte, bit };/* server -> agent, node main */
chan tobr = [NH + 1] of { mtype, byte, byte, bit };  /* server -> bridge */
chan frombr = [6] of { mtype, byte, byte, bit };     /* bridge -> server */
chan answer[NH] = [1] of { bit };                    /* agent wakes a hart: its MMIO answer */

byte node_q[NODES];        /* NodeQuantum.index: the quantum the server last started */
bit pending[NH];           /* an interrupt applied for the hart, not yet taken */
bit parked[NH];            /* in end_quantum, waiting for QuantumGo */
bit idle[NH];              /* in WFI with nothing pending */
byte caused[NODES * QSLOTS];  /* ghost: IrqLines quantum k's events sent towards node n */
byte applied[NODES * QSLOTS]; /* ghost: those the node's agent applied */
bit write_out;             /* ghost: a DMA write of the bridge has not landed */

/* ---- harts (tcg/cpu-exec.c, cpu-node/quantum.c) ---- */

/* Sends an IrqLine towards hart `to`, caused in the current quantum, on the
 * hart's own connection (clint.c: msip of another node's hart, node_submit). */
inline send_ipi(to) {
    atomic {
        caused[SLOT(NODE_OF(to), k)]++;
#ifdef BUG_IPI_CHANNEL
        hipi[h]!IPI, to, k, 0
#else
        hreq[h]!IPI, to, k, 0
#endif
    }
}

proctype hart(byte h) {
    byte k = 0, t, runs = 0;
    byte n = NODE_OF(h);
    do
    :: 
#ifndef FOREVER
        runs < QUANTA ->
#else
        true ->
#endif
        /* wait_for_interrupt_budgeted: an idle hart stays idle until an
         * interrupt is pending at a quantum's start. */
        if
        :: atomic { idle[h] && pending[h] -> idle[h] = 0; pending[h] = 0 }
        :: atomic { !idle[h] -> pending[h] = 0 }   /* taken at the first block */
        :: atomic { idle[h] && !pending[h] -> skip }
        fi;
        if
        :: idle[h]
        :: !idle[h] ->
            if
            :: true                               /* runs out its budget */
            :: h % HARTS == 0 ->                  /* an access to a bridge range */
                hreq[h]!MMIO, h, k, 0;
                answer[h]?_
            :: h % HARTS == 0 ->                  /* msip of a hart of the other node */
                select(t : 0 .. HARTS - 1);
                send_ipi((1 - n) * HARTS + t)
            :: atomic { !pending[h] -> idle[h] = 1 }   /* WFI, nothing pending */
            :: atomic { pending[h] -> pending[h] = 0 } /* WFI woken at once */
            fi
        fi;
        /* end_quantum: a safe point until QuantumGo */
        atomic { parked[h] = 1; hreq[h]!DONE, h, k, idle[h] }
        node_q[n] != k;
progress_go:
        atomic {
            parked[h] = 0;
            /* Determinism: everything quantum k sent this node is applied. */
            assert(applied[SLOT(n, k)] == caused[SLOT(n, k)]);
            assert(node_q[n] == NEXTQ(k));
            k = node_q[n];
#ifndef FOREVER
            runs++
#endif
        }
#ifndef FOREVER
    :: else -> break
#endif
    od
}

/* ---- agents (cpu-node/agent.c) ---- */

proctype agent(byte n) {
    mtype kind; byte a, b, j; bit c;
end:
    do
    :: down[n]?kind, a, b, c ->
        atomic {
            if
            :: kind == IRQ ->              /* node_clint_irq */
                assert(!c || !write_out);  /* a line after a write: the write landed */
                applied[SLOT(n, b)]++;
                pending[a] = 1
            :: kind == MMIO_RESP ->        /* on_mmio_response: wake the hart */
                answer[a]!1
            :: kind == GO ->               /* node_quantum_go */
                node_q[n] = a
            :: kind == RECALL ->
                /* Acked at once: every hart is parked at its safe point. */
                for (j : n * HARTS .. n * HARTS + HARTS - 1) {
                    assert(parked[j])
                }
                up[n]!ACK, n, 0, 0
            fi
        }
    od
}

/* ---- the bridge (sysc-bridge/bridge.cc, link.c) ---- */

/* A model raises a line that the PLIC routes to a hart of node `to`, in
 * quantum k; after_write: after a DMA write it posted. */
inline raise_line(after_write) {
    select(t : 0 .. NODES - 1);
    caused[SLOT(t, k)]++;
    frombr!LINE, t * HARTS, k, after_write
}

/* A posted DMA write into a page that node o holds (a page no node holds
 * is copied at once: nothing to order). */
inline dma_write() {
    select(o : 0 .. NODES - 1);
    write_out = 1;
    frombr!DMA, o, 0, 0
}

proctype bridge() {
    mtype kind; byte a, k, t, o; bit c;
end:
    do
    :: tobr?kind, a, k, c ->
        atomic {
            if
            :: kind == MMIO ->             /* serve_mmio: maybe a line, then the answer */
                if
                :: true
                :: raise_line(0)
                fi;
                frombr!MMIO_RESP, a, 0, 0
            :: kind == ADVANCE ->          /* run_to: model events, then Reached */
                k = a;
                if
                :: true
                :: raise_line(0)
                :: dma_write()
                :: dma_write(); raise_line(1)
                fi;
                frombr!REACHED, k, 0, 0
            fi
        }
    od
}

/* ---- the server (memory-server/server.c, quantum.c, bridge.c) ---- */

byte q = 0;                /* MsrvQuantum.index */
byte n_done = 0;
bit done[NH];
byte writes = 0;           /* the bridge's DMA writes waiting for a node's ack */
chan ordered = [4] of { mtype, byte, byte, bit };   /* held behind those writes */

inline send_irq(to, tag, after_write) { down[NODE_OF(to)]!IRQ, to, tag, after_write }

inline start_next() {      /* start_next: QuantumGo to every node */
    q = NEXTQ(q);
    n_done = 0;
    for (j : 0 .. NODES - 1) {
        /* ghost: the slot's last use (quantum q - 2) was checked at q - 1 */
        caused[SLOT(j, q)] = 0; applied[SLOT(j, q)] = 0
    }
    for (j : 0 .. NH - 1) { done[j] = 0 }
    for (j : 0 .. NODES - 1) { down[j]!GO, q, 0, 0 }
}

#define MUST_WAIT (writes > 0 || len(ordered) > 0)

/* One message of a hart's own connection. */
inline from_hart() {
    if
    :: kind == DONE ->             /* msrv_quantum_done */
        assert(b == q && !done[a]);
        done[a] = 1;
        n_done++;
        if
        :: n_done == NH -> tobr!ADVANCE, q, 0, 0
        :: else
        fi
    :: kind == IPI -> send_irq(a, b, 0)          /* route_irq */
    :: kind == MMIO -> tobr!MMIO, a, b, 0        /* msrv_bridge_mmio: forward */
    fi
}

/* A page ack on a node's main connection: the write landed (dma_op_done),
 * and what waited for it goes out (release_ordered). */
inline from_node() {
    assert(writes > 0);
    writes--;
    write_out = 0;
    do
    :: writes == 0 && len(ordered) > 0 ->
        ordered?kind, a, b, c;
        if
        :: kind == MMIO_RESP -> down[NODE_OF(a)]!MMIO_RESP, a, 0, 0
        :: kind == LINE -> send_irq(a, b, c)
        :: kind == REACHED -> start_next()
        fi
    :: else -> break
    od
}

/* The server's ROUTER takes the connections in any order (fair queueing). */
#define FROM_HART(ch, x) :: atomic { ch[x]?kind, a, b, c -> from_hart() }
#define FROM_NODE(x) :: atomic { up[x]?kind, a, b, c -> from_node() }

active proctype server() {
    mtype kind; byte a, b, j; bit c;
end:
    do
    FROM_HART(hreq, 0)
    FROM_HART(hreq, 1)
#if NH > 2
    FROM_HART(hreq, 2)
    FROM_HART(hreq, 3)
#endif
#ifdef BUG_IPI_CHANNEL
    FROM_HART(hipi, 0)
    FROM_HART(hipi, 1)
#if NH > 2
    FROM_HART(hipi, 2)
    FROM_HART(hipi, 3)
#endif
#endif
    :: atomic {
        frombr?kind, a, b, c ->
        if
        :: kind == MMIO_RESP ->    /* msrv_bridge_mmio_response */
            if
            :: MUST_WAIT -> ordered!kind, a, b, c
            :: else -> down[NODE_OF(a)]!MMIO_RESP, a, 0, 0
            fi
        :: kind == LINE ->         /* msrv_bridge_line -> PLIC -> route_irq */
#ifdef BUG_LINE_EARLY
            send_irq(a, b, c)
#else
            if
            :: MUST_WAIT -> ordered!kind, a, b, c
            :: else -> send_irq(a, b, c)
            fi
#endif
        :: kind == DMA ->          /* msrv_bridge_dma: a write, the directory's Recall */
            writes++;
            down[a]!RECALL, 0, 0, 0
        :: kind == REACHED ->      /* on_quantum_reached, msrv_bridge_after_writes */
            assert(a == q && n_done == NH);
#ifdef BUG_GO_EARLY
            start_next()
#else
            if
            :: MUST_WAIT -> ordered!kind, a, b, c
            :: else -> start_next()
            fi
#endif
        fi
       }
    FROM_NODE(0)
    FROM_NODE(1)
    od
}

init {
    byte i;
    atomic {
        for (i : 0 .. NODES - 1) { run agent(i) }
        for (i : 0 .. NH - 1) { run hart(i) }
        run bridge()
    }
}
