// SPDX-License-Identifier: MIT
// /init of the Linux test guest: exercises what an SMP kernel spread over
// cpu-node processes must get right (threads on every hart, contended
// atomics and futexes, TLB shootdowns through mmap/munmap/mprotect, fork,
// exec and pipes) and prints results that do not depend on timing, so its
// output is the same on QEMU -smp N and on every shoal layout. Then it
// powers off (or reboots with shoal_after=reboot on the kernel command line).
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define THREADS 4
#define ATOMIC_ROUNDS 10000
#define MUTEX_ROUNDS 500
#define TOKEN_LAPS 100
#define MAP_ROUNDS 10
#define MAP_PAGES 16
#define CHILDREN 4

static uint64_t checksum = 1469598103934665603ull;

static void mix(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        checksum ^= (v >> (8 * i)) & 0xff;
        checksum *= 1099511628211ull;
    }
}

// shoal_times=1 on the kernel command line: how long each part took, on
// lines of their own ("time:"), so the results stay comparable.
static int show_times;
static struct timespec part_start;

static void result(const char *what, uint64_t value)
{
    printf("init: %s %llu\n", what, (unsigned long long)value);
    if (show_times) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        printf("time: %s %.3f s\n", what,
               (double)(now.tv_sec - part_start.tv_sec) + (now.tv_nsec - part_start.tv_nsec) / 1e9);
        part_start = now;
    }
    fflush(stdout);
    mix(value);
}

// Everything printed has left the UART: the kernel does not wait for the
// console's buffer before it powers off.
static void say_last(const char *line)
{
    printf("%s\n", line);
    fflush(stdout);
    tcdrain(STDOUT_FILENO);
}

static void die(const char *what)
{
    printf("init: FAIL %s: %s\n", what, strerror(errno));
    say_last("init: poweroff");
    reboot(RB_POWER_OFF);
    _exit(1);
}

static pthread_barrier_t barrier;

// Contended atomics: one shared counter, and per-thread counters that share
// a cache line (and a page) so every node writes the same page.
static uint64_t shared_counter;
static uint64_t neighbours[THREADS];

