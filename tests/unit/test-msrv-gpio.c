/* SPDX-License-Identifier: MIT */
/* Guest -> model lines in the memory server: the gpio's register semantics
 * (levels are output_en & output_val, input_val through input_en, the rest
 * of the block reads 0) and the bridge side's ModelLines: only changes, only
 * for wired pins, and every input's level at the bridge's Hello. */
#include "memory-server/internal.h"

static guint64 rd(MsrvGpio *g, guint64 off)
{
    guint64 v = 0xdead;
    g_assert_true(msrv_gpio_read(g, off, 4, &v));
    return v;
}

static void wr(MsrvGpio *g, guint64 off, guint64 v)
{
    g_assert_true(msrv_gpio_write(g, off, 4, v));
}

static void test_registers(void)
{
    g_autoptr(MsrvGpio) g = msrv_gpio_new();
    for (guint64 off = 0; off <= 0x40; off += 4)
        g_assert_cmphex(rd(g, off), ==, 0);
    g_assert_cmphex(msrv_gpio_levels(g), ==, 0);
    wr(g, 0x0c, 0x8000000f); /* output_val without output_en: nothing driven */
    g_assert_cmphex(msrv_gpio_levels(g), ==, 0);
    wr(g, 0x08, 0x80000003);
    g_assert_cmphex(msrv_gpio_levels(g), ==, 0x80000003);
    g_assert_cmphex(rd(g, 0x08), ==, 0x80000003);
    g_assert_cmphex(rd(g, 0x0c), ==, 0x8000000f);
    g_assert_cmphex(rd(g, 0x00), ==, 0); /* input_en clear */
    wr(g, 0x04, 0x80000001);
    g_assert_cmphex(rd(g, 0x04), ==, 0x80000001);
    g_assert_cmphex(rd(g, 0x00), ==, 0x80000001);
    wr(g, 0x00, 0); /* input_val is read-only */
    g_assert_cmphex(rd(g, 0x00), ==, 0x80000001);
    wr(g, 0x40, ~0u); /* out_xor: not modelled, no inversion */
    g_assert_cmphex(rd(g, 0x40), ==, 0);
    g_assert_cmphex(msrv_gpio_levels(g), ==, 0x80000003);
    wr(g, 0x08, 0);
    g_assert_cmphex(msrv_gpio_levels(g), ==, 0);
    /* Only aligned words inside the block. */
    guint64 v;
    static const struct {
        guint64 off;
        guint size;
    } bad[] = { { 0x00, 1 }, { 0x0c, 2 }, { 0x08, 8 }, { 0x02, 4 }, { 0x44, 4 }, { 0xffc, 4 } };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(msrv_gpio_read(g, bad[i].off, bad[i].size, &v));
        g_assert_false(msrv_gpio_write(g, bad[i].off, bad[i].size, 1));
    }
}

/* Driven low (an active-low line such as restart-pin asserted): output_en
 * set, output_val clear; a floating pin is not driven low. */
static void test_driven_low(void)
{
    g_autoptr(MsrvGpio) g = msrv_gpio_new();
    g_assert_cmphex(msrv_gpio_driven_low(g), ==, 0);
    wr(g, 0x0c, 1u << 10); /* high first, as Linux's gpio-restart sets it up */
    wr(g, 0x08, 1u << 10);
    g_assert_cmphex(msrv_gpio_driven_low(g), ==, 0);
    wr(g, 0x0c, 0);
    g_assert_cmphex(msrv_gpio_driven_low(g), ==, 1u << 10);
    wr(g, 0x08, 0);
    g_assert_cmphex(msrv_gpio_driven_low(g), ==, 0);
}

/* A snapshot loaded into a fresh gpio reads the same everywhere. */
static void test_snapshot(void)
{
    g_autoptr(MsrvGpio) a = msrv_gpio_new();
    g_autoptr(MsrvGpio) b = msrv_gpio_new();
    wr(a, 0x04, 0x80000011);
    wr(a, 0x08, 0x0000000f);
    wr(a, 0x0c, 0x80000005);
    Shoal__V1__GpioState st = SHOAL__V1__GPIO_STATE__INIT;
    msrv_gpio_save(a, &st);
    msrv_gpio_load(b, &st);
    for (guint64 off = 0; off <= 0x40; off += 4)
        g_assert_cmphex(rd(b, off), ==, rd(a, off));
    g_assert_cmphex(msrv_gpio_levels(b), ==, 0x5);
}

