// SPDX-License-Identifier: MIT
// The example timer (see timer.h): one thread sleeps until the compare time
// or until the guest reprograms or pauses it, then raises the interrupt.
#include "sysc-bridge/models/timer.h"

#include <string.h>

using namespace sc_core;

namespace shoal {

TimerModel::TimerModel(sc_module_name name)
    : sc_module(name), socket("socket"), irq("irq"), pause("pause")
{
    socket.register_b_transport(this, &TimerModel::b_transport);
    SC_HAS_PROCESS(TimerModel);
    SC_THREAD(run);
    SC_METHOD(drive);
    sensitive << level_changed_;
    SC_METHOD(on_pause);
    sensitive << pause;
    dont_initialize();
}

/* The counter stands still while paused: the time paused is taken off. */
void TimerModel::on_pause()
{
    bool level = pause.read();
    if (level == paused_)
        return;
    paused_ = level;
    if (level)
        paused_at_ = sc_time_stamp();
    else
        paused_for_ += sc_time_stamp() - paused_at_;
    reprogrammed_.notify();
}

void TimerModel::drive()
{
    irq.write(pending_);
}

void TimerModel::set_pending(bool pending)
{
    pending_ = pending;
    level_changed_.notify(SC_ZERO_TIME);
}

sc_dt::uint64 TimerModel::count(const sc_time &delay) const
{
    sc_time running = (paused_ ? paused_at_ : sc_time_stamp() + delay) - paused_for_;
    return (sc_dt::uint64)(running / sc_time(1, SC_NS));
}

void TimerModel::run()
{
    for (;;) {
        sc_dt::uint64 now = count(SC_ZERO_TIME);
        if (paused_) {
            wait(reprogrammed_); /* a resume notifies it too */
        } else if (enabled_ && now >= compare_) {
            if (!pending_)
                set_pending(true);
            wait(reprogrammed_);
        } else if (enabled_) {
            wait(sc_time((double)(compare_ - now), SC_NS), reprogrammed_);
        } else {
            wait(reprogrammed_);
        }
    }
}

void TimerModel::b_transport(tlm::tlm_generic_payload &trans, sc_time &delay)
{
    sc_dt::uint64 off = trans.get_address();
    unsigned len = trans.get_data_length();
    unsigned char *p = trans.get_data_ptr();
    bool write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
    if ((len != 4 && len != 8) || (off & (len - 1)) || off + len > 0x18 ||
        (len == 8 && off >= 0x10)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    sc_dt::uint64 v = 0;
    memcpy(&v, p, len);
    sc_dt::uint64 reg_off = off & ~7ull; /* 64-bit register holding off */
    unsigned shift = (unsigned)(off - reg_off) * 8;
    if (off < 0x10) {
        sc_dt::uint64 *reg = reg_off == 0 ? nullptr : &compare_;
        /* A read at the initiator's local time (deterministic time gives
         * the hart's): the counter it would see there. */
        sc_dt::uint64 cur = reg ? *reg : count(delay);
        if (write) {
            if (!reg) {
                trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
                return;
            }
            sc_dt::uint64 mask = len == 8 ? ~0ull : 0xffffffffull << shift;
            *reg = (cur & ~mask) | ((v << shift) & mask);
            reprogrammed_.notify();
        } else {
            v = len == 8 ? cur : (cur >> shift) & 0xffffffffull;
        }
    } else if (off == 0x10) {
        if (write) {
            enabled_ = v & 1;
            reprogrammed_.notify();
        } else {
            v = enabled_;
        }
    } else { /* 0x14 STATUS */
        if (write) {
            if (v & 1 && pending_) {
                set_pending(false);
                reprogrammed_.notify();
            }
        } else {
            v = (pending_ ? 1u : 0u) | (paused_ ? 2u : 0u);
        }
    }
    if (!write)
        memcpy(p, &v, len);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

} // namespace shoal
