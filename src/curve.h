/*  =========================================================================
    curve.h - CURVE between jbus sources: wiping secrets, server sockets

    The private side of curve.c; the public one is include/jbus/curve.h
    ("jbus/curve.h"). Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_CURVE_H_INCLUDED
#define JBUS_PRIVATE_CURVE_H_INCLUDED

#include <stddef.h>

#include "jbus.h"
#include "jbus/curve.h"

//  Overwrite size bytes at data with zeros, in a way the compiler keeps.
void
    jb__curve_wipe(void *data, size_t size);

//  Make socket (a libzmq handle, not yet bound) a CURVE server with the
//  secret key of cert, asking the ZAP handler about every peer under
//  domain. Returns 0, JB_EINVAL (a bad key) or JB_ESOCKET.
int
    jb__curve_server_apply(void *socket, const jb_curve_cert_t *cert, const char *domain,
                           jb_error_t *error);

#endif
