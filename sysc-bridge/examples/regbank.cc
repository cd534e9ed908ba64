// SPDX-License-Identifier: MIT
// A complete bridge program of your own: one SystemC model (a bank of
// scratch registers that also offers DMI, and raises its interrupt while
// register 0 is non-zero) on the range [device.regs] of regbank.conf.
// Build against an installed shoal (see Makefile):
//   g++ -std=c++17 regbank.cc $(pkg-config --cflags --libs shoal-sysc) -o regbank-bridge
#include <string.h>

#include <memory>

#include <shoal-sysc.h>
#include <tlm_utils/simple_target_socket.h>

class RegBank : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<RegBank> socket;
    sc_core::sc_out<bool> irq;

    explicit RegBank(sc_core::sc_module_name name) : sc_module(name), socket("socket"), irq("irq")
    {
        socket.register_b_transport(this, &RegBank::b_transport);
        socket.register_get_direct_mem_ptr(this, &RegBank::get_dmi);
        SC_HAS_PROCESS(RegBank);
        SC_METHOD(drive);
        sensitive << changed_;
    }

private:
    unsigned char regs_[256] = {};
    sc_core::sc_event changed_;

    void drive() { irq.write(regs_[0] != 0); }

    void b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay)
    {
        sc_dt::uint64 off = trans.get_address();
        unsigned len = trans.get_data_length();
        if (off + len > sizeof regs_) {
            trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (trans.is_write()) {
            memcpy(regs_ + off, trans.get_data_ptr(), len);
            changed_.notify(sc_core::SC_ZERO_TIME);
        } else {
            memcpy(trans.get_data_ptr(), regs_ + off, len);
        }
        trans.set_dmi_allowed(off != 0); /* register 0 has a side effect */
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
    }

    bool get_dmi(tlm::tlm_generic_payload &trans, tlm::tlm_dmi &dmi)
    {
        dmi.set_dmi_ptr(regs_ + 8);
        dmi.set_start_address(8);
        dmi.set_end_address(sizeof regs_ - 1);
        dmi.allow_read_write();
        return trans.get_address() >= 8;
    }
};

void shoal_sysc_register(shoal::Bridge &bridge)
{
    auto bank = std::make_unique<RegBank>("regs");
    auto line = std::make_unique<sc_core::sc_signal<bool>>("regs_irq");
    bridge.target("regs").bind(bank->socket);
    bank->irq(*line);
    bridge.irq("regs")(*line);
    bridge.adopt(std::move(bank));
    bridge.adopt(std::move(line));
}
