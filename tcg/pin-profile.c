/* SPDX-License-Identifier: MIT */
/* Which guest registers a JIT hart pins (jit.c keeps TCG_JIT_PINS of them
 * in host registers across chained blocks; the others live in TcgCpuState
 * between blocks, so a loop that carries its value in one pays a store and
 * a load through memory per trip). GCC's a0-a5 and sp are a good guess for
 * code at large and a poor one for many hot loops (a CRC in s0, indices in
 * t-registers), so the hart learns where its time goes:
 *
 * A sampler thread marks every profiling hart's event word every
 * PIN_SAMPLE_MS (without waking one that sleeps in WFI). Between blocks the
 * hart adds the register uses of the block it is about to run to its heat;
 * heat halves every PIN_AGE_SAMPLES so it follows the program's phases.
 * Every PIN_DECIDE_SAMPLES it compares the registers with the most heat
 * with the pinned ones; when those it would pin carry clearly more than
 * those it would unpin (better_pins), the hart moves its pins there and drops its translations, which are
 * made again for the new pins (every block of a hart assumes the same).
 * Guest state is untouched: a move is invisible but for speed. */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "tcg/internal.h"

#define PIN_SAMPLE_MS 5
#define PIN_DECIDE_SAMPLES 8
#define PIN_MAX_BACKOFF 7 /* doublings of the decision interval: 8 << 7 = 1024 samples */
#define PIN_BUSY_TRANSLATING_PERCENT 5
#define PIN_FLUSH_COST_PERCENT 10
#define PIN_AGE_SAMPLES 32
#define PIN_GAIN_PERCENT 50
#define PIN_MIN_SHARE 16

/* One sampler per process, started with the first profiling hart and kept
 * (it sleeps on its condition while no hart profiles). */
static pthread_mutex_t sampler_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sampler_cond;
static guint sampler_users; /* profiling harts alive, under sampler_lock */
static gboolean sampler_started;

static void *sampler_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&sampler_lock);
    for (;;) {
        if (sampler_users == 0) {
            pthread_cond_wait(&sampler_cond, &sampler_lock);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += PIN_SAMPLE_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&sampler_cond, &sampler_lock, &until) == ETIMEDOUT &&
            sampler_users > 0) {
            pthread_mutex_unlock(&sampler_lock);
            tcg_harts_post_event(TCG_EVENT_SAMPLE);
            pthread_mutex_lock(&sampler_lock);
        }
    }
    return NULL;
}

void tcg_pin_profile_attach(void)
{
    pthread_mutex_lock(&sampler_lock);
    if (!sampler_started) {
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&sampler_cond, &attr);
        pthread_condattr_destroy(&attr);
        pthread_t thread;
        if (pthread_create(&thread, NULL, sampler_main, NULL) != 0) {
            g_error("pin profile: cannot start the sampler thread");
        }
        pthread_detach(thread);
        sampler_started = TRUE;
    }
    sampler_users++;
    pthread_cond_broadcast(&sampler_cond);
    pthread_mutex_unlock(&sampler_lock);
}

void tcg_pin_profile_detach(void)
{
    pthread_mutex_lock(&sampler_lock);
    g_assert(sampler_users > 0);
    sampler_users--;
    pthread_mutex_unlock(&sampler_lock);
}

/* The pins for @want (the registers to pin): those already pinned keep
 * their host register, the others take the freed ones. */
static void place_pins(const guint8 *now, const gboolean want[TCG_NB_GLOBALS],
                       guint8 out[TCG_JIT_PINS])
{
    gboolean placed[TCG_NB_GLOBALS] = { FALSE };
    gboolean free_slot[TCG_JIT_PINS];
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        free_slot[i] = !want[now[i]];
        if (!free_slot[i]) {
            out[i] = now[i];
            placed[now[i]] = TRUE;
        }
    }
    guint slot = 0;
    for (guint r = 1; r < TCG_NB_GLOBALS; r++) {
        if (want[r] && !placed[r]) {
            while (!free_slot[slot]) {
                slot++;
            }
            out[slot] = (guint8)r;
            free_slot[slot] = FALSE;
        }
    }
}

