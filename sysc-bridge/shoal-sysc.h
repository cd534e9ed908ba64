/* SPDX-License-Identifier: MIT */
/* libshoal-sysc: SystemC TLM-2.0 models as devices of a shoal machine.
 * The user's program defines shoal_sysc_register(), which instantiates its
 * models and binds them to the Bridge; libshoal-sysc provides main(), talks
 * to the machine and runs the kernel. Build with
 *   g++ -std=c++17 my-models.cc $(pkg-config --cflags --libs shoal-sysc)
 * and name the program in the config: [sysc] program = ./my-bridge. */
#ifndef SHOAL_SYSC_H
#define SHOAL_SYSC_H

#include <memory>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace shoal {

/* The machine as SystemC sees it. Only the SystemC thread calls it. */
class Bridge : public sc_core::sc_module {
public:
    struct Impl;
    Bridge(sc_core::sc_module_name name, std::unique_ptr<Impl> impl);
    ~Bridge() override;

    /* The initiator socket of the range [device.NAME] (type sysc): bind a
     * model's target socket to it. Harts' accesses arrive as b_transport
     * with the address relative to the range's base, byte enables set for
     * the access's bytes, and a response status other than OK turns into an
     * access fault for the hart. A model may grant DMI for its registers.
     * Throws std::invalid_argument for a name the config does not have. */
    tlm::tlm_initiator_socket<> &target(const std::string &name);
    /* (Call target() and irq() only from shoal_sysc_register.) */

    /* The interrupt input of range NAME: the level of the model's signal
     * drives the PLIC source that the range's `irq` key names. Throws
     * std::invalid_argument if the range has no irq. */
    sc_core::sc_in<bool> &irq(const std::string &name);

    /* Input INDEX of range DEVICE, a line the guest drives: entry INDEX of
     * the range's `inputs` key names a gpio pin, and this signal follows
     * the pin's level (output_en & output_val), low until told otherwise.
     * Bind a model's sc_in<bool> to it; only the bridge writes it, on the
     * pacer thread (where accesses are served too), and the models settle
     * on a new level before the next access is served, so a register read
     * after the guest's pin write sees the model's reaction. A level the
     * guest set before the bridge came up arrives first thing. Throws
     * std::invalid_argument if the config gives DEVICE fewer inputs. */
    sc_core::sc_signal<bool> &input(const std::string &device, unsigned index);
    /* How many inputs the config gives range DEVICE (0: none, or no such
     * range), for models whose input is optional. */
    unsigned inputs(const std::string &device) const;

    /* Models' DMA into guest memory: bind initiator sockets here (any
     * number). Every access is coherent with the harts: a write takes the
     * pages from every node first, so stale copies and translated code are
     * dropped; a read sees the newest data. No DMI: guest RAM is in another
     * process and each write must go through the coherence directory. */
    tlm_utils::multi_passthrough_target_socket<Bridge, 32, tlm::tlm_base_protocol_types, 0,
                                               sc_core::SC_ZERO_OR_MORE_BOUND>
        dma;

    /* The configured quantum: SystemC time and guest time stay this close. */
    sc_core::sc_time quantum() const;

    /* Keeps @object (a model, a signal) alive as long as the bridge;
     * objects go in the reverse order of adoption. */
    template <class T> void adopt(std::unique_ptr<T> object)
    {
        keep(std::shared_ptr<void>(std::move(object)));
    }

private:
    std::unique_ptr<Impl> impl_;
    void dma_b_transport(int id, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    unsigned dma_debug(int id, tlm::tlm_generic_payload &trans);
    void keep(std::shared_ptr<void> object);
    void pacer();
    void invalidate_dmi(int id, sc_dt::uint64 start, sc_dt::uint64 end);
};

} // namespace shoal

/* Defined by the user's program: instantiate models and bind them. Called
 * once, from inside the Bridge's constructor (so models created here are
 * its children, "shoal.NAME"), before the kernel starts. A range that no
 * model took answers every access with an access fault. */
void shoal_sysc_register(shoal::Bridge &bridge);

#endif /* SHOAL_SYSC_H */
