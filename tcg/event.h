/* SPDX-License-Identifier: MIT */
/* TcgEvent: a one-shot wake-up whose set, reset and check cost no system
 * call unless a waiter really sleeps (QEMU's QemuEvent scheme). Safe work
 * uses it to tell a requester that every target hart is done; the node uses
 * it for harts waiting on the agent. */
#ifndef SHOAL_TCG_EVENT_H
#define SHOAL_TCG_EVENT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    gint value; /* (atomic) see event.c */
} TcgEvent;

void tcg_event_init(TcgEvent *ev);  /* not signalled */
void tcg_event_set(TcgEvent *ev);   /* any thread */
void tcg_event_reset(TcgEvent *ev); /* the waiter, before asking */
void tcg_event_wait(TcgEvent *ev);  /* blocks until set */

G_END_DECLS

#endif /* SHOAL_TCG_EVENT_H */
