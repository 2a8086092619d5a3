/*  =========================================================================
    broker_config.h - the broker's configuration, between jbus sources

    What broker.c needs of broker_config.c beyond the public
    jb_broker_config_* functions of include/jbus/broker.h. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_BROKER_CONFIG_H_INCLUDED
#define JBUS_PRIVATE_BROKER_CONFIG_H_INCLUDED

#include "jbus.h"
#include "rules.h"

//  Fill error (may be NULL) with code, key as its attribute and the
//  formatted message, and return code. Like jb__error, but key is a
//  configuration key or a socket role (or NULL), which jb__error would
//  announce as a CloudEvents attribute in the message.
int
    jb__broker_error(jb_error_t *error, int code, const char *key, const char *format, ...)
    JB_PRINTF(4, 5);

//  Check config, filled in code or by jb_broker_config_set and _load,
//  before anything is bound: every field in range, an endpoint for the
//  frontend and backend, CURVE all or nothing, rules only with CURVE, no
//  inproc:// endpoint with CURVE. Returns 0, or JB_ECONFIG with error
//  naming the key.
int
    jb__broker_config_check(const jb_broker_config_t *config, jb_error_t *error);

//  The rules config holds (jb_broker_config_allow, a clients section),
//  NULL when none. Borrowed from config, valid until it is reset.
const jb__rules_t *
    jb__broker_config_rules(const jb_broker_config_t *config);

#endif
