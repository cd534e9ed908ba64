// SPDX-License-Identifier: MIT
// The example DMA engine (see dma.h): one thread per engine waits for
// START, then reads and writes a chunk at a time over its bus socket.
#include "sysc-bridge/models/dma.h"

#include <string.h>

using namespace sc_core;

namespace shoal {

DmaModel::DmaModel(sc_module_name name)
    : sc_module(name), socket("socket"), bus("bus"), irq("irq")
{
    socket.register_b_transport(this, &DmaModel::b_transport);
    SC_HAS_PROCESS(DmaModel);
    SC_THREAD(run);
    SC_METHOD(drive);
    sensitive << level_changed_;
}

void DmaModel::drive()
{
    irq.write(irq_enable_ && (done_ || error_));
}

void DmaModel::update_irq()
{
    level_changed_.notify(SC_ZERO_TIME);
}

bool DmaModel::move(tlm::tlm_command cmd, sc_dt::uint64 addr, unsigned char *buf, unsigned len)
{
    tlm::tlm_generic_payload trans;
    sc_time delay = SC_ZERO_TIME;
    trans.set_command(cmd);
    trans.set_address(addr);
    trans.set_data_ptr(buf);
    trans.set_data_length(len);
    trans.set_streaming_width(len);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    bus->b_transport(trans, delay);
    wait(delay);
    return trans.is_response_ok();
}

void DmaModel::run()
{
    for (;;) {
        wait(start_);
        for (uint32_t done = 0; done < len_ && !error_;) {
            unsigned n = (unsigned)std::min<uint32_t>(CHUNK, len_ - done);
            if (!move(tlm::TLM_READ_COMMAND, src_ + done, buf_.data(), n) ||
                !move(tlm::TLM_WRITE_COMMAND, dst_ + done, buf_.data(), n))
                error_ = true;
            wait(sc_time(n, SC_NS));
            done += n;
        }
        busy_ = false;
        done_ = !error_;
        update_irq();
    }
}

void DmaModel::b_transport(tlm::tlm_generic_payload &trans, sc_time &delay)
{
    sc_dt::uint64 off = trans.get_address();
    unsigned len = trans.get_data_length();
    bool write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
    if ((len != 4 && len != 8) || (off & (len - 1)) || off + len > 0x1c ||
        (len == 8 && off >= 0x10)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    sc_dt::uint64 v = 0;
    memcpy(&v, trans.get_data_ptr(), len);
    if (off < 0x10) {
        sc_dt::uint64 &reg = off < 8 ? src_ : dst_;
        unsigned shift = (unsigned)(off & 7) * 8;
        sc_dt::uint64 mask = len == 8 ? ~0ull : 0xffffffffull << shift;
        if (write)
            reg = (reg & ~mask) | ((v << shift) & mask);
        else
            v = (reg & mask) >> shift;
    } else if (off == 0x10) {
        if (write)
            len_ = (uint32_t)v;
        else
            v = len_;
    } else if (off == 0x14) {
        if (write) {
            irq_enable_ = v & 2;
            if ((v & 1) && !busy_) {
                busy_ = true;
                done_ = error_ = false;
                start_.notify(SC_ZERO_TIME);
            }
            update_irq();
        } else {
            v = irq_enable_ ? 2 : 0;
        }
    } else { /* 0x18 STATUS */
        if (write) {
            if (v & 2)
                done_ = false;
            if (v & 4)
                error_ = false;
            update_irq();
        } else {
            v = (busy_ ? 1 : 0) | (done_ ? 2 : 0) | (error_ ? 4 : 0);
        }
    }
    if (!write)
        memcpy(trans.get_data_ptr(), &v, len);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

} // namespace shoal
