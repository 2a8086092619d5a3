/*  =========================================================================
    jbus.h - the jbus library: CloudEvents v1.0 over a ZeroMQ pub/sub bus

    Include this one header to get every module.
    ========================================================================= */

#ifndef JBUS_H_INCLUDED
#define JBUS_H_INCLUDED

#define JBUS_VERSION_MAJOR 0
#define JBUS_VERSION_MINOR 1
#define JBUS_VERSION_PATCH 0
#define JBUS_MAKE_VERSION(major, minor, patch) ((major) * 10000 + (minor) * 100 + (patch))
#define JBUS_VERSION \
    JBUS_MAKE_VERSION(JBUS_VERSION_MAJOR, JBUS_VERSION_MINOR, JBUS_VERSION_PATCH)

#include "jbus/export.h"
#include "jbus/error.h"
#include "jbus/timestamp.h"
#include "jbus/duration.h"
#include "jbus/log.h"
#include "jbus/uri.h"
#include "jbus/media_type.h"
#include "jbus/event.h"
#include "jbus/batch.h"
#include "jbus/json.h"
#include "jbus/message.h"
#include "jbus/publisher.h"
#include "jbus/filter.h"
#include "jbus/subscriber.h"
#include "jbus/event_type.h"
#include "jbus/domain_event.h"
#include "jbus/converter.h"
#include "jbus/curve.h"
#include "jbus/broker.h"

#endif
