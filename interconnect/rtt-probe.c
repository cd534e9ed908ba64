/* SPDX-License-Identifier: MIT */
/* shoal-ic-rtt: the raw ZeroMQ round trip that bench/page-rtt compares the
 * coherence protocol with. Two processes, a ROUTER echoing what a DEALER
 * sends, one page (4 KiB, or BYTES: bench/sysc) each way over ipc:// in a
 * private directory; the mean round trip in microseconds on stdout. Lives here because only
 * interconnect/ includes zmq.h. */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

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

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    int bytes = argc > 2 ? atoi(argv[2]) : PAGE;
    g_autofree char *dir = g_dir_make_tmp("shoal-rtt-XXXXXX", NULL);
    if (dir == NULL || rounds <= 0 || bytes <= 0 || bytes > MAX_BYTES) {
        fprintf(stderr, "usage: shoal-ic-rtt [ROUNDS [BYTES (1..%d)]]\n", MAX_BYTES);
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
