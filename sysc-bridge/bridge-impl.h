/* SPDX-License-Identifier: MIT */
/* What the bridge's C++ files share: the Bridge's private state over the C
 * link, and the one conversion between SystemC time and guest time. */
#ifndef SHOAL_SYSC_BRIDGE_IMPL_H
#define SHOAL_SYSC_BRIDGE_IMPL_H

#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "sysc-bridge/link.h"
#include "sysc-bridge/shoal-sysc.h"

namespace shoal {

/* SystemC time 0 is guest time @start_ns; both count ns. */
struct TimeBase {
    guint64 start_ns;
    guint64 guest_ns(const sc_core::sc_time &t) const
    {
        return start_ns + (guint64)(t / sc_core::sc_time(1, sc_core::SC_NS));
    }
};

/* The time policy: SystemC never runs more than one quantum ahead of guest
 * time (the pacer sleeps until the guest catches up) and catches up a
 * quantum at a time when it is behind, so models' events reach the guest
 * within a quantum plus the host's scheduling delay. */
class TimeSync {
public:
    TimeSync(SyscLink *link, sc_core::sc_time quantum);
    /* Nanoseconds SystemC is ahead of the guest (0 if behind). */
    guint64 ahead_ns() const;
    /* Time a model's access annotated (b_transport's delay). */
    void consume(const sc_core::sc_time &delay);
    /* Advances SystemC to the next quantum boundary (waits). */
    void step();
    const TimeBase &base() const { return base_; }

private:
    SyscLink *link_;
    sc_core::sc_time quantum_;
    TimeBase base_;
    tlm_utils::tlm_quantumkeeper keeper_;
};

struct Bridge::Impl {
    using Socket = tlm_utils::simple_initiator_socket_tagged<Bridge>;

    struct Range {
        const CfgDevice *device;
        std::unique_ptr<Socket> socket;
        std::unique_ptr<sc_core::sc_in<bool>> irq;
        bool last_level = false;
        tlm::tlm_dmi dmi;                   /* granted by the model, if any */
        bool dmi_valid = false;
        /* Lines the guest drives: one per `inputs` entry, written only by
         * the pacer (through the link's line function). */
        std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> inputs;
    };

    Impl(const CfgMachine *machine, SyscLink *link) : machine(machine), link(link) {}
    ~Impl()
    {
        while (!adopted.empty())
            adopted.pop_back();
    }

    const CfgMachine *machine;
    SyscLink *link;                      /* owned by main */
    std::vector<Range> ranges;           /* one per sysc device */
    std::unique_ptr<TimeSync> sync;
    std::vector<std::shared_ptr<void>> adopted; /* freed last first */
    int exit_code = 0;

    Range *find(const std::string &name);
    /* The link's line function: a ModelLine's level onto its signal. */
    static void line(gpointer opaque, const CfgDevice *device, guint input, gboolean level);
    /* Called on the pacer thread only (it waits for delta cycles). */
    void serve_mmio(const SyscMmio &m);
    void settle();
};

} // namespace shoal

#endif /* SHOAL_SYSC_BRIDGE_IMPL_H */
