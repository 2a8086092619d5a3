/*  =========================================================================
    cmd_keygen.c - jbus keygen: make a CURVE key pair

        jbus keygen [--name NAME] [--force] FILE

    Writes the two certificates of a new key pair: FILE, the public one to
    hand out, and FILE_secret, the secret one for its owner only (mode
    0600), in CZMQ's zcert format. Prints the public key.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jbus.h"
#include "cmd.h"

#define s_NAME "keygen"

//  What jbus keygen appends to FILE for the secret certificate, as CZMQ's
//  zcert_save does.
#define s_SECRET_SUFFIX "_secret"

static void
s_print_help(void)
{
    printf(
        "Usage: jbus keygen [OPTIONS] FILE\n"
        "\n"
        "Make a new CURVE key pair and write it as two certificates (CZMQ's zcert\n"
        "format): FILE, the public certificate, and FILE" s_SECRET_SUFFIX ", the secret one,\n"
        "readable by its owner only. Print the public key on stdout.\n"
        "\n"
        "For the broker: give FILE" s_SECRET_SUFFIX " to jbus-broker --curve-cert and hand FILE\n"
        "(or the printed key) to every client as --curve-server. For a client: put\n"
        "FILE in the broker's curve_clients directory, name its key in the broker's\n"
        "rules, and give FILE" s_SECRET_SUFFIX " to the client as --curve-cert.\n"
        "\n"
        "Options:\n"
        "  -n, --name NAME   a name recorded in the certificates (default: FILE's name)\n"
        "  -f, --force       replace FILE and FILE" s_SECRET_SUFFIX " when they exist\n"
        "  -q, --quiet       do not print the public key\n"
        "  -h, --help        show this help and exit\n"
        "\n"
        "Exit codes:\n"
        "  0  both certificates were written\n"
        "  1  they could not be written (one exists, without --force; no such directory)\n"
        "  2  usage error\n"
        "\n"
        "Examples:\n"
        "  jbus keygen /etc/jbus/broker\n"
        "  jbus keygen --name work_tracking work_tracking.cert\n");
}

int
cmd_keygen(int argc, char **argv)
{
    static const struct option long_options [] = {
        { "name",  required_argument, NULL, 'n' },
        { "force", no_argument,       NULL, 'f' },
        { "quiet", no_argument,       NULL, 'q' },
        { "help",  no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *name = NULL;
    bool force = false, quiet = false;
    int option;
    while ((option = getopt_long(argc, argv, "n:fqh", long_options, NULL)) != -1) {
        switch (option) {
            case 'n': name = optarg; break;
            case 'f': force = true; break;
            case 'q': quiet = true; break;
            case 'h': s_print_help(); return CMD_EXIT_OK;
            default: return cmd_usage_hint(s_NAME);
        }
    }
    if (optind >= argc)
        return cmd_usage_error(s_NAME, "give the FILE to write (and FILE" s_SECRET_SUFFIX ")");
    if (optind + 1 < argc)
        return cmd_usage_error(s_NAME, "unexpected argument '%s'", argv[optind + 1]);
    const char *path = argv[optind];
    if (!*path)
        return cmd_usage_error(s_NAME, "FILE is empty");
    if (!name) {
        const char *slash = strrchr(path, '/');
        name = slash? slash + 1: path;
    }
    size_t size = strlen(path) + sizeof s_SECRET_SUFFIX;
    char *secret_path = (char *) malloc(size);
    if (!secret_path)
        return cmd_usage_error(s_NAME, "out of memory");
    snprintf(secret_path, size, "%s" s_SECRET_SUFFIX, path);

    jb_curve_cert_t cert;
    jb_error_t error;
    jb_error_clear(&error);
    int exit_code = CMD_EXIT_OK;
    if (jb_curve_cert_generate(&cert, &error))
        exit_code = CMD_EXIT_FAILURE;
    if (exit_code == CMD_EXIT_OK && force)
        for (int index = 0; index < 2; index++) {
            const char *target = index? secret_path: path;
            if (unlink(target) == -1 && errno != ENOENT) {
                jb_error_clear(&error);
                fprintf(stderr, "jbus " s_NAME ": cannot replace %s: %s\n", target,
                        strerror(errno));
                exit_code = CMD_EXIT_FAILURE;
                break;
            }
        }
    //  The secret first: should the public one fail, the secret one is
    //  taken back, and no half pair is left behind
    if (exit_code == CMD_EXIT_OK && jb_curve_cert_save(&cert, secret_path, name, true, &error))
        exit_code = CMD_EXIT_FAILURE;
    else
    if (exit_code == CMD_EXIT_OK && jb_curve_cert_save(&cert, path, name, false, &error)) {
        unlink(secret_path);
        exit_code = CMD_EXIT_FAILURE;
    }
    if (exit_code != CMD_EXIT_OK && error.code)
        fprintf(stderr, "jbus " s_NAME ": %s%s\n", error.message,
                strstr(error.message, strerror(EEXIST))? " (--force replaces it)": "");
    if (exit_code == CMD_EXIT_OK && !quiet)
        printf("%s\n", cert.public_key);
    jb_curve_cert_clear(&cert);
    free(secret_path);
    return exit_code;
}
