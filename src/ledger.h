/*  =========================================================================
    ledger.h - the broker's subscription ledger, between jbus sources

    Authorisation of subscriptions under CURVE, where the backend is an
    XPUB in manual mode: the ledger decides, for each message the broker
    reads from it, whether the subscription is granted on the connection
    it came from and whether publishers must hear of it, and keeps the
    record of who holds what that those decisions need. It touches no
    socket: the broker applies each decision. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_LEDGER_H_INCLUDED
#define JBUS_PRIVATE_LEDGER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "log_once.h"
#include "rules.h"

typedef struct jb__ledger jb__ledger_t;

//  What the broker does with one message read from the XPUB.
typedef struct {
    int option;         //  ZMQ_SUBSCRIBE or ZMQ_UNSUBSCRIBE: set it on the
                        //  XPUB with the prefix (the message after byte
                        //  0) before any other call on the XPUB; 0: none
    bool forward;       //  send the message on to the publishers: the first
                        //  subscription to its prefix, or the last
                        //  unsubscription from it
    bool refused;       //  a subscription refused (for stats.
                        //  forbidden_subscriptions); logged already
    bool notify;        //  publish a notice of the refusal on the
                        //  topic of the subscriber's key (refusal.h)
} jb__ledger_decision_t;

//  A new empty ledger that judges subscriptions by rules and logs
//  refusals once through refusals; both are borrowed and must outlive
//  it. NULL when out of memory.
jb__ledger_t *
    jb__ledger_new(const jb__rules_t *rules, jb__log_once_t *refusals);

//  Free the ledger and set *self_p to NULL; accepts NULL.
void
    jb__ledger_destroy(jb__ledger_t **self_p);

//  Decide the message of size bytes at data just read from the XPUB, whose
//  connection has user_id (NULL when libzmq attached none: an
//  unsubscription of a connection that ended): a subscription (byte 0 is
//  1, then the prefix) is granted when the subscriber's rule allows the
//  prefix, else refused and logged; an unsubscription (byte 0 is 0) is
//  undone likewise. A subscription to the connection's own key's notice
//  topic (refusal.h) is applied, not forwarded, not counted; to another
//  key's, nothing is done. Anything
//  else is not a subscription: it is logged, and refuses what follows
//  until jb__ledger_drained.
jb__ledger_decision_t
    jb__ledger_decide(jb__ledger_t *self, const void *data, size_t size, const char *user_id);

//  Tell the ledger that the XPUB had nothing more to read.
void
    jb__ledger_drained(jb__ledger_t *self);

//  The rules it borrows changed (a reload): each connection's rights are
//  looked up again, for its subscriptions from now on; those granted
//  already stay.
void
    jb__ledger_rules_changed(jb__ledger_t *self);

#endif
