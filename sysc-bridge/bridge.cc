// SPDX-License-Identifier: MIT
// The Bridge module: harts' accesses from the link become b_transport calls
// on the ranges' initiator sockets, models' DMA becomes link DMA, models'
// interrupt signals become DeviceLine messages, ModelLine messages (gpio
// pins) become the inputs' signals; a pacer thread keeps SystemC
// time within a quantum of guest time and serves accesses while it waits.
#define SC_INCLUDE_DYNAMIC_PROCESSES /* sc_spawn for the interrupt lines */
#include <stdexcept>
#include <string.h>

#include "sysc-bridge/bridge-impl.h"

using namespace sc_core;

namespace shoal {

/* ---- time ---- */

/* Lets the models settle at the current time: a register write that lowers
 * an interrupt (a method, a signal, our line process: a few delta cycles)
 * must reach the PLIC before the hart's next access, or a level line would
 * fire once more; and at a quantum's end every event of that instant must
 * have sent its line before the quantum is reported done. Each line's
 * message goes out on the one connection, so it arrives first. */
static void settle_models()
{
    for (int i = 0; i < 64 && sc_pending_activity_at_current_time(); i++)
        wait(SC_ZERO_TIME);
}

TimeSync::TimeSync(IcDeviceLink *link, const CfgMachine *machine)
    : link_(link), quantum_ns_(machine->sysc_quantum_ns), deterministic_(machine->deterministic)
{
    /* For models with quantum keepers of their own. */
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time((double)quantum_ns_, SC_NS));
    /* Deterministic time starts at 0 with the harts; decoupled time is the
     * host clock's, and SystemC starts where it is now. */
    base_.start_ns = deterministic_ ? 0 : ic_device_link_guest_ns(link);
}

guint64 TimeSync::now_ns() const
{
    return base_.guest_ns(sc_time_stamp());
}

static void advance_to(guint64 from_ns, guint64 to_ns)
{
    if (to_ns > from_ns) {
        wait(sc_time((double)(to_ns - from_ns), SC_NS));
        settle_models();
    }
}

void TimeSync::catch_up()
{
    advance_to(now_ns(), ic_device_link_guest_ns(link_) + quantum_ns_);
}

guint64 TimeSync::next_event_ns() const
{
    if (!sc_pending_activity())
        return G_MAXUINT64;
    return now_ns() + (guint64)(sc_time_to_pending_activity() / sc_time(1, SC_NS));
}

guint64 TimeSync::idle_ns() const
{
    guint64 next = next_event_ns();
    if (next == G_MAXUINT64)
        return G_MAXUINT64;
    guint64 may_run_at = next > quantum_ns_ ? next - quantum_ns_ : 0;
    guint64 guest = ic_device_link_guest_ns(link_);
    return may_run_at > guest ? may_run_at - guest : 0;
}

void TimeSync::run_to(guint64 ns)
{
    advance_to(now_ns(), ns);
}

void TimeSync::skip_idle(guint64 until_ns)
{
    guint64 lines = ic_device_link_lines_sent(link_);
    while (now_ns() < until_ns && ic_device_link_lines_sent(link_) == lines) {
        guint64 next = MIN(next_event_ns(), until_ns);
        if (next == G_MAXUINT64)
            return; /* nothing will ever happen here: let the server ask again */
        /* The quantum holding the next event, whole: the grid stays. */
        guint64 boundary = (next + quantum_ns_ - 1) / quantum_ns_ * quantum_ns_;
        run_to(MAX(boundary, now_ns() + quantum_ns_));
    }
}

/* Decoupled: between accesses the pacer sleeps until the guest is a
 * quantum short of the next SystemC event, waking for messages. zmq_poll
 * counts in ms, so a wait shorter than that is slept in slices, looking
 * at the socket between them: an access waits at most a slice.
 * Deterministic: SystemC moves only on QuantumAdvance; the poll only bounds
 * how long the machine's end takes to notice. */
#define SHORT_SLEEP_SLICE_US 50
#define DETERMINISTIC_POLL_MS 100

int TimeSync::poll_ms()
{
    if (deterministic_)
        return DETERMINISTIC_POLL_MS;
    catch_up();
    idle_ns_ = idle_ns();
    return idle_ns_ >= 1000000 ? (int)MIN(idle_ns_ / 1000000, 20) : 0;
}

void TimeSync::nothing_came()
{
    if (!deterministic_ && idle_ns_ > 0 && idle_ns_ < 1000000)
        g_usleep(CLAMP(idle_ns_ / 1000, 1, SHORT_SLEEP_SLICE_US));
}

void TimeSync::before_access(guint64 guest_ns)
{
    if (deterministic_)
        /* The server lets SystemC stay behind while it has nothing to do:
         * to the start of the access's quantum, nothing happens on the way. */
        run_to(guest_ns / quantum_ns_ * quantum_ns_);
    else
        catch_up(); /* the poll may have slept past guest time */
}

