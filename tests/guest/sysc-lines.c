/* SPDX-License-Identifier: MIT */
/* A line the guest drives into a SystemC model (configs/virt-sysc.conf,
 * shoal only): gpio0 pin 0 is the timer's pause input. The pin is set before
 * the guest touches any model (so it may predate the bridge), then the
 * timer's COUNT must stand still while the pin is high, move once it falls,
 * follow output_en & output_val, and its compare interrupt must wait for the
 * release. Each access's answer comes after the model saw the line. No
 * times are printed: the output is the same on every run. */
#include "sysc.h"

#define NS_PER_TICK 100ull        /* virt.conf: 10 MHz mtime */
#define STILL_NS 3000000ull       /* 3 ms of guest time paused */
#define COMPARE_NS 1000000ull     /* 1 ms */
#define PATIENCE_NS 2000000000ull /* a loaded host may lag this much */

static volatile uint64_t irqs, count_at_irq;

static void spin_ns(uint64_t ns)
{
    uint64_t end = mtime() + ns / NS_PER_TICK;
    while (mtime() < end)
        ;
}

static int on_trap(GuestTrapFrame *f)
{
    if (f->mcause == (CAUSE_IRQ | IRQ_MEI)) {
        uint32_t id = rd32(PLIC_CLAIM(CTX_M(0)));
        if (id == TIMER_IRQ) {
            count_at_irq = rd64(TIMER_COUNT);
            wr32(TIMER_CTRL, 0);
            wr32(TIMER_STATUS, TIMER_PENDING);
            irqs++;
        }
        if (id)
            wr32(PLIC_CLAIM(CTX_M(0)), id);
        return 1;
    }
    return 0;
}

static void pin(uint32_t output_en, uint32_t output_val)
{
    wr32(GPIO_OUTPUT_VAL, output_val << GPIO_TIMER_PAUSE);
    wr32(GPIO_OUTPUT_EN, output_en << GPIO_TIMER_PAUSE);
}

static uint32_t paused(void)
{
    return (rd32(TIMER_STATUS) & TIMER_PAUSED) != 0;
}

/* COUNT differs from @from within PATIENCE_NS of guest time? */
static int count_moves(uint64_t from)
{
    uint64_t end = mtime() + PATIENCE_NS / NS_PER_TICK;
    while (mtime() < end) {
        if (rd64(TIMER_COUNT) != from)
            return 1;
    }
    return 0;
}

int main(void)
{
    guest_trap_hook = on_trap;
    pin(1, 1); /* before any access to the bridge's ranges */

    guest_puts("gpio registers\n");
    check_u64("  input_val without input_en", rd32(GPIO_INPUT_VAL), 0);
    wr32(GPIO_INPUT_EN, ~0u);
    check_u64("  input_val shows the driven pin", rd32(GPIO_INPUT_VAL), 1u << GPIO_TIMER_PAUSE);
    wr32(GPIO_INPUT_VAL, 0);
    check_u64("  input_val ignores writes", rd32(GPIO_INPUT_VAL), 1u << GPIO_TIMER_PAUSE);
    check_u64("  output_en reads back", rd32(GPIO_OUTPUT_EN), 1u << GPIO_TIMER_PAUSE);

    guest_puts("paused from the start\n");
    check_u64("  STATUS.PAUSED", paused(), 1);
    uint64_t c0 = rd64(TIMER_COUNT);
    spin_ns(STILL_NS);
    check_true("  COUNT stands still", rd64(TIMER_COUNT) == c0);

    guest_puts("released\n");
    pin(1, 0);
    check_u64("  STATUS.PAUSED", paused(), 0);
    check_true("  COUNT went on from where it stopped", rd64(TIMER_COUNT) >= c0);
    check_true("  COUNT moves", count_moves(c0));

    guest_puts("level is output_en & output_val\n");
    pin(0, 1);
    check_u64("  output_val alone does not pause", paused(), 0);
    pin(1, 1);
    check_u64("  output_en and output_val pause", paused(), 1);
    pin(0, 1);
    check_u64("  output_en cleared releases", paused(), 0);

    guest_puts("compare waits for the release\n");
    plic_route(TIMER_IRQ, 0);
    pin(1, 1);
    uint64_t frozen = rd64(TIMER_COUNT);
    uint64_t compare = frozen + COMPARE_NS;
    wr64(TIMER_COMPARE, compare);
    wr32(TIMER_CTRL, 1);
    spin_ns(STILL_NS);
    check_true("  COUNT still frozen", rd64(TIMER_COUNT) == frozen);
    check_u64("  no interrupt while paused", irqs, 0);
    check_u64("  nothing pending", rd32(TIMER_STATUS) & TIMER_PENDING, 0);
    pin(1, 0);
    wait_change(&irqs, 0);
    check_u64("  one interrupt after the release", irqs, 1);
    check_true("  not before COUNT reached COMPARE", count_at_irq >= compare);
    return check_finish();
}
