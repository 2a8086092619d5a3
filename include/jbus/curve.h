/*  =========================================================================
    jbus/curve.h - CURVE keys and certificates for an authenticated bus

    ZeroMQ's CURVE mechanism (ZeroMQ RFC 26) authenticates and encrypts a
    connection with two key pairs: the broker's, whose public key every
    client must know in advance, and the client's, whose public key the
    broker must find among the certificates it allows. docs/security.md
    says how to set a bus up.

    A certificate is a small ZPL file in CZMQ's zcert format, so that
    certificates made with CZMQ's zcert or with `jbus keygen` work in both:

        curve
            public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
            secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

    The public certificate holds only public-key and may be handed out; the
    secret one (by convention the same name with "_secret" appended) holds
    both keys and must stay with its owner. Keys are 40 characters of Z85
    (ZeroMQ RFC 32) for 32 bytes.

    jb_curve_client_apply() turns a socket into a CURVE client of a broker;
    jb_publisher_new() and jb_subscriber_new() do it from their options.

    Example:
        jb_curve_cert_t cert;
        char server_key [JB_CURVE_KEY_SIZE];
        if (jb_curve_cert_load_secret(&cert, "work_tracking.cert_secret", &error) == 0
        &&  jb_curve_key_read("broker.cert", server_key, &error) == 0) {
            options.curve_server_key = server_key;
            options.curve_public_key = cert.public_key;
            options.curve_secret_key = cert.secret_key;
            publisher = jb_publisher_new(endpoint, &options, &error);
        }
        jb_curve_cert_clear(&cert);
    ========================================================================= */

#ifndef JBUS_CURVE_H_INCLUDED
#define JBUS_CURVE_H_INCLUDED

#include <stdbool.h>
#include "jbus/export.h"
#include "jbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  A key as text: 40 characters of Z85 and a NUL.
#define JB_CURVE_KEY_SIZE 41

//  A key pair, or a public key alone, as text. A plain value: copy it
//  freely, and wipe one that holds a secret key with jb_curve_cert_clear().
typedef struct {
    char public_key [JB_CURVE_KEY_SIZE];        //  Z85
    char secret_key [JB_CURVE_KEY_SIZE];        //  Z85, or "" when the
                                                //  certificate is public
} jb_curve_cert_t;

//  Fill cert with a new key pair. Returns 0, or JB_EINVAL when this libzmq
//  was built without CURVE (error says so).
JB_EXPORT int
    jb_curve_cert_generate(jb_curve_cert_t *cert, jb_error_t *error);

//  Read the certificate file at path into cert. Its public key is required,
//  its secret key optional (cert->secret_key is then ""); when both are
//  there they must belong together. Returns 0, JB_EIO when the file cannot
//  be read, or JB_EPARSE when it is not a certificate; the message names
//  the file and the problem, e.g.
//      certificate broker.cert: curve/public-key is not a CURVE key (40
//      characters of Z85)
//  On failure cert is cleared.
JB_EXPORT int
    jb_curve_cert_load(jb_curve_cert_t *cert, const char *path, jb_error_t *error);

//  Read a secret certificate, ours, at path into cert, as
//  jb_curve_cert_load, and refuse it unless it holds a secret key that
//  only its owner may read or change (no permission bit for its group or
//  others, e.g. mode 0600 as jb_curve_cert_save writes it): a secret key
//  others can read is no secret, so, as ssh does with a private key, it is
//  not used. Returns 0, JB_EIO or JB_EPARSE as jb_curve_cert_load (and
//  JB_EPARSE when the certificate holds no secret key), or JB_EINVAL for
//  its permissions, the message naming the file, its mode and the fix:
//      certificate broker_secret holds a secret key but is open to others
//      than its owner (mode 0644): run chmod 600 broker_secret
//  On failure cert is cleared.
JB_EXPORT int
    jb_curve_cert_load_secret(jb_curve_cert_t *cert, const char *path, jb_error_t *error);

//  Write cert to a new file at path: the public certificate, or with
//  secret the secret one (which cert must then hold), readable by its
//  owner only (mode 0600). name, when not NULL, goes into the metadata
//  for people reading the file. Never replaces a file: returns 0, JB_EIO
//  when path exists or cannot be written (nothing is left behind), or
//  JB_EINVAL when secret is asked of a public certificate.
JB_EXPORT int
    jb_curve_cert_save(const jb_curve_cert_t *cert, const char *path, const char *name,
                       bool secret, jb_error_t *error);

//  Overwrite both keys with zeros. Accepts NULL.
JB_EXPORT void
    jb_curve_cert_clear(jb_curve_cert_t *cert);

//  0 when text is a CURVE key: 40 characters of Z85 that decode to 32
//  bytes. Otherwise JB_EINVAL, with what is wrong in error.
JB_EXPORT int
    jb_curve_key_check(const char *text, jb_error_t *error);

//  A public key given as text or as a certificate: when key_or_path is a
//  key (40 characters of Z85), copy it into key; otherwise read the
//  certificate file it names and copy its public key (only that is read
//  from the file, even from a secret certificate). Returns 0, or
//  JB_EINVAL when it is neither, the message saying why the file would
//  not do.
JB_EXPORT int
    jb_curve_key_read(const char *key_or_path, char key [JB_CURVE_KEY_SIZE], jb_error_t *error);

//  The broker's public key for a client, as jb_curve_key_read, which also
//  says when the file given was a secret certificate: *secret_given_p is
//  true then, and false otherwise. Only the public key of such a file is
//  read; its secret key is not checked, copied or kept (the text read is
//  wiped). The secret certificate belongs with the broker alone, so the
//  caller should warn, naming the file, that the public one will do.
JB_EXPORT int
    jb_curve_server_key_read(const char *key_or_path, char key [JB_CURVE_KEY_SIZE],
                             bool *secret_given_p, jb_error_t *error);

//  Make socket (a zsock_t or a libzmq socket handle) a CURVE client of the
//  server whose public key is server_key, with the key pair public_key and
//  secret_key; call it before the socket connects. All three NULL leaves
//  the socket as it is (no CURVE) and returns 0. Otherwise all three must
//  be keys and the pair must belong together: a key pair without a server
//  key, or the reverse, is refused rather than silently left without
//  CURVE. Returns 0, or JB_EINVAL with the key at fault named (a bad or
//  missing key leaves the socket unchanged). The keys are borrowed: libzmq
//  keeps its own copy.
JB_EXPORT int
    jb_curve_client_apply(void *socket, const char *server_key, const char *public_key,
                          const char *secret_key, jb_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
