/* SPDX-License-Identifier: MIT */
/* An example SystemC peripheral: a ns counter (SystemC time) with a compare
 * interrupt and a pause input. Registers (4- or 8-byte accesses, aligned):
 *
 *   off   name     access  meaning
 *   0x00  COUNT    R       ns of SystemC time not spent paused (64 bits; +4
 *                          is the high half)
 *   0x08  COMPARE  RW      irq when COUNT >= COMPARE and ENABLE (64 bits)
 *   0x10  CTRL     RW      bit 0 ENABLE
 *   0x14  STATUS   R/W1C   bit 0 PENDING (the irq output's level),
 *                  R       bit 1 PAUSED (the pause input's level)
 *
 * While the `pause` input is high COUNT stands still, so no compare event
 * fires; it goes on from where it stopped when the input falls.
 * Anything else answers TLM_ADDRESS_ERROR_RESPONSE (an access fault). */
#ifndef SHOAL_SYSC_MODELS_TIMER_H
#define SHOAL_SYSC_MODELS_TIMER_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace shoal {

class TimerModel : public sc_core::sc_module {
public:
    explicit TimerModel(sc_core::sc_module_name name);
    tlm_utils::simple_target_socket<TimerModel> socket;
    sc_core::sc_out<bool> irq;
    sc_core::sc_in<bool> pause; /* bind to a low signal if nothing drives it */

private:
    sc_dt::uint64 compare_ = ~0ull;
    bool enabled_ = false;
    bool pending_ = false;
    bool paused_ = false;         /* pause's level as on_pause() last saw it */
    sc_core::sc_time paused_at_;  /* when the current pause began */
    sc_core::sc_time paused_for_; /* total of the pauses that ended */
    sc_core::sc_event reprogrammed_;
    sc_core::sc_event level_changed_; /* the irq port is written by drive() alone */

    void b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    void run();
    void drive();
    void on_pause();
    void set_pending(bool pending);
    sc_dt::uint64 count(const sc_core::sc_time &delay) const;
};

} // namespace shoal

#endif
