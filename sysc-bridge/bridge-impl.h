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

#include "interconnect/device-link.h"
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

/* The time policy, one per machine ([sysc] time-mode):
 * - decoupled: guest time is the host clock. SystemC runs ahead of it by up
 *   to one quantum, never more, and models see every access with SystemC
 *   between the guest's time and a quantum after it. Between accesses the
 *   pacer sleeps until the guest is a quantum short of the next SystemC
 *   event, so an idle model costs nothing and a busy one no more than a
 *   kernel round per event.
 * - deterministic: guest time is counted in retired instructions; SystemC
 *   stays at the start of the harts' quantum while they run (an access
 *   carries the hart's time, which the model gets as b_transport's delay)
 *   and runs to its end when the server says every hart got there. */
class TimeSync {
public:
    TimeSync(IcDeviceLink *link, const CfgMachine *machine);
    const TimeBase &base() const { return base_; }
    /* The pacer's loop, one step at a time (pacer thread): */
    /* how long to wait for a message now; */
    int poll_ms();
    /* a hart's access (or gpio line) made at guest time @guest_ns (0 in
     * decoupled time) is about to reach the models; */
    void before_access(guint64 guest_ns);
    /* the server's QuantumAdvance (answered with QuantumReached); */
    void advance(const IcDeviceAdvance &advance);
    /* no message came within poll_ms. */
    void nothing_came();
    /* What a hart's access at guest time @guest_ns adds to SystemC now. */
    sc_core::sc_time access_delay(guint64 guest_ns) const;

private:
    IcDeviceLink *link_;
    guint64 quantum_ns_;
    bool deterministic_;
    TimeBase base_;
    guint64 idle_ns_ = 0; /* decoupled: as poll_ms last computed it */

    guint64 now_ns() const;
    /* Guest time of SystemC's next pending activity, G_MAXUINT64 none. */
    guint64 next_event_ns() const;
    /* SystemC to guest time @ns, settled. */
    void run_to(guint64 ns);
    /* Decoupled: SystemC to a quantum past guest time now. */
    void catch_up();
    /* Decoupled: guest ns until SystemC has something to do again. */
    guint64 idle_ns() const;
    /* Deterministic, all harts idle: on a quantum at a time up to @until_ns
     * while no model line moves, skipping quanta where nothing happens.
     * Stops at a quantum boundary. */
    void skip_idle(guint64 until_ns);
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

    Impl(const CfgMachine *machine, IcDeviceLink *link) : machine(machine), link(link) {}
    ~Impl()
    {
        while (!adopted.empty())
            adopted.pop_back();
    }

    const CfgMachine *machine;
    IcDeviceLink *link;                      /* owned by main */
    std::vector<Range> ranges;           /* one per sysc device */
    std::unique_ptr<TimeSync> sync;
    std::vector<std::shared_ptr<void>> adopted; /* freed last first */
    int exit_code = 0;

    Range *find(const std::string &name);
    /* The link's line function: a ModelLine's level onto its signal. */
    static void line(gpointer opaque, const CfgDevice *device, guint input, gboolean level,
                     guint64 guest_ns);
    /* Called on the pacer thread only (it waits for delta cycles). */
    void serve_mmio(const IcDeviceMmio &m);
    void settle();
    void ended();
};

} // namespace shoal

#endif /* SHOAL_SYSC_BRIDGE_IMPL_H */
