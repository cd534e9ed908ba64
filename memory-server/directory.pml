/* SPDX-License-Identifier: MIT */
/* Promela model of the page coherence protocol for one page: the directory
 * (directory.c, the table of protocol.def), N node agents (cpu-node/agent.c)
 * and one hart per node doing OPS reads or writes. spin checks that
 *   - a write happens only while no other node holds the page (SWMR),
 *   - every read sees the value of the last write anywhere (data value),
 *   - nobody waits forever (no invalid end state: no deadlock),
 *   - every request is eventually granted under weak fairness (no cycle
 *     without a grant: progress labels, pan -l -f),
 * over every interleaving. Run by tests/unit/test-msrv-spin.sh. What is not
 * promised: that a hart uses a granted page before another node takes it
 * back; it asks again (in shoal the LR lease covers LR/SC, and a hart's wake
 * is microseconds against a round trip for the taker).
 *
 * Modelling choices: a hart's access is atomic (in shoal the agent's safe
 * work waits for the hart's block boundary, or runs at once when the hart
 * is blocked in a callback, so the agent never waits on a hart that is
 * itself waiting); what the
 * server sends a node's agent travels in FIFO order (its main connection),
 * and the grant answering a hart's request comes on the hart's own
 * connection (reply_here), which the hart installs itself: an Invalidate or
 * Recall can overtake the grant it follows, so it carries the count of
 * grants the server sent the node by then and the agent answers only once
 * the node installed as many (agent.c, grants_installed; drop that wait and
 * spin finds a node acking a page it is about to install, then writing a
 * stale copy);
 * the agents' acks and the harts' requests reach the server on two inboxes
 * (the nodes' main connections, the harts' request connections: see
 * proto/shoal.proto), each FIFO, read in any interleaving, as the ROUTER's
 * fair queueing allows, so a node's request may overtake its own earlier
 * ack. The server may also grant an untouched page Modified to any node
 * unasked (msrv_dir_prefetch: the prefetch of neighbours of a requested
 * page, which is some other page, not modelled). Whether a page is
 * migratory (directory.h) is a guess from its history; the model lets the
 * server answer any read of a page another node holds Modified either way,
 * a downgrade and a Shared grant or a recall and a Modified grant.
 * Forwarding (FORWARD): a hart without the page may instead ask for its
 * read or AMO (a write) to be made where the page is; the server sends a
 * Modified owner ACCESS_AT (held back by the same grant count), the owner's
 * agent makes it on its copy, under the same single-writer and data-value
 * assertions as a hart's access, and the value goes back to the hart
 * without a page; on any other entry the request is served by the table. */

#ifndef N
#define N 3      /* nodes */
#endif
#ifndef OPS
#define OPS 2    /* accesses per hart */
#endif

#define I 0
#define S 1
#define M 2
#define BIT(n) (1 << (n))

mtype = { GETS, GETM, UPGRADE, GRANT_S, GRANT_M, PREFETCH_M, INV, RECALL_DOWN, RECALL_INV, ACK,
          FWD_READ, FWD_AMO, ACCESS_AT, RESULT };

#ifndef FORWARD
#define FORWARD 1 /* harts may send their accesses to be made at the owner */
#endif
#ifndef WAIT_INSTALLS
#define WAIT_INSTALLS 1 /* 0: the broken variant without the agent's wait */
#endif
mtype = { NONE, ACT_INVALIDATE, ACT_RECALL_DOWNGRADE, ACT_RECALL_INVALIDATE, ACT_FORWARD };

/* kind, node, data, has data */
chan to_srv = [N] of { mtype, byte, byte, bit };       /* agents' acks */
chan to_srv_req = [N] of { mtype, byte, byte, bit };   /* harts' requests */
chan to_node[N] = [2] of { mtype, byte, byte };  /* kind, data, grants sent */
chan to_hart[N] = [1] of { mtype, byte };         /* the grant of its request */

byte latest = 0;                /* value of the last write, anywhere */
byte node_state[N];             /* the node's frame: I, S or M */
byte node_data[N];              /* the node's copy */
byte ram = 0;                   /* the server's copy */
/* Grant counts wrap, as in shoal (a guint32 there, modulo CNT here, which
 * keeps the state space small): when the agent looks at the count, at most
 * the one grant of its hart's request can be missing (a prefetch comes
 * ahead of the Recall on the agent's own FIFO), fewer than CNT / 2. A count
 * that ran ahead would look behind and end in a deadlock spin reports. */