void TimeSync::advance(const IcDeviceAdvance &a)
{
    if (!deterministic_) {
        g_warning("QuantumAdvance in decoupled time; ignored");
        return;
    }
    run_to(a.to_ns);
    if (a.idle_until_ns > a.to_ns)
        skip_idle(a.idle_until_ns);
    guint64 next = next_event_ns();
    ic_device_link_reached(link_, a.quantum, now_ns(), next == G_MAXUINT64 ? 0 : next);
}

sc_time TimeSync::access_delay(guint64 guest_ns) const
{
    guint64 now = now_ns();
    return deterministic_ && guest_ns > now ? sc_time((double)(guest_ns - now), SC_NS)
                                            : SC_ZERO_TIME;
}

/* ---- the module ---- */

Bridge::Impl::Range *Bridge::Impl::find(const std::string &name)
{
    for (auto &r : ranges)
        if (name == r.device->name)
            return &r;
    return nullptr;
}

Bridge::Bridge(sc_module_name name, std::unique_ptr<Impl> impl)
    : sc_module(name), dma("dma"), impl_(std::move(impl))
{
    const CfgMachine *m = impl_->machine;
    for (guint i = 0; i < m->n_devices; i++) {
        if (m->devices[i].type == CFG_DEVICE_SYSC) {
            Impl::Range r;
            r.device = &m->devices[i];
            for (guint j = 0; j < r.device->n_inputs; j++) {
                std::string n = "input_" + std::string(r.device->name) + "_" + std::to_string(j);
                r.inputs.push_back(std::make_unique<sc_signal<bool>>(n.c_str()));
            }
            impl_->ranges.push_back(std::move(r));
        }
    }
    impl_->sync = std::make_unique<TimeSync>(impl_->link, m);
    ic_device_link_set_line_fn(impl_->link, &Impl::line, impl_.get());
    dma.register_b_transport(this, &Bridge::dma_b_transport);
    dma.register_transport_dbg(this, &Bridge::dma_debug);
    SC_HAS_PROCESS(Bridge);
    SC_THREAD(pacer);
    shoal_sysc_register(*this);
}

Bridge::~Bridge() = default;

sc_time Bridge::quantum() const
{
    return sc_time((double)impl_->machine->sysc_quantum_ns, SC_NS);
}

void Bridge::keep(std::shared_ptr<void> object)
{
    impl_->adopted.push_back(std::move(object));
}

tlm::tlm_initiator_socket<> &Bridge::target(const std::string &name)
{
    Impl::Range *r = impl_->find(name);
    if (!r)
        throw std::invalid_argument("no [device." + name + "] of type sysc in the config");
    if (!r->socket) {
        int id = (int)(r - impl_->ranges.data());
        r->socket = std::make_unique<Impl::Socket>(("target_" + name).c_str());
        r->socket->register_invalidate_direct_mem_ptr(this, &Bridge::invalidate_dmi, id);
    }
    return *r->socket;
}

sc_in<bool> &Bridge::irq(const std::string &name)
{
    Impl::Range *r = impl_->find(name);
    if (!r || r->device->irq < 0)
        throw std::invalid_argument("no [device." + name + "] of type sysc with an irq");
    if (!r->irq) {
        r->irq = std::make_unique<sc_in<bool>>(("irq_" + name).c_str());
        sc_spawn_options opts;
        opts.spawn_method();
        opts.dont_initialize();
        opts.set_sensitivity(&r->irq->value_changed());
        size_t index = (size_t)(r - impl_->ranges.data());
        Impl *impl = impl_.get();
        sc_spawn(
            [impl, index] {
                Impl::Range &range = impl->ranges[index];
                bool level = range.irq->read();
                if (level != range.last_level) {
                    range.last_level = level;
                    ic_device_link_line(impl->link, (guint)range.device->irq, level);
                }
            },
            ("line_" + name).c_str(), &opts);
    }
    return *r->irq;
}

sc_signal<bool> &Bridge::input(const std::string &device, unsigned index)
{
    Impl::Range *r = impl_->find(device);
    if (!r || index >= r->inputs.size())
        throw std::invalid_argument("no input " + std::to_string(index) + " in [device." + device +
                                    "] inputs (of type sysc)");
    return *r->inputs[index];
}

unsigned Bridge::inputs(const std::string &device) const
{
    Impl::Range *r = impl_->find(device);
    return r ? (unsigned)r->inputs.size() : 0;
}

void Bridge::Impl::line(gpointer opaque, const CfgDevice *device, guint input, gboolean level,
                        guint64 guest_ns)
{
    Impl *impl = static_cast<Impl *>(opaque);
    impl->sync->before_access(guest_ns);
    Range *r = impl->find(device->name);
    g_assert(r && input < r->inputs.size()); /* the link checked it against the config */
    r->inputs[input]->write(level);
}

void Bridge::invalidate_dmi(int id, sc_dt::uint64 start, sc_dt::uint64 end)
{
    Impl::Range &r = impl_->ranges[(size_t)id];
    if (r.dmi_valid && start <= r.dmi.get_end_address() && end >= r.dmi.get_start_address())
        r.dmi_valid = false;
}

/* ---- harts' accesses ---- */

