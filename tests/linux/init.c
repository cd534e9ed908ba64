// SPDX-License-Identifier: MIT
// /init of the Linux test guest: exercises what an SMP kernel spread over
// cpu-node processes must get right (threads on every hart, contended
// atomics and futexes, TLB shootdowns through mmap/munmap/mprotect, fork,
// exec and pipes) and prints results that do not depend on timing, so its
// output is the same on QEMU -smp N and on every shoal layout. With
// shoal.disk=1 it then reads and writes the ext4 file system on the virtio
// disk /dev/vda, and with a hardware RNG it reads that. Then it powers off
// (or reboots with shoal_after=reboot on the kernel command line). The
// network options (shoal.http=, shoal.serve=, shoal.httpd=) are below.
#define _GNU_SOURCE // memmem
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
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

static void fail(const char *what)
{
    printf("init: FAIL %s: %s\n", what, strerror(errno));
    fflush(stdout);
}

static void die(const char *what)
{
    fail(what);
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

// Whether WORD is one of the kernel command line's words. The ones with a
// dot in their name (shoal.disk=1) are module parameters to the kernel: it
// passes them neither to /init's environment nor its arguments, but
// /proc/cmdline has them.
static int cmdline_has(const char *word)
{
    char line[4096];
    FILE *f = fopen("/proc/cmdline", "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    for (char *save, *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
        if (strcmp(w, word) == 0)
            return 1;
    return 0;
}

// FNV-1a 64 over @len more bytes (start from FNV_START): what the tests
// compute on the host for the files /init reads.
#define FNV_START 1469598103934665603ull
static uint64_t fnv1a(uint64_t sum, const unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        sum ^= buf[i];
        sum *= 1099511628211ull;
    }
    return sum;
}

// The value of the command line's WORD=VALUE as a new string, or NULL.
static char *cmdline_value(const char *word)
{
    char line[4096];
    FILE *f = fopen("/proc/cmdline", "r");
    if (!f)
        return NULL;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    size_t k = strlen(word);
    for (char *save, *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
        if (strncmp(w, word, k) == 0 && w[k] == '=')
            return strdup(w + k + 1);
    return NULL;
}

// out.txt: this many lines naming data.bin's checksum, as virtio-linux.sh
// expects them (30000 bytes: several blocks, each written by the journal)
#define OUT_LINES 1000

// shoal.disk=1: /dev/vda is a virtio disk holding an ext4 file system with
// /data.bin (tests/integration/virtio-linux.sh makes it). Asked for on the
// command line rather than inferred from /dev/vda, so that a disk the
// kernel did not find is a FAIL line, not a part left out. The reads go
// through the block layer's readahead and the writes through the journal,
// so both directions of the device see requests of several segments. The
// host checks out.txt and the file system afterwards.
static void disk(void)
{
    static unsigned char buf[65536];
    uint64_t sum = FNV_START, size = 0;
    ssize_t n;
    mkdir("/mnt", 0755);
    if (mount("/dev/vda", "/mnt", "ext4", 0, NULL) != 0) {
        fail("disk mount /dev/vda");
        return;
    }
    int fd = open("/mnt/data.bin", O_RDONLY);
    if (fd < 0) {
        fail("disk open data.bin");
        umount("/mnt");
        return;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        sum = fnv1a(sum, buf, (size_t)n);
        size += n;
    }
    close(fd);
    if (n < 0) {
        fail("disk read data.bin");
        umount("/mnt");
        return;
    }
    printf("init: disk data.bin %llu %016llx\n", (unsigned long long)size, (unsigned long long)sum);
    fflush(stdout);

    FILE *out = fopen("/mnt/out.txt", "w");
    if (!out) {
        fail("disk create out.txt");
        umount("/mnt");
        return;
    }
    for (int i = 0; i < OUT_LINES; i++)
        fprintf(out, "line %04d of %016llx\n", i, (unsigned long long)sum);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
        fail("disk write out.txt");
        fclose(out);
        umount("/mnt");
        return;
    }
    fclose(out);
    sync();
    if (umount("/mnt") != 0) {
        fail("disk umount");
        return;
    }
    printf("init: disk written\n");
    fflush(stdout);
}

// shoal.http=ADDR:PORT: the kernel took an address by DHCP (ip=dhcp) on
// eth0, a virtio-net card; /init prints it and fetches /data.bin over HTTP
// from ADDR:PORT (the host's server through the user network's gateway,
// tests/integration/virtio-linux.sh), printing its size and checksum.
static void net(const char *where)
{
    struct ifreq ifr = { 0 };
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    strcpy(ifr.ifr_name, "eth0");
    if (s < 0 || ioctl(s, SIOCGIFADDR, &ifr) != 0) {
        fail("net eth0 has no address");
        if (s >= 0)
            close(s);
        return;
    }
    close(s);
    printf("init: net eth0 %s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
    fflush(stdout);

    char host[64];
    int port;
    struct sockaddr_in to = { .sin_family = AF_INET };
    if (sscanf(where, "%63[^:]:%d", host, &port) != 2 || inet_aton(host, &to.sin_addr) == 0) {
        fail("net shoal.http is not ADDR:PORT");
        return;
    }
    to.sin_port = htons((uint16_t)port);
    // Another guest's server (virtio-link.sh) may not listen yet: tried
    // again for up to a minute.
    int c = -1;
    for (int tries = 0; tries < 600; tries++) {
        c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&to, sizeof to) == 0)
            break;
        close(c);
        c = -1;
        usleep(100 * 1000);
    }
    if (c < 0) {
        fail("net connect");
        return;
    }
    static const char get[] = "GET /data.bin HTTP/1.0\r\n\r\n";
    if (write(c, get, sizeof get - 1) != (ssize_t)(sizeof get - 1)) {
        fail("net send");
        close(c);
        return;
    }
    // The answer whole (HTTP/1.0: the server closes after it), then the
    // body after the blank line.
    static unsigned char reply[1 << 20];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof reply && (n = read(c, reply + got, sizeof reply - got)) > 0)
        got += (size_t)n;
    close(c);
    unsigned char *body = memmem(reply, got, "\r\n\r\n", 4);
    if (!body || strncmp((char *)reply, "HTTP/1.0 200", 12) != 0) {
        fail("net no HTTP 200 answer");
        return;
    }
    body += 4;
    size_t len = got - (size_t)(body - reply);
    printf("init: http data.bin %zu %016llx\n", len,
           (unsigned long long)fnv1a(FNV_START, body, len));
    fflush(stdout);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

