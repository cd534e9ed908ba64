/* SPDX-License-Identifier: MIT */
/* An example SystemC DMA engine: copies guest memory to guest memory
 * through its initiator socket (bound to the Bridge's dma socket), then
 * raises its completion interrupt. Registers (aligned 4/8-byte accesses):
 *
 *   off   name    access  meaning
 *   0x00  SRC     RW      source guest physical address (64 bits)
 *   0x08  DST     RW      destination guest physical address (64 bits)
 *   0x10  LEN     RW      bytes to copy (32 bits)
 *   0x14  CTRL    W       bit 0 START, bit 1 IRQ_ENABLE (reads back IRQ_ENABLE)
 *   0x18  STATUS  R/W1C   bit 0 BUSY (read only), bit 1 DONE, bit 2 ERROR
 *
 * The interrupt is DONE or ERROR while IRQ_ENABLE. A copy moves CHUNK bytes
 * at a time (a read, which waits for its round trip, then a posted write;
 * the bridge sends each as 64 KiB messages, all in flight together) and
 * takes 1 ns per byte of SystemC time. START while BUSY is
 * ignored; a bus error stops the copy with ERROR. */
#ifndef SHOAL_SYSC_MODELS_DMA_H
#define SHOAL_SYSC_MODELS_DMA_H

#include <stdint.h>

#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace shoal {

class DmaModel : public sc_core::sc_module {
public:
    explicit DmaModel(sc_core::sc_module_name name);
    tlm_utils::simple_target_socket<DmaModel> socket; /* registers */
    tlm_utils::simple_initiator_socket<DmaModel> bus; /* guest memory */
    sc_core::sc_out<bool> irq;

    static constexpr unsigned CHUNK = 262144; /* 4 x IC_MAX_DMA */

private:
    sc_dt::uint64 src_ = 0, dst_ = 0;
    uint32_t len_ = 0;
    bool irq_enable_ = false, busy_ = false, done_ = false, error_ = false;
    /* run()'s chunk; a member, as the thread's stack is never unwound (at
     * the end of the simulation a local would leak). */
    std::vector<unsigned char> buf_ = std::vector<unsigned char>(CHUNK);
    sc_core::sc_event start_;
    sc_core::sc_event level_changed_; /* the irq port is written by drive() alone */

    void b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    void run();
    bool move(tlm::tlm_command cmd, sc_dt::uint64 addr, unsigned char *buf, unsigned len);
    void update_irq();
    void drive();
};

} // namespace shoal

#endif
