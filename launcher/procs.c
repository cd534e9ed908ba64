/* SPDX-License-Identifier: MIT */
/* The launcher's children: started with fork+exec so they die with it
 * (PR_SET_PDEATHSIG), watched through a signalfd, and stopped in order
 * (wait, SIGTERM, SIGKILL) so none outlives the machine. */
#include "launcher/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TERM_TIMEOUT_MS 2000

gboolean launcher_procs_init(LauncherProcs *procs, GError **error)
{
    memset(procs, 0, sizeof(*procs));
    procs->children = g_array_new(FALSE, TRUE, sizeof(LauncherChild));
    sigemptyset(&procs->blocked);
    sigaddset(&procs->blocked, SIGCHLD);
    sigaddset(&procs->blocked, SIGINT);
    sigaddset(&procs->blocked, SIGTERM);
    sigaddset(&procs->blocked, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &procs->blocked, &procs->saved) != 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "sigprocmask: %s",
                    g_strerror(errno));
        return FALSE;
    }
    procs->sigfd = signalfd(-1, &procs->blocked, SFD_CLOEXEC | SFD_NONBLOCK);
    if (procs->sigfd < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "signalfd: %s",
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

void launcher_procs_clear(LauncherProcs *procs)
{
    if (procs->children) {
        for (guint i = 0; i < procs->children->len; i++) {
            LauncherChild *c = &g_array_index(procs->children, LauncherChild, i);
            if (c->alive) {
                kill(-c->pid, SIGKILL);
                while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR) {
                }
                c->alive = FALSE;
            }
            g_free(c->prog);
        }
        g_clear_pointer(&procs->children, g_array_unref);
    }
    if (procs->sigfd > 0) {
        close(procs->sigfd);
        procs->sigfd = -1;
    }
}

gboolean launcher_procs_spawn(LauncherProcs *procs, const char *dir, const char *prog, gint node,
                              char **args, GError **error)
{
    /* a bare name is a sibling of `shoal`; the config may name any program */
    g_autofree char *path = g_path_is_absolute(prog) ? g_strdup(prog)
                                                     : g_build_filename(dir, prog, NULL);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "SHOAL_CFG_QUIET", "1", TRUE);
    pid_t parent = getpid();
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    LauncherChild child = { 0 };
    int devnull;
    pid_t pid;

    if (access(path, X_OK) != 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot run %s: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    g_ptr_array_add(argv, path);
    for (guint i = 0; args[i]; i++) {
        g_ptr_array_add(argv, args[i]);
    }
    g_ptr_array_add(argv, NULL);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "/dev/null: %s",
                    g_strerror(errno));
        return FALSE;
    }

    pid = fork();
    if (pid < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "fork: %s",
                    g_strerror(errno));
        close(devnull);
        return FALSE;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls from here to exec. Own process
         * group: a terminal's ^C reaches the launcher alone, which then
         * tears down in order. PDEATHSIG after the getppid check closes the
         * race with a launcher dying right now. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        dup2(devnull, STDIN_FILENO);
        sigprocmask(SIG_SETMASK, &procs->saved, NULL);
        sigaction(SIGPIPE, &dfl, NULL); /* the launcher ignores it; exec keeps that */
        execve(path, (char **)argv->pdata, envp);
        _exit(127);
    }
    close(devnull);
    /* Also from this side, so kill(-pid) works even before the child ran. */
    setpgid(pid, pid);
    child.prog = g_strdup(prog);
    child.node = node;
    child.pid = pid;
    child.alive = TRUE;
    g_array_append_val(procs->children, child);
    g_debug("started %s (node %d) pid %d", prog, node, (int)pid);
    return TRUE;
}

LauncherChild *launcher_procs_reap(LauncherProcs *procs)
{
    LauncherChild *first = NULL;

    for (guint i = 0; i < procs->children->len; i++) {
        LauncherChild *c = &g_array_index(procs->children, LauncherChild, i);
        pid_t r;
        if (!c->alive) {
            continue;
        }
        r = waitpid(c->pid, &c->status, WNOHANG);
        if (r == c->pid) {
            c->alive = FALSE;
            if (first == NULL) {
                first = c;
            }
        }
    }
    return first;
}

static guint count_alive(LauncherProcs *procs)
{
    guint n = 0;

    for (guint i = 0; i < procs->children->len; i++) {
        n += g_array_index(procs->children, LauncherChild, i).alive;
    }
    return n;
}

static gint64 now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

/* Drains the signalfd (SIGCHLD wakes it; SIGINT/SIGTERM during teardown
 * change nothing: we are already stopping) and reaps, until all exited or
 * @timeout_ms passed. */
static void wait_all(LauncherProcs *procs, int timeout_ms)
{
    gint64 deadline = now_ms() + timeout_ms;

    launcher_procs_reap(procs);
    while (count_alive(procs) > 0) {
        struct pollfd pfd = { .fd = procs->sigfd, .events = POLLIN };
        struct signalfd_siginfo si;
        gint64 left = deadline - now_ms();
        if (left <= 0) {
            return;
        }
        if (poll(&pfd, 1, (int)MIN(left, 100)) > 0) {
            while (read(procs->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            }
        }
        launcher_procs_reap(procs);
    }
}

static void signal_all(LauncherProcs *procs, int sig)
{
    for (guint i = 0; i < procs->children->len; i++) {
        LauncherChild *c = &g_array_index(procs->children, LauncherChild, i);
        if (c->alive) {
            kill(-c->pid, sig);
        }
    }
}

void launcher_procs_stop(LauncherProcs *procs, int grace_ms)
{
    if (grace_ms > 0) {
        wait_all(procs, grace_ms);
    }
    if (count_alive(procs) == 0) {
        return;
    }
    signal_all(procs, SIGTERM);
    wait_all(procs, TERM_TIMEOUT_MS);
    if (count_alive(procs) > 0) {
        g_debug("children still alive after SIGTERM, sending SIGKILL");
        signal_all(procs, SIGKILL);
        for (guint i = 0; i < procs->children->len; i++) {
            LauncherChild *c = &g_array_index(procs->children, LauncherChild, i);
            if (c->alive) {
                while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR) {
                }
                c->alive = FALSE;
            }
        }
    }
}

char *launcher_child_describe(const LauncherChild *child)
{
    g_autofree char *who = child->node >= 0
                               ? g_strdup_printf("%s (node %d, pid %d)", child->prog, child->node,
                                                 (int)child->pid)
                               : g_strdup_printf("%s (pid %d)", child->prog, (int)child->pid);

    if (WIFSIGNALED(child->status)) {
        int sig = WTERMSIG(child->status);
        return g_strdup_printf("%s was killed by signal %d (%s)%s", who, sig, strsignal(sig),
                               WCOREDUMP(child->status) ? ", core dumped" : "");
    }
    if (WIFEXITED(child->status)) {
        if (WEXITSTATUS(child->status) == 127) {
            return g_strdup_printf("%s exited with status 127 (could not start)", who);
        }
        return g_strdup_printf("%s exited with status %d", who, WEXITSTATUS(child->status));
    }
    return g_strdup_printf("%s stopped (wait status 0x%x)", who, (unsigned)child->status);
}