// shoal.serve=PORT: a TCP server on PORT for one client, which the host
// reaches through a hostfwd rule of the user network (virtio-linux.sh): it
// says hello and closes; /init prints that it did. Waits up to a minute.
// One client on @port, who must come within a minute: its socket, or -1
// after saying what failed ("@what listen" or "@what accept").
static int accept_one(int port, const char *what)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_ANY) };
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct timeval wait = { .tv_sec = 60 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    if (s < 0 || bind(s, (struct sockaddr *)&at, sizeof at) != 0 || listen(s, 1) != 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "%s listen", what);
        fail(msg);
        if (s >= 0)
            close(s);
        return -1;
    }
    int c = accept(s, NULL, NULL);
    close(s);
    if (c < 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "%s accept", what);
        fail(msg);
    }
    return c;
}

static void serve(int port)
{
    int c = accept_one(port, "serve");
    if (c < 0)
        return;
    static const char hello[] = "hello from the guest\n";
    if (write(c, hello, sizeof hello - 1) != (ssize_t)(sizeof hello - 1)) {
        fail("serve write");
        close(c);
        return;
    }
    close(c);
    printf("init: served a client on port %d\n", port);
    fflush(stdout);
}

// shoal.httpd=PORT: an HTTP/1.0 server on PORT for one client, which
// another guest on a link between two machines fetches /data.bin from
// (virtio-link.sh): the answer is always data.bin of virtio-linux.sh, 200
// KiB from the same LCG, made here. Prints its size and checksum once
// sent. Waits up to a minute.
static void httpd(int port)
{
    enum { SIZE = 200 * 1024 };
    static unsigned char data[SIZE];
    uint64_t x = 0x5EED;
    for (size_t i = 0; i < SIZE; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        data[i] = (unsigned char)(x >> 56);
    }
    int c = accept_one(port, "httpd");
    if (c < 0)
        return;
    // The request, up to its blank line; which file it names does not matter.
    char req[1024];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof req - 1 && (n = read(c, req + got, sizeof req - 1 - got)) > 0) {
        got += (size_t)n;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    char head[128];
    int hl = snprintf(head, sizeof head, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n", SIZE);
    size_t sent = 0;
    if (write(c, head, (size_t)hl) != hl) {
        fail("httpd send");
        close(c);
        return;
    }
    while (sent < SIZE && (n = write(c, data + sent, SIZE - sent)) > 0)
        sent += (size_t)n;
    // Written is not delivered: the end of it may still be in our socket
    // when /init powers off, and the client would wait for it for ever.
    // The client closes once it has read everything; wait for that.
    shutdown(c, SHUT_WR);
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    while (read(c, req, sizeof req) > 0)
        ;
    close(c);
    if (sent != SIZE) {
        fail("httpd send");
        return;
    }
    printf("init: httpd sent data.bin %d %016llx\n", SIZE,
           (unsigned long long)fnv1a(FNV_START, data, SIZE));
    fflush(stdout);
}

// shoal.blkbench=MB (bench/virtio): MB written to the raw disk /dev/vda
// then read back, 1 MiB at a time with O_DIRECT (the device, not the page
// cache), the write ended by fsync (the device's flush); prints both rates
// in MB/s as the guest's clock sees them.
static void blkbench(long mb)
{
    enum { CHUNK = 1 << 20 };
    void *buf;
    int fd = open("/dev/vda", O_RDWR | O_DIRECT);
    if (fd < 0 || posix_memalign(&buf, 4096, CHUNK) != 0) {
        fail("blkbench open /dev/vda");
        return;
    }
    memset(buf, 0x5a, CHUNK);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < mb; i++)
        if (pwrite(fd, buf, CHUNK, (off_t)i * CHUNK) != CHUNK) {
            fail("blkbench write");
            return;
        }
    if (fsync(fd) != 0) {
        fail("blkbench fsync");
        return;
    }
    double w = seconds_since(&t0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < mb; i++)
        if (pread(fd, buf, CHUNK, (off_t)i * CHUNK) != CHUNK) {
            fail("blkbench read");
            return;
        }
    double r = seconds_since(&t0);
    close(fd);
    free(buf);
    printf("init: blkbench write %.1f MB/s read %.1f MB/s\n", mb / w, mb / r);
    fflush(stdout);
}

