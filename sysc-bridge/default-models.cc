// SPDX-License-Identifier: MIT
// The built-in shoal-sysc-bridge: the example timer and DMA engine on the
// ranges configs/virt-sysc.conf names timer0 and dma0; the timer's pause
// input is timer0's input 0 (a gpio pin) if the config wires one.
#include <memory>

#include "sysc-bridge/models/dma.h"
#include "sysc-bridge/models/timer.h"
#include "sysc-bridge/shoal-sysc.h"

void shoal_sysc_register(shoal::Bridge &bridge)
{
    auto timer = std::make_unique<shoal::TimerModel>("timer0");
    auto timer_irq = std::make_unique<sc_core::sc_signal<bool>>("timer0_irq");
    bridge.target("timer0").bind(timer->socket);
    timer->irq(*timer_irq);
    bridge.irq("timer0")(*timer_irq);
    auto never_paused = std::make_unique<sc_core::sc_signal<bool>>("timer0_never_paused");
    if (bridge.inputs("timer0") > 0)
        timer->pause(bridge.input("timer0", 0));
    else
        timer->pause(*never_paused);

    auto dma = std::make_unique<shoal::DmaModel>("dma0");
    auto dma_irq = std::make_unique<sc_core::sc_signal<bool>>("dma0_irq");
    bridge.target("dma0").bind(dma->socket);
    dma->bus.bind(bridge.dma);
    dma->irq(*dma_irq);
    bridge.irq("dma0")(*dma_irq);

    bridge.adopt(std::move(timer));
    bridge.adopt(std::move(timer_irq));
    bridge.adopt(std::move(never_paused));
    bridge.adopt(std::move(dma));
    bridge.adopt(std::move(dma_irq));
}