/* A ModelLine as the bridge would get it. */
typedef struct {
    guint peer;
    char *device;
    guint input;
    gboolean level;
} Sent;

static void on_send(gpointer opaque, guint peer, const IcEnvelope *env)
{
    GArray *sent = opaque;
    g_assert_cmpint(env->body_case, ==, SHOAL__V1__ENVELOPE__BODY_MODEL_LINE);
    Sent s = { peer, g_strdup(env->model_line->device), env->model_line->input,
               env->model_line->level };
    g_array_append_val(sent, s);
}

static void on_reply(gpointer opaque, guint peer, const IcEnvelope *env)
{
    g_assert_not_reached(); /* no hart's access in this test */
}

static void clear_sent(gpointer p)
{
    g_free(((Sent *)p)->device);
}

/* Checks that exactly @n lines went out since the last call, as @want. */
static void expect(GArray *sent, const Sent *want, guint n)
{
    g_assert_cmpuint(sent->len, ==, n);
    for (guint i = 0; i < n; i++) {
        const Sent *s = &g_array_index(sent, Sent, i);
        g_assert_cmpuint(s->peer, ==, 7);
        g_assert_cmpstr(s->device, ==, want[i].device);
        g_assert_cmpuint(s->input, ==, want[i].input);
        g_assert_cmpint(s->level, ==, want[i].level);
    }
    g_array_set_size(sent, 0);
}

static void test_bridge_lines(void)
{
    /* gpio0, gpio1, and model m with inputs gpio0:3, gpio1:3, gpio0:0. */
    CfgDeviceInput wires[] = { { 0, 3 }, { 1, 3 }, { 0, 0 } };
    CfgDevice devs[] = {
        { .name = "gpio0", .type = CFG_DEVICE_GPIO, .base = 0x1000, .size = 0x100, .irq = -1 },
        { .name = "gpio1", .type = CFG_DEVICE_GPIO, .base = 0x2000, .size = 0x100, .irq = -1 },
        { .name = "m", .type = CFG_DEVICE_SYSC, .base = 0x3000, .size = 0x100, .irq = -1,
          .n_inputs = G_N_ELEMENTS(wires), .inputs = wires },
    };
    CfgMachine m = { .path = "t.conf", .n_devices = G_N_ELEMENTS(devs), .devices = devs };
    g_autoptr(GArray) sent = g_array_new(FALSE, FALSE, sizeof(Sent));
    g_array_set_clear_func(sent, clear_sent);
    g_autoptr(MsrvBridge) b = msrv_bridge_new(&m, CFG_HOST_SYSC_BRIDGE, NULL, NULL, NULL, on_send,
                                              on_reply, sent);

    /* Before the Hello nothing goes out, but the levels are kept. */
    msrv_bridge_pins(b, 0, 1u << 3, 0);
    msrv_bridge_pins(b, 1, 1u << 0, 0); /* gpio1 pin 0 is wired to nothing */
    expect(sent, NULL, 0);
    msrv_bridge_hello(b, 7);
    const Sent at_hello[] = { { 7, "m", 0, TRUE }, { 7, "m", 1, FALSE }, { 7, "m", 2, FALSE } };
    expect(sent, at_hello, G_N_ELEMENTS(at_hello));

    /* After it, only the inputs whose pin changed. */
    msrv_bridge_pins(b, 0, 1u << 3, 0);
    expect(sent, NULL, 0);
    msrv_bridge_pins(b, 0, 1u << 3 | 1u << 0, 0);
    const Sent pin0[] = { { 7, "m", 2, TRUE } };
    expect(sent, pin0, 1);
    msrv_bridge_pins(b, 1, 1u << 3 | 1u << 5, 0);
    const Sent gpio1[] = { { 7, "m", 1, TRUE } };
    expect(sent, gpio1, 1);
    msrv_bridge_pins(b, 0, 0, 0);
    const Sent both[] = { { 7, "m", 0, FALSE }, { 7, "m", 2, FALSE } };
    expect(sent, both, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msrv/gpio/registers", test_registers);
    g_test_add_func("/msrv/gpio/driven-low", test_driven_low);
    g_test_add_func("/msrv/gpio/snapshot", test_snapshot);
    g_test_add_func("/msrv/gpio/bridge-lines", test_bridge_lines);
    return g_test_run();
}
