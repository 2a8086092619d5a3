/*  =========================================================================
    guard.h - the broker's security, between jbus sources

    With CURVE, the broker's actor owns one guard: the rules, the ZAP
    handler (zap.h, who may connect), the subscription ledger (ledger.h,
    who may subscribe to what) and the publish rule (who may publish
    what), with the set of refusals logged that they share. Each decides;
    the broker does the I/O on its sockets and the counting. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_GUARD_H_INCLUDED
#define JBUS_PRIVATE_GUARD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#include "jbus.h"
#include "ledger.h"
#include "rules.h"
#include "zap.h"

typedef struct jb__guard jb__guard_t;

//  Copy rules (may be NULL: no client may publish or subscribe) and start
//  the ZAP handler (see jb__zap_new for cert_path and clients_dir).
//  Returns the guard, or NULL with error as jb__zap_new, or JB_ENOMEM.
jb__guard_t *
    jb__guard_new(const char *cert_path, const char *clients_dir, const jb__rules_t *rules,
                  jb_error_t *error);

//  Unbind the ZAP handler and free the guard; set *self_p to NULL;
//  accepts NULL. Destroy it only after every socket it secured is closed:
//  libzmq lets any key in when no handler answers.
void
    jb__guard_destroy(jb__guard_t **self_p);

//  The ZAP handler and the subscription ledger, borrowed, valid until the
//  guard is destroyed.
jb__zap_t *
    jb__guard_zap(jb__guard_t *self);
jb__ledger_t *
    jb__guard_ledger(jb__guard_t *self);
//  The rules, borrowed likewise; they never change, so other threads (the
//  replay's) may read them while the guard lives.
const jb__rules_t *
    jb__guard_rules(jb__guard_t *self);

//  A summary for the log: "3 client certificates in DIR, 2 rules".
void
    jb__guard_describe(jb__guard_t *self, char *buffer, size_t capacity);

//  A reload: the rules become *rules_p's (taken; the old ones freed), for
//  handshakes, publishing and subscriptions from now on, and the clients
//  directory is read again.
void
    jb__guard_reload(jb__guard_t *self, jb__rules_t **rules_p);

//  True when the message whose frame 0 is first (received from the
//  frontend) may be forwarded: its publisher's rule lets it publish the
//  topic. Otherwise logs the first refusal of each client and returns
//  false: the broker drops the message and counts it.
bool
    jb__guard_may_publish(jb__guard_t *self, zmq_msg_t *first);

#endif