static bool dmi_covers(const tlm::tlm_dmi &dmi, guint64 off, unsigned size, bool is_write)
{
    return off >= dmi.get_start_address() && off + size - 1 <= dmi.get_end_address() &&
           (is_write ? dmi.is_write_allowed() : dmi.is_read_allowed());
}

void Bridge::Impl::serve_mmio(const IcDeviceMmio &m)
{
    Range *r = nullptr;
    for (auto &range : ranges)
        if (range.device == m.device)
            r = &range;
    if (!r || !r->socket) {
        ic_device_link_mmio_reply(link, m.txid, FALSE, 0);
        return;
    }
    /* A line the guest drove before this access (its ModelLine came
     * first) reaches the models before the access does. */
    settle();
    /* Little-endian guest, little-endian host: the value's bytes as is. */
    unsigned char data[8];
    unsigned char enables[8];
    guint64 value = m.is_write ? m.data : 0;
    memcpy(data, &value, sizeof data);
    memset(enables, TLM_BYTE_ENABLED, sizeof enables);
    if (r->dmi_valid && dmi_covers(r->dmi, m.offset, m.size, m.is_write)) {
        unsigned char *p = r->dmi.get_dmi_ptr() + (m.offset - r->dmi.get_start_address());
        if (m.is_write)
            memcpy(p, data, m.size);
        else
            memcpy(data, p, m.size);
        memcpy(&value, data, sizeof value);
        ic_device_link_mmio_reply(link, m.txid, TRUE, value);
        return;
    }
    tlm::tlm_generic_payload trans;
    trans.set_command(m.is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    trans.set_address(m.offset);
    trans.set_data_ptr(data);
    trans.set_data_length(m.size);
    trans.set_streaming_width(m.size);
    trans.set_byte_enable_ptr(enables);
    trans.set_byte_enable_length(m.size);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    /* What the model returns in it is not waited for: the hart has moved
     * on by the time SystemC could (decoupled), or is counted in
     * instructions (deterministic). */
    sc_time delay = sync->access_delay(m.guest_ns);
    (*r->socket)->b_transport(trans, delay);
    bool ok = trans.is_response_ok();
    if (!ok)
        g_debug("[device.%s] answered %s at +0x%" G_GINT64_MODIFIER "x: access fault",
                r->device->name, trans.get_response_string().c_str(), m.offset);
    memcpy(&value, data, sizeof value);
    if (m.size < 8)
        value &= (G_GUINT64_CONSTANT(1) << (8 * m.size)) - 1;
    settle();
    ic_device_link_mmio_reply(link, m.txid, ok, value);
    if (ok && trans.is_dmi_allowed()) {
        tlm::tlm_generic_payload probe;
        probe.set_command(m.is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        probe.set_address(m.offset);
        r->dmi.init();
        r->dmi_valid = (*r->socket)->get_direct_mem_ptr(probe, r->dmi);
    }
}

void Bridge::Impl::settle()
{
    settle_models();
}

void Bridge::Impl::ended()
{
    exit_code = ic_device_link_exit_code(link);
    sc_stop();
}

/* Serves what arrives; TimeSync keeps SystemC's time as the mode says. */
void Bridge::pacer()
{
    TimeSync &sync = *impl_->sync;
    for (;;) {
        IcDeviceMmio m;
        switch (ic_device_link_next(impl_->link, sync.poll_ms(), &m)) {
        case IC_DEVICE_LINK_MMIO:
            sync.before_access(m.guest_ns);
            impl_->serve_mmio(m);
            break;
        case IC_DEVICE_LINK_ADVANCE:
            sync.advance(ic_device_link_advance(impl_->link));
            break;
        case IC_DEVICE_LINK_SHUTDOWN:
        case IC_DEVICE_LINK_CLOSED:
            impl_->ended();
            return;
        case IC_DEVICE_LINK_NONE:
            sync.nothing_came();
            break;
        case IC_DEVICE_LINK_RESET: /* never sent: a machine with models does not reset */
            break;
        }
    }
}

/* ---- DMA ---- */

void Bridge::dma_b_transport(int id, tlm::tlm_generic_payload &trans, sc_time &delay)
{
    if (trans.get_byte_enable_ptr()) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (trans.get_streaming_width() < trans.get_data_length()) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND || trans.get_data_length() == 0) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    g_autoptr(GError) error = NULL;
    gboolean ok = ic_device_link_dma(impl_->link, trans.get_address(),
                                trans.get_command() == tlm::TLM_WRITE_COMMAND,
                                trans.get_data_ptr(), trans.get_data_length(), &error);
    if (!ok) {
        g_debug("DMA: %s", error->message);
        if (ic_device_link_ended(impl_->link)) {
            impl_->exit_code = ic_device_link_exit_code(impl_->link);
            sc_stop();
        }
    }
    trans.set_dmi_allowed(false);
    trans.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

unsigned Bridge::dma_debug(int id, tlm::tlm_generic_payload &trans)
{
    sc_time delay = SC_ZERO_TIME;
    dma_b_transport(id, trans, delay);
    return trans.is_response_ok() ? trans.get_data_length() : 0;
}

} // namespace shoal