#define CNT 2
#define COUNT(x) x = (x + 1) % CNT
byte sent[N];                   /* server: grants sent to each node */
byte installed[N];              /* node: grants it installed */

/* the directory entry */
byte dstate = I;
byte owner = 0;
byte sharers = 0;               /* bit per node */
bit busy = 0;
byte pending = 0;               /* nodes whose ack is due */
byte cur = 0;                   /* requester of the busy transaction */
mtype act = NONE;
chan queue = [N] of { mtype, byte };

/* One request from node n on an idle entry: the protocol table, and a
 * forwarded access (a GetS/GetM that carries it) made at a Modified owner. */
inline start(k, n) {
    if
    :: (k == FWD_READ || k == FWD_AMO) && dstate == M && owner != n ->   /* FORWARD */
        busy = 1; cur = n; act = ACT_FORWARD; pending = BIT(owner);
        to_node[owner]!ACCESS_AT, (k == FWD_AMO -> 1 : 0), sent[owner]
    :: (k == FWD_READ || k == FWD_AMO) && !(dstate == M && owner != n) ->
        k = (k == FWD_READ -> GETS : GETM)                 /* served by the table */
    :: k != FWD_READ && k != FWD_AMO
    fi;
    if
    :: act == ACT_FORWARD
    :: act != ACT_FORWARD && k == GETS && dstate == M && owner != n ->  /* MODIFIED_OTHER */
        busy = 1; cur = n; act = ACT_RECALL_DOWNGRADE; pending = BIT(owner);
        to_node[owner]!RECALL_DOWN, 0, sent[owner]
    :: act != ACT_FORWARD && k == GETS && dstate == M && owner != n ->  /* the same, migratory */
        busy = 1; cur = n; act = ACT_RECALL_INVALIDATE; pending = BIT(owner);
        to_node[owner]!RECALL_INV, 0, sent[owner]
    :: act != ACT_FORWARD && k == GETS && dstate == M && owner == n ->  /* MODIFIED_SELF */
        COUNT(sent[n]); to_hart[n]!GRANT_M, ram
    :: act != ACT_FORWARD && k == GETS && dstate != M ->  /* UNCACHED, SHARED_* */
        dstate = S; sharers = sharers | BIT(n); COUNT(sent[n]); to_hart[n]!GRANT_S, ram
    :: act != ACT_FORWARD && k != GETS && dstate == M && owner != n ->
        busy = 1; cur = n; act = ACT_RECALL_INVALIDATE; pending = BIT(owner);
        to_node[owner]!RECALL_INV, 0, sent[owner]
    :: act != ACT_FORWARD && k != GETS && dstate == S && (sharers & ~BIT(n)) != 0 -> /* SHARED_OTHERS */
        busy = 1; cur = n; act = ACT_INVALIDATE; pending = sharers & ~BIT(n);
        j = 0;
        do
        :: j < N -> if :: pending & BIT(j) -> to_node[j]!INV, 0, sent[j] :: else fi; j++
        :: else -> break
        od
    :: act != ACT_FORWARD && k != GETS && !(dstate == M && owner != n) &&
       !(dstate == S && (sharers & ~BIT(n)) != 0) ->
        dstate = M; owner = n; sharers = 0; COUNT(sent[n]); to_hart[n]!GRANT_M, ram
    fi
}

/* The last ack came in (@d: a forwarded access's value). */
inline finish(d) {
    busy = 0;
    if
    :: act == ACT_FORWARD -> to_hart[cur]!RESULT, d     /* the page stays at its owner */
    :: act == ACT_RECALL_DOWNGRADE ->
        dstate = S; sharers = BIT(owner) | BIT(cur); COUNT(sent[cur]); to_hart[cur]!GRANT_S, ram
    :: else ->
        dstate = M; owner = cur; sharers = 0; COUNT(sent[cur]); to_hart[cur]!GRANT_M, ram
    fi;
    act = NONE
}

active proctype server() {
    mtype k; byte n, d, j; bit has;
    bit prefetched = 0;
end:
    do
    :: atomic { !prefetched && !busy && dstate == I ->       /* msrv_dir_prefetch */
        prefetched = 1;
        select(n : 0 .. N - 1);
        dstate = M; owner = n; sharers = 0; COUNT(sent[n]); to_node[n]!PREFETCH_M, ram, 0 }
    :: to_srv?k, n, d, has -> goto got
    :: to_srv_req?k, n, d, has ->
got:    if
        :: k == ACK || k == RESULT ->
            assert(busy && (pending & BIT(n)));
            assert((k == RESULT) == (act == ACT_FORWARD));
            if
            :: has -> assert(act != ACT_INVALIDATE); ram = d
            :: else
            fi;
            pending = pending & ~BIT(n);
            sharers = (k == RESULT -> sharers : sharers & ~BIT(n));
            if
            :: pending == 0 ->
                finish(d);
                do      /* run queued requests until one goes busy */
                :: !busy && len(queue) > 0 -> queue?k, n; start(k, n)
                :: busy || len(queue) == 0 -> break
                od
            :: else
            fi
        :: k != ACK && k != RESULT && busy -> queue!k, n
        :: k != ACK && k != RESULT && !busy -> start(k, n)
        fi
    od
}