/* The TCG_JIT_PINS registers with the most heat (a pinned one wins a
 * tie) into @want; FALSE unless those it would pin carry PIN_GAIN_PERCENT
 * more heat than those it would unpin, and enough of all (1/PIN_MIN_SHARE)
 * that the move is worth translating the code again. */
static gboolean better_pins(const TcgHart *hart, const guint8 *now,
                            gboolean want[TCG_NB_GLOBALS])
{
    gboolean pinned[TCG_NB_GLOBALS] = { FALSE };
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        pinned[now[i]] = TRUE;
    }
    for (guint n = 0; n < TCG_JIT_PINS; n++) {
        guint best = 0;
        for (guint r = 1; r < TCG_NB_GLOBALS; r++) {
            if (want[r]) {
                continue;
            }
            if (best == 0 || hart->pin_heat[r] > hart->pin_heat[best] ||
                (hart->pin_heat[r] == hart->pin_heat[best] && pinned[r] && !pinned[best])) {
                best = r;
            }
        }
        want[best] = TRUE;
    }
    guint64 in = 0, out = 0, all = 0;
    for (guint r = 1; r < TCG_NB_GLOBALS; r++) {
        all += hart->pin_heat[r];
        in += want[r] && !pinned[r] ? hart->pin_heat[r] : 0;
        out += pinned[r] && !want[r] ? hart->pin_heat[r] : 0;
    }
    return in * 100 > out * (100 + PIN_GAIN_PERCENT) && in * PIN_MIN_SHARE > all;
}

void tcg_pin_profile_sample(TcgHart *hart)
{
    const TcgBlock *tb = tcg_tb_jmp_cache_find(hart, hart->env.pc);
    if (tb != NULL) {
        for (guint r = 1; r < TCG_NB_GLOBALS; r++) {
            hart->pin_heat[r] += tb->reg_uses[r];
        }
    }
    hart->pin_samples++;
    if (hart->pin_samples % PIN_AGE_SAMPLES == 0) {
        for (guint r = 1; r < TCG_NB_GLOBALS; r++) {
            hart->pin_heat[r] /= 2;
        }
    }
    /* Each move waits twice as long as the last for the next decision. */
    guint since_move = hart->pin_samples - hart->pin_moved_samples;
    guint interval = PIN_DECIDE_SAMPLES << MIN(hart->stats.pin_moves, PIN_MAX_BACKOFF);
    if (since_move % interval != 0) {
        return;
    }
    /* A move throws every translation away: none while the hart is busy
     * translating (its heat says little about the code to come), nor while
     * the translations cost more than a tenth of the time they have served
     * since the last move. A kernel keeps running new code and its hot code
     * is a small part of what it translated (Linux on virt-1x4 translated
     * 2.2x the blocks of fixed pins, and booted slower, when its harts
     * moved as a benchmark's do); a benchmark's loops are translated in a
     * moment and run long. */
    guint64 recent = hart->stats.translate_ns - hart->pin_decided_translate_ns;
    guint64 window_ns = (guint64)interval * PIN_SAMPLE_MS * 1000000u;
    hart->pin_decided_translate_ns = hart->stats.translate_ns;
    if (recent * 100 > window_ns * PIN_BUSY_TRANSLATING_PERCENT) {
        return;
    }
    guint64 to_redo = hart->stats.translate_ns - hart->pin_moved_translate_ns;
    guint64 served_ns = (guint64)since_move * PIN_SAMPLE_MS * 1000000u;
    if (to_redo * 100 > served_ns * PIN_FLUSH_COST_PERCENT) {
        return;
    }
    const guint8 *now = tcg_jit_pins(hart);
    gboolean want[TCG_NB_GLOBALS] = { FALSE };
    if (!better_pins(hart, now, want)) {
        return;
    }
    guint8 pins[TCG_JIT_PINS];
    place_pins(now, want, pins);
    g_debug("hart %u: pins x%u x%u x%u x%u x%u x%u x%u", hart->config.hart_id, pins[0],
            pins[1], pins[2], pins[3], pins[4], pins[5], pins[6]);
    tcg_jit_set_pins(hart, pins);
    tcg_tb_flush(hart);
    hart->stats.pin_moves++;
    hart->pin_moved_translate_ns = hart->stats.translate_ns;
    hart->pin_moved_samples = hart->pin_samples;
}
