/*  =========================================================================
    heartbeat.h - the ZMTP heartbeat defaults of every jbus socket (private
    to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_HEARTBEAT_PRIVATE_H_INCLUDED
#define JBUS_HEARTBEAT_PRIVATE_H_INCLUDED

//  ZMTP heartbeats on every client socket, so that a broker that vanished
//  without closing TCP (a dead host, a half-open connection) is noticed and
//  the connection remade; the broker uses the same defaults.
#define JB__HEARTBEAT_IVL_MS     5000
#define JB__HEARTBEAT_TIMEOUT_MS 15000

#endif