/* node_page_cache_install: the asking hart's grant, or a prefetch */
inline install(k, d) {
    atomic {
        if
        :: node_state[n] == I -> node_data[n] = d   /* else ours is as new */
        :: else
        fi;
        if
        :: k != GRANT_S -> node_state[n] = M
        :: k == GRANT_S && node_state[n] == I -> node_state[n] = S
        :: else
        fi;
        COUNT(installed[n])
    }
}

proctype agent(byte n) {
    mtype k; byte d, g, j;
end:
    do
    :: to_node[n]?k, d, g ->
        if
        :: k == PREFETCH_M -> install(k, d)
        :: k != PREFETCH_M ->
#if WAIT_INSTALLS
            (installed[n] + CNT - g) % CNT < CNT / 2;  /* held back until the grants it
                                                        * follows are in */
#endif
            skip
        fi;
        if
        :: k == PREFETCH_M
        :: k == ACCESS_AT ->     /* make it on our copy, which stays */
            atomic {
                assert(node_state[n] == M);
                if
                :: d == 1 ->    /* an AMO: a write, alone as any */
                    j = 0;
                    do
                    :: j < N -> assert(j == n || node_state[j] == I); j++
                    :: else -> break
                    od;
                    latest++; node_data[n] = latest
                :: else -> assert(node_data[n] == latest)     /* a read sees the last write */
                fi
            }
            to_srv!RESULT, n, node_data[n], 0
        :: k == INV ->
            assert(node_state[n] != M);
            node_state[n] = I;
            to_srv!ACK, n, 0, 0
        :: k == RECALL_DOWN || k == RECALL_INV ->
            if
            :: node_state[n] == M ->
                node_state[n] = (k == RECALL_DOWN -> S : I);
                to_srv!ACK, n, node_data[n], 1
            :: else ->
                node_state[n] = (k == RECALL_DOWN -> node_state[n] : I);
                to_srv!ACK, n, 0, 0
            fi
        fi
    od
}

proctype hart(byte n) {
    byte ops = 0, j, d;
    bit ok;
    byte st;
    mtype k;
    do
    :: ops < OPS ->
        if
        :: true ->      /* a read */
read:
            atomic {
                if
                :: node_state[n] != I -> assert(node_data[n] == latest); ok = 1
                :: else -> ok = 0
                fi
            }
            if
            :: !ok -> to_srv_req!GETS, n, 0, 0; to_hart[n]?k, d; install(k, d);
progress_read:  goto read
            :: FORWARD && !ok -> to_srv_req!FWD_READ, n, 0, 0; to_hart[n]?k, d; /* forwarding */
                if
                :: k == RESULT
                :: k != RESULT -> install(k, d);
progress_fwd_read:  goto read
                fi
            :: else
            fi
        :: true ->      /* a write */
write:
            atomic {
                st = node_state[n];
                if
                :: st == M ->
                    j = 0;
                    do
                    :: j < N -> assert(j == n || node_state[j] == I); j++
                    :: else -> break
                    od;
                    latest++; node_data[n] = latest; ok = 1
                :: else -> ok = 0
                fi
            }
            if
            :: !ok && st == S -> to_srv_req!UPGRADE, n, 0, 0; to_hart[n]?k, d; install(k, d);
progress_upgrade: goto write
            :: !ok && st == I -> to_srv_req!GETM, n, 0, 0; to_hart[n]?k, d; install(k, d);
progress_getm:  goto write
            :: FORWARD && !ok && st == I -> to_srv_req!FWD_AMO, n, 0, 0; to_hart[n]?k, d;
                if
                :: k == RESULT
                :: k != RESULT -> install(k, d);
progress_fwd_amo:   goto write
                fi
            :: else
            fi
        fi;
        ops++
    :: else -> break
    od
}

init {
    byte n = 0;
    atomic {
        do
        :: n < N -> run agent(n); run hart(n); n++
        :: else -> break
        od
    }
}
