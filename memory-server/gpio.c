/* SPDX-License-Identifier: MIT */
/* The pin registers of SiFive's GPIO0 block (compatible "sifive,gpio0"): 32
 * pins the guest drives; a pin's level is output_en & output_val, and the
 * server routes a level that changed to the sysc model input it is wired to
 * (the config's `inputs`), and a restart-pin driven low to a machine reset.
 * Nothing outside drives the pins in this subset. */
#include "memory-server/internal.h"

/* Register offsets as SiFive's GPIO0 lays them out (and QEMU's
 * sifive_gpio, Linux's gpio-sifive use them). */
#define GPIO_INPUT_VAL 0x00
#define GPIO_INPUT_EN 0x04
#define GPIO_OUTPUT_EN 0x08
#define GPIO_OUTPUT_VAL 0x0c
/* pue, ds, the rise/fall/high/low interrupt registers, iof_en, iof_sel and
 * out_xor follow up to here: they read 0 and ignore writes (no pulls, no
 * pin interrupts, no inversion in this subset), so a driver that clears
 * them at probe still works. */
#define GPIO_LAST_REG 0x40

struct MsrvGpio {
    guint32 input_en;   /* pins whose level input_val shows */
    guint32 output_en;  /* pins the guest drives */
    guint32 output_val; /* the level a driven pin has */
};

MsrvGpio *msrv_gpio_new(void)
{
    return g_new0(MsrvGpio, 1); /* reset: nothing driven, every pin low */
}

void msrv_gpio_free(MsrvGpio *gpio)
{
    g_free(gpio);
}

guint32 msrv_gpio_levels(const MsrvGpio *gpio)
{
    return gpio->output_en & gpio->output_val;
}

guint32 msrv_gpio_driven_low(const MsrvGpio *gpio)
{
    return gpio->output_en & ~gpio->output_val;
}

static gboolean reg_ok(guint64 off, guint size)
{
    return size == 4 && (off & 3) == 0 && off <= GPIO_LAST_REG;
}

gboolean msrv_gpio_read(MsrvGpio *gpio, guint64 off, guint size, guint64 *value)
{
    if (!reg_ok(off, size))
        return FALSE;
    switch (off) {
    case GPIO_INPUT_VAL:
        *value = msrv_gpio_levels(gpio) & gpio->input_en;
        break;
    case GPIO_INPUT_EN:
        *value = gpio->input_en;
        break;
    case GPIO_OUTPUT_EN:
        *value = gpio->output_en;
        break;
    case GPIO_OUTPUT_VAL:
        *value = gpio->output_val;
        break;
    default:
        *value = 0;
        break;
    }
    return TRUE;
}

gboolean msrv_gpio_write(MsrvGpio *gpio, guint64 off, guint size, guint64 value)
{
    if (!reg_ok(off, size))
        return FALSE;
    switch (off) {
    case GPIO_INPUT_EN:
        gpio->input_en = (guint32)value;
        break;
    case GPIO_OUTPUT_EN:
        gpio->output_en = (guint32)value;
        break;
    case GPIO_OUTPUT_VAL:
        gpio->output_val = (guint32)value;
        break;
    default: /* input_val is read-only; the rest is not modelled */
        break;
    }
    return TRUE;
}

void msrv_gpio_save(const MsrvGpio *gpio, Shoal__V1__GpioState *out)
{
    out->input_en = gpio->input_en;
    out->output_en = gpio->output_en;
    out->output_val = gpio->output_val;
}

void msrv_gpio_load(MsrvGpio *gpio, const Shoal__V1__GpioState *state)
{
    gpio->input_en = state->input_en;
    gpio->output_en = state->output_en;
    gpio->output_val = state->output_val;
}
