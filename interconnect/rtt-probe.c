/* SPDX-License-Identifier: MIT */
/* shoal-ic-rtt: the raw round trips that bench/page-rtt compares the
 * coherence protocol with. Two processes, one echoing what the other
 * sends, one page (4 KiB, or BYTES: bench/sysc) each way; the mean round
 * trip in microseconds on stdout. KIND: zmq (a ROUTER and a DEALER over
 * ipc:// in a private directory, the default), unix (a SOCK_SEQPACKET
 * socket pair, what shoal's direct links are) or shm (a shared mapping
 * and a futex each way: the floor a shared-memory queue could reach).
 * Lives here because only interconnect/ includes zmq.h. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "config/cfg.h"

#define PAGE 4096
#define MAX_BYTES (256 * 1024)

static int echo(const char *endpoint)
{
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    if (zmq_bind(s, endpoint) != 0) {
        return 1;
    }
    char id[256];
    static char buf[MAX_BYTES];
    for (;;) {
        int idlen = zmq_recv(s, id, sizeof id, 0);
        int len = zmq_recv(s, buf, sizeof buf, 0);
        if (idlen < 0 || len < 0) {
            return 0;
        }
        zmq_send(s, id, (size_t)idlen, ZMQ_SNDMORE);
        zmq_send(s, buf, (size_t)len, 0);
    }
}

/* A packet each way on a seqpacket socket pair. */
static double unix_rtt(int rounds, int bytes)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
        return -1;
    static char buf[MAX_BYTES];
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(sv[0]); /* our end only: the pinger's close is our EOF */
        for (;;) {
            ssize_t n = recv(sv[1], buf, sizeof buf, 0);
            if (n <= 0 || send(sv[1], buf, (size_t)n, 0) != n)
                _exit(0);
        }
    }
    close(sv[1]);
    g_autofree char *page = g_malloc0(bytes);
    gint64 t0 = 0;
    for (int i = -50; i < rounds; i++) { /* 50 rounds to warm up */
        if (i == 0)
            t0 = g_get_monotonic_time();
        if (send(sv[0], page, (size_t)bytes, 0) != bytes || recv(sv[0], buf, sizeof buf, 0) != bytes)
            return -1;
    }
    gint64 t1 = g_get_monotonic_time();
    close(sv[0]);
    waitpid(child, NULL, 0);
    return (double)(t1 - t0) / rounds;
}

/* The shared-memory floor: the page copied into a shared buffer, a word
 * flipped and the other side woken through a futex, each way. */
typedef struct {
    int turn; /* 0: the pinger's, 1: the echoer's */
    char data[MAX_BYTES];
} ShmSlot;