// shoal.netbench=ADDR:PORT (bench/virtio): /big.bin from the host's HTTP
// server through the user network, counted as it streams in; prints MB/s.
static void netbench(const char *where)
{
    char host[64];
    int port;
    struct sockaddr_in to = { .sin_family = AF_INET };
    if (sscanf(where, "%63[^:]:%d", host, &port) != 2 || inet_aton(host, &to.sin_addr) == 0) {
        fail("netbench shoal.netbench is not ADDR:PORT");
        return;
    }
    to.sin_port = htons((uint16_t)port);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    static const char get[] = "GET /big.bin HTTP/1.0\r\n\r\n";
    if (c < 0 || connect(c, (struct sockaddr *)&to, sizeof to) != 0 ||
        write(c, get, sizeof get - 1) != (ssize_t)(sizeof get - 1)) {
        fail("netbench connect");
        return;
    }
    static char buf[65536];
    long long got = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0)
        got += n;
    close(c);
    printf("init: netbench %.1f MB/s\n", (double)got / (1 << 20) / seconds_since(&t0));
    fflush(stdout);
}

// shoal.hvc=1: /dev/hvc0 is a virtio console whose host side is a socket
// (virtio-linux.sh's client): /init says hello on it, then reads the
// client's line and prints it. Raw mode: no echo of the client's bytes back
// to it, no line discipline between the two.
static void hvc(void)
{
    int fd = open("/dev/hvc0", O_RDWR | O_NOCTTY);
    struct termios t;
    if (fd < 0 || tcgetattr(fd, &t) != 0) {
        fail("hvc open /dev/hvc0");
        if (fd >= 0)
            close(fd);
        return;
    }
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
    static const char hello[] = "hello from hvc0\n";
    if (write(fd, hello, sizeof hello - 1) != (ssize_t)(sizeof hello - 1)) {
        fail("hvc write");
        close(fd);
        return;
    }
    char line[64];
    size_t got = 0;
    while (got < sizeof line - 1) {
        ssize_t n = read(fd, line + got, 1);
        if (n <= 0)
            break;
        if (line[got] == '\n')
            break;
        got++;
    }
    line[got] = 0;
    close(fd);
    printf("init: hvc got %s\n", line);
    fflush(stdout);
}

