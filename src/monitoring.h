/*  =========================================================================
    monitoring.h - the broker's monitoring endpoint: HTTP, between jbus
    sources

    An HTTP server (libmicrohttpd, one thread of its own) that answers
    /varz, /connz, /subsz, /journalz and /metrics, and serves a status
    page at /; docs/monitoring.md says what each holds. The counters,
    connections and subscriptions come from the broker's actor, which it
    asks over an inproc socket, as the control endpoint is asked; the
    journal is read directly (LMDB readers may run in any thread). It never
    touches the forwarding path: a slow scraper costs its own thread.

    Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_MONITORING_H_INCLUDED
#define JBUS_PRIVATE_MONITORING_H_INCLUDED

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "jbus.h"
#include "journal.h"
#include "recorder.h"

typedef struct jb__monitoring jb__monitoring_t;

//  The shortest bearer token accepted.
#define JB__MONITORING_TOKEN_MIN 16

//  An address as --http takes it.
typedef struct {
    struct sockaddr_storage address;
    socklen_t size;
    bool loopback;              //  127.0.0.0/8 or ::1
} jb__monitoring_address_t;

//  Parse "PORT" (on 127.0.0.1), "HOST:PORT" or "[IPV6]:PORT", where HOST
//  is an IPv4 address, "localhost" or "*" (every interface), and PORT is
//  0 (a free one) to 65535. Returns 0, or JB_EINVAL with error saying why.
int
    jb__monitoring_address_parse(const char *text, jb__monitoring_address_t *address,
                                 jb_error_t *error);

//  What the endpoint serves.
typedef struct {
    const char *address;        //  as jb__monitoring_address_parse takes it
    const char *token;          //  the bearer token, or NULL or "" for none
    const char *actor;          //  the inproc endpoint of the actor's REP
    const char *config_json;    //  the config in use, a JSON object (copied)
    jb__journal_t *journal;     //  or NULL; borrowed, must outlive it
    const jb__recorder_counters_t *counters;    //  the journal's writer's
} jb__monitoring_options_t;

//  Start serving. Returns the endpoint, or NULL with error: JB_ESOCKET when
//  the address cannot be bound, JB_ENOMEM.
jb__monitoring_t *
    jb__monitoring_new(const jb__monitoring_options_t *options, jb_error_t *error);

//  Stop serving (the thread ends, requests under way are cut) and free
//  it; set *self_p to NULL; accepts NULL.
void
    jb__monitoring_destroy(jb__monitoring_t **self_p);

//  Where it listens, as bound: "127.0.0.1:8222" (a port of 0 made real).
const char *
    jb__monitoring_endpoint(const jb__monitoring_t *self);

#endif