static void futex_wait(int *addr, int val)
{
    syscall(SYS_futex, addr, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake(int *addr)
{
    syscall(SYS_futex, addr, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void hand_over(ShmSlot *s, int to)
{
    __atomic_store_n(&s->turn, to, __ATOMIC_RELEASE);
    futex_wake(&s->turn);
}

static void wait_turn(ShmSlot *s, int me)
{
    int t;
    while ((t = __atomic_load_n(&s->turn, __ATOMIC_ACQUIRE)) != me)
        futex_wait(&s->turn, t);
}

static double shm_rtt(int rounds, int bytes)
{
    ShmSlot *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED)
        return -1;
    static char buf[MAX_BYTES];
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            wait_turn(s, 1);
            memcpy(buf, s->data, (size_t)bytes);
            memcpy(s->data, buf, (size_t)bytes);
            hand_over(s, 0);
        }
    }
    g_autofree char *page = g_malloc0(bytes);
    gint64 t0 = 0;
    for (int i = -50; i < rounds; i++) {
        if (i == 0)
            t0 = g_get_monotonic_time();
        memcpy(s->data, page, (size_t)bytes);
        hand_over(s, 1);
        wait_turn(s, 0);
        memcpy(buf, s->data, (size_t)bytes);
    }
    gint64 t1 = g_get_monotonic_time();
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    munmap(s, sizeof *s);
    return (double)(t1 - t0) / rounds;
}

/* The command line, on the layer every shoal binary uses (config/cmdline.c):
 * --help, --version, and the words ROUNDS BYTES KIND left in *@words
 * (argv[0] first). FALSE after saying what is wrong. */
static gboolean parse(int argc, char **argv, char ***words)
{
    g_autoptr(GOptionContext) context = cfg_options_context_new(
        "[ROUNDS [BYTES [zmq|unix|shm]]]",
        "Round trips of BYTES (1..262144, default 4096) between two processes, ROUNDS times "
        "(default 2000), over ZeroMQ ipc://, a unix seqpacket pair or shared memory with a "
        "futex; prints the mean in us: bench/page-rtt's floors.",
        g_option_group_new(NULL, NULL, NULL, NULL, NULL));
    *words = g_new0(char *, (gsize)argc + 1);
    for (int i = 0; i < argc; i++)
        (*words)[i] = g_strdup(argv[i]);
    g_autoptr(GError) error = NULL;
    if (!cfg_options_parse(context, "shoal-ic-rtt", words, &error)) {
        fprintf(stderr, "shoal-ic-rtt: %s\n", error->message);
        return FALSE;
    }
    if (g_strv_length(*words) > 4) {
        fprintf(stderr, "shoal-ic-rtt: %s: one word too many (see shoal-ic-rtt --help)\n",
                (*words)[4]);
        return FALSE;
    }
    return TRUE;
}

int main(int argc, char **argv)
{
    g_auto(GStrv) words = NULL;
    g_set_prgname("shoal-ic-rtt");
    if (!parse(argc, argv, &words))
        return 2;
    guint n = g_strv_length(words);
    int rounds = n > 1 ? atoi(words[1]) : 2000;
    int bytes = n > 2 ? atoi(words[2]) : PAGE;
    const char *kind = n > 3 ? words[3] : "zmq";
    if (rounds > 0 && bytes > 0 && bytes <= MAX_BYTES && strcmp(kind, "zmq") != 0) {
        double us = strcmp(kind, "unix") == 0 ? unix_rtt(rounds, bytes)
                    : strcmp(kind, "shm") == 0 ? shm_rtt(rounds, bytes) : -2;
        if (us >= 0) {
            printf("%.1f\n", us);
            return 0;
        }
        fprintf(stderr, "shoal-ic-rtt: %s\n", us < -1 ? "KIND is zmq, unix or shm" : g_strerror(errno));
        return 2;
    }
    g_autofree char *dir = g_dir_make_tmp("shoal-rtt-XXXXXX", NULL);
    if (dir == NULL || rounds <= 0 || bytes <= 0 || bytes > MAX_BYTES) {
        fprintf(stderr, "usage: shoal-ic-rtt [ROUNDS [BYTES (1..%d) [zmq|unix|shm]]]\n", MAX_BYTES);
        return 2;
    }
    g_autofree char *endpoint = g_strdup_printf("ipc://%s/rtt.sock", dir);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        _exit(echo(endpoint));
    }
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int ivl = 5;
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_connect(s, endpoint);
    g_autofree char *page = g_malloc(bytes);
    g_autofree char *back = g_malloc(bytes);
    memset(page, 0x5a, bytes);
    /* warm up: the connection and both processes' first touches */
    for (int i = 0; i < 50; i++) {
        zmq_send(s, page, (size_t)bytes, 0);
        zmq_recv(s, back, (size_t)bytes, 0);
    }
    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i < rounds; i++) {
        zmq_send(s, page, (size_t)bytes, 0);
        zmq_recv(s, back, (size_t)bytes, 0);
    }
    gint64 t1 = g_get_monotonic_time();
    printf("%.1f\n", (double)(t1 - t0) / rounds);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    zmq_close(s);
    zmq_ctx_term(ctx);
    g_autofree char *sock = g_strdup_printf("%s/rtt.sock", dir);
    g_unlink(sock);
    g_rmdir(dir);
    return 0;
}