// Before power-off, eth0 (a virtio-net card) goes down, as an init
// system's network shutdown takes it down: its NAPI polls end first. Linux
// 6.1's power-off breaks every virtqueue without a word
// (virtio_dev_shutdown), and a receive poll still running then spins for
// ever in virtnet_poll_cleantx when a transmit completion is in the used
// ring but not yet taken (virtqueue_get_buf answers nothing on a broken
// queue, virtqueue_enable_cb_delayed still sees the completion). The
// slower the device's completions, the likelier: shoal's come from another
// process, and hung 18 of 53 loaded boots before this.
static void network_down(void)
{
    struct ifreq ifr = { 0 };
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    strcpy(ifr.ifr_name, "eth0");
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags &= ~IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0)
        close(s);
}

// /dev/hwrng is there whenever the kernel has the RNG core; with no RNG
// device behind it a read fails with ENODEV and nothing is printed, so
// the machines without one print what they always did. The bytes are
// random: only their count is printed.
static void hwrng(void)
{
    unsigned char buf[32];
    size_t got = 0;
    int fd = open("/dev/hwrng", O_RDONLY);
    if (fd < 0)
        return;
    while (got < sizeof buf) {
        ssize_t n = read(fd, buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO; // not expected of a character device that has data
            if (errno != ENODEV)
                fail("hwrng read");
            close(fd);
            return;
        }
        got += n;
    }
    close(fd);
    printf("init: hwrng %zu bytes\n", got);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return child_main(argv[2]);

    mount("proc", "/proc", "proc", 0, NULL);
    // the kernel mounts devtmpfs itself only when it mounts a root file
    // system, not for an initramfs's /init: /dev/vda and /dev/hwrng need it
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
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

    if (cmdline_has("shoal.disk=1"))
        disk();
    hwrng();
    char *http = cmdline_value("shoal.http");
    if (http)
        net(http);
    free(http);
    char *port = cmdline_value("shoal.serve");
    if (port)
        serve(atoi(port));
    free(port);
    port = cmdline_value("shoal.httpd");
    if (port)
        httpd(atoi(port));
    free(port);
    char *bench = cmdline_value("shoal.blkbench");
    if (bench)
        blkbench(atol(bench));
    free(bench);
    bench = cmdline_value("shoal.netbench");
    if (bench)
        netbench(bench);
    free(bench);

    if (cmdline_has("shoal.hvc=1"))
        hvc();
    network_down();
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
