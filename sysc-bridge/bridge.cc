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

TimeSync::TimeSync(SyscLink *link, sc_time quantum) : link_(link), quantum_(quantum)
{
    tlm_utils::tlm_quantumkeeper::set_global_quantum(quantum);
    base_.start_ns = sysc_link_guest_ns(link);
    keeper_.reset();
}

guint64 TimeSync::ahead_ns() const
{
    guint64 sc = base_.guest_ns(keeper_.get_current_time());
    guint64 guest = sysc_link_guest_ns(link_);
    return sc > guest ? sc - guest : 0;
}

void TimeSync::consume(const sc_time &delay)
{
    keeper_.inc(delay);
}

void TimeSync::step()
{
    sc_time local = keeper_.get_local_time();
    if (local < quantum_)
        keeper_.inc(quantum_ - local);
    keeper_.sync();
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
    impl_->sync = std::make_unique<TimeSync>(impl_->link,
                                             sc_time((double)m->sysc_quantum_ns, SC_NS));
    sysc_link_set_line_fn(impl_->link, &Impl::line, impl_.get());
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
                    sysc_link_line(impl->link, (guint)range.device->irq, level);
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

void Bridge::Impl::line(gpointer opaque, const CfgDevice *device, guint input, gboolean level)
{
    Impl *impl = static_cast<Impl *>(opaque);
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

void Bridge::Impl::serve_mmio(const SyscMmio &m)
{
    Range *r = nullptr;
    for (auto &range : ranges)
        if (range.device == m.device)
            r = &range;
    if (!r || !r->socket) {
        sysc_link_mmio_reply(link, m.txid, FALSE, 0);
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
        sync->consume(m.is_write ? r->dmi.get_write_latency() : r->dmi.get_read_latency());
        sysc_link_mmio_reply(link, m.txid, TRUE, value);
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
    sc_time delay = SC_ZERO_TIME;
    (*r->socket)->b_transport(trans, delay);
    sync->consume(delay);
    bool ok = trans.is_response_ok();
    if (!ok)
        g_debug("[device.%s] answered %s at +0x%" G_GINT64_MODIFIER "x: access fault",
                r->device->name, trans.get_response_string().c_str(), m.offset);
    memcpy(&value, data, sizeof value);
    if (m.size < 8)
        value &= (G_GUINT64_CONSTANT(1) << (8 * m.size)) - 1;
    settle();
    sysc_link_mmio_reply(link, m.txid, ok, value);
    if (ok && trans.is_dmi_allowed()) {
        tlm::tlm_generic_payload probe;
        probe.set_command(m.is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        probe.set_address(m.offset);
        r->dmi.init();
        r->dmi_valid = (*r->socket)->get_direct_mem_ptr(probe, r->dmi);
    }
}

/* Handles what arrives within @timeout_ms; false once the machine ended
 * (the kernel is then stopped). */
/* Lets the models settle at the current time before the hart gets its
 * answer: a register write that lowers an interrupt (a method, a signal,
 * our line process: a few delta cycles) must reach the PLIC before the
 * hart's next access, or a level line would fire once more. The line's
 * message goes out first on the same connection, so it arrives first. */
void Bridge::Impl::settle()
{
    for (int i = 0; i < 64 && sc_pending_activity_at_current_time(); i++)
        sc_core::wait(SC_ZERO_TIME);
}

bool Bridge::serve(int timeout_ms)
{
    SyscMmio m;
    switch (sysc_link_next(impl_->link, timeout_ms, &m)) {
    case SYSC_LINK_NONE:
        return true;
    case SYSC_LINK_MMIO:
        impl_->serve_mmio(m);
        return true;
    case SYSC_LINK_SHUTDOWN:
    case SYSC_LINK_CLOSED:
        impl_->exit_code = sysc_link_exit_code(impl_->link);
        sc_stop();
        return false;
    }
    return true;
}

void Bridge::pacer()
{
    TimeSync &sync = *impl_->sync;
    for (;;) {
        /* Everything already queued, without waiting. */
        for (;;) {
            SyscMmio m;
            SyscLinkEvent ev = sysc_link_next(impl_->link, 0, &m);
            if (ev == SYSC_LINK_NONE)
                break;
            if (ev != SYSC_LINK_MMIO) {
                impl_->exit_code = sysc_link_exit_code(impl_->link);
                sc_stop();
                return;
            }
            impl_->serve_mmio(m);
        }
        /* Ahead of the guest: serve accesses until it catches up. */
        for (guint64 ahead; (ahead = sync.ahead_ns()) > 0;) {
            int ms = (int)MIN(ahead / 1000000, 20);
            if (!serve(ms))
                return;
            if (ms == 0)
                g_usleep(MAX(ahead / 1000, 1));
        }
        sync.step();
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
    gboolean ok = sysc_link_dma(impl_->link, trans.get_address(),
                                trans.get_command() == tlm::TLM_WRITE_COMMAND,
                                trans.get_data_ptr(), trans.get_data_length(), &error);
    if (!ok) {
        g_debug("DMA: %s", error->message);
        if (sysc_link_ended(impl_->link)) {
            impl_->exit_code = sysc_link_exit_code(impl_->link);
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