static void *atomics(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < ATOMIC_ROUNDS; i++) {
        __atomic_fetch_add(&shared_counter, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&neighbours[me], me + 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

// Futexes: a mutex that every thread fights for, and a token passed round
// the threads in order through a condition variable (each hand-over wakes
// a thread that sleeps in futex_wait, most often on another hart).
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static uint64_t locked_counter;
static unsigned turn;
static uint64_t token_trail;

static void *futexes(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < MUTEX_ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        locked_counter += me + 1;
        pthread_mutex_unlock(&lock);
    }
    for (int lap = 0; lap < TOKEN_LAPS; lap++) {
        pthread_mutex_lock(&lock);
        while (turn % THREADS != me)
            pthread_cond_wait(&turn_changed, &lock);
        token_trail = token_trail * 31 + me;
        turn++;
        pthread_cond_broadcast(&turn_changed);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

// TLB shootdowns: every round maps fresh pages, each thread writes its
// slice, the main thread reads them all, write-protects the mapping (which
// every hart that touched it must see) and unmaps it while the threads that
// used it still run on their harts.
static volatile uint64_t *mapping;
static uint64_t map_sum;

static void *mapper(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    size_t words = MAP_PAGES * 4096 / sizeof(uint64_t);
    for (int round = 0; round < MAP_ROUNDS; round++) {
        pthread_barrier_wait(&barrier); // mapping is new
        for (size_t w = me; w < words; w += THREADS)
            mapping[w] = round * 1000003u + w;
        pthread_barrier_wait(&barrier); // slices written
        pthread_barrier_wait(&barrier); // read, protected and unmapped
    }
    return NULL;
}

static void shootdowns(void)
{
    pthread_t threads[THREADS];
    size_t bytes = MAP_PAGES * 4096, words = bytes / sizeof(uint64_t);
    for (uintptr_t i = 1; i < THREADS; i++)
        pthread_create(&threads[i], NULL, mapper, (void *)i);
    for (int round = 0; round < MAP_ROUNDS; round++) {
        void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            die("mmap");
        mapping = m;
        pthread_barrier_wait(&barrier);
        for (size_t w = 0; w < words; w += THREADS)
            mapping[w] = round * 1000003u + w;
        pthread_barrier_wait(&barrier);
        for (size_t w = 0; w < words; w++)
            map_sum += mapping[w] ^ w;
        if (mprotect(m, bytes, PROT_READ) != 0 || munmap(m, bytes) != 0)
            die("mprotect/munmap");
        pthread_barrier_wait(&barrier);
    }
    for (int i = 1; i < THREADS; i++)
        pthread_join(threads[i], NULL);
}

static void run_threads(void *(*body)(void *))
{
    pthread_t threads[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, body, (void *)i) != 0)
            die("pthread_create");
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
}

// The exec'd child: reads numbers from stdin, writes their weighted sum.
static int child_main(const char *seed_text)
{
    uint64_t seed = strtoull(seed_text, NULL, 10), sum = 0, v;
    char line[64];
    FILE *in = fdopen(0, "r");
    while (in && fgets(line, sizeof line, in)) {
        v = strtoull(line, NULL, 10);
        sum = sum * 1315423911u + v * seed;
    }
    printf("%llu\n", (unsigned long long)sum);
    return (int)(seed & 0x7f);
}

// fork + exec + pipes: each child is this program run again; the parent
// feeds it through one pipe and reads its answer through another.
static uint64_t processes(const char *self)
{
    uint64_t total = 0;
    for (int k = 1; k <= CHILDREN; k++) {
        int to_child[2], from_child[2];
        if (pipe(to_child) != 0 || pipe(from_child) != 0)
            die("pipe");
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            char seed[16];
            snprintf(seed, sizeof seed, "%d", k * 7);
            dup2(to_child[0], 0);
            dup2(from_child[1], 1);
            close(to_child[1]);
            close(from_child[0]);
            execl(self, self, "child", seed, (char *)NULL);
            _exit(127);
        }
        close(to_child[0]);
        close(from_child[1]);
        FILE *out = fdopen(to_child[1], "w");
        for (int i = 0; i < 2000; i++)
            fprintf(out, "%d\n", i * k);
        fclose(out);
        char answer[64] = "";
        FILE *in = fdopen(from_child[0], "r");
        if (!fgets(answer, sizeof answer, in))
            die("child answer");
        fclose(in);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
            die("waitpid");
        total = total * 17 + strtoull(answer, NULL, 10) + WEXITSTATUS(status);
    }
    return total;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return child_main(argv[2]);

    mount("proc", "/proc", "proc", 0, NULL);
    show_times = getenv("shoal_times") != NULL;
    clock_gettime(CLOCK_MONOTONIC, &part_start);
    printf("init: started\n");
    fflush(stdout);
    pthread_barrier_init(&barrier, NULL, THREADS);

    run_threads(atomics);
    result("atomic-shared", shared_counter);
    uint64_t n = 0;
    for (int i = 0; i < THREADS; i++)
        n = n * 1000003 + neighbours[i];
    result("atomic-neighbours", n);

    run_threads(futexes);
    result("mutex", locked_counter);
    result("token", token_trail);

    shootdowns();
    result("shootdown", map_sum);

    result("processes", processes(argv[0]));

    printf("init: checksum %016llx\n", (unsigned long long)checksum);
    fflush(stdout);

    const char *after = getenv("shoal_after");
    if (after && strcmp(after, "reboot") == 0) {
        say_last("init: reboot");
        reboot(RB_AUTOBOOT);
    } else {
        say_last("init: poweroff");
        reboot(RB_POWER_OFF);
    }
    die("reboot");
}
