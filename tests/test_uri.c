/*  =========================================================================
    test_uri.c - RFC 3986 syntax checks for the CloudEvents URI types
    ========================================================================= */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "jbus/uri.h"

//  One row of a table: the text and whether it is an absolute-URI
//  (dataschema) and a URI-reference (source).
typedef struct {
    const char *text;
    bool absolute;
    bool reference;
} uri_case_t;

//  --------------------------------------------------------------------------
//  Run a table and report every row that disagrees, not just the first,
//  so one run shows the whole picture.

static void
s_check_table(const uri_case_t *cases, size_t count)
{
    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        const char *text = cases[i].text;
        bool absolute = jb_uri_is_absolute(text, strlen(text));
        bool reference = jb_uri_is_reference(text, strlen(text));
        if (absolute != cases[i].absolute) {
            print_error("\"%s\": absolute is %d, expected %d\n",
                        text, absolute, cases[i].absolute);
            failures++;
        }
        if (reference != cases[i].reference) {
            print_error("\"%s\": reference is %d, expected %d\n",
                        text, reference, cases[i].reference);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

#define CHECK_TABLE(cases) s_check_table(cases, sizeof(cases) / sizeof(cases[0]))


//  --------------------------------------------------------------------------
//  How an event codec uses the module: `source` must be a URI-reference,
//  `dataschema` an absolute URI. Both take a span, so a value can be
//  checked where it lies in a received buffer.

static void
test_uri_checks_cloudevents_source_and_dataschema(void **state)
{
    (void) state;
    const char *source = "/sensors/tn-1234567/alerts";
    assert_true(jb_uri_is_reference(source, strlen(source)));
    //  A relative reference is fine as a source but not as a schema
    assert_false(jb_uri_is_absolute(source, strlen(source)));

    const char *dataschema = "https://cloudevents.io/dataschema";
    assert_true(jb_uri_is_absolute(dataschema, strlen(dataschema)));
    //  Every absolute URI is also a reference
    assert_true(jb_uri_is_reference(dataschema, strlen(dataschema)));

    const char *broken = "https://cloudevents.io/data schema";
    assert_false(jb_uri_is_absolute(broken, strlen(broken)));
    assert_false(jb_uri_is_reference(broken, strlen(broken)));
}


//  --------------------------------------------------------------------------

static void
test_absolute_uri_accepts_common_schemes(void **state)
{
    (void) state;
    static const uri_case_t cases[] = {
        { "https://cloudevents.io", true, true },
        { "https://cloudevents.io/dataschema", true, true },
        { "mailto:cncf-wg-serverless@lists.cncf.io", true, true },
        { "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", true, true },
        { "urn:event:from:myapi/resource/123", true, true },
        { "http://[::1]:8080/x", true, true },
        { "http://user:pw@host:80/p?q=1", true, true },
        { "http://example.com", true, true },
        { "http://example.com/", true, true },
        { "http://example.com:/", true, true },         //  port may be empty
        { "http://example.com?", true, true },
        { "http://example.com/a/b/c?x=1&y=2", true, true },
        { "http://example.com/a//b", true, true },
        { "http://192.168.0.1:8080/", true, true },
        { "http://999.1.1.1/", true, true },            //  a reg-name
        { "http://@host/", true, true },                //  empty userinfo
        { "http://", true, true },                      //  empty reg-name
        { "http:", true, true },                        //  path-empty
        { "http:/p", true, true },                      //  path-absolute
        { "http:p:q", true, true },                     //  path-rootless
        { "file:///etc/hosts", true, true },
        { "ftp://ftp.is.co.za/rfc/rfc1808.txt", true, true },
        { "ldap://[2001:db8::7]/c=GB?objectClass?one", true, true },
        { "news:comp.infosystems.www.servers.unix", true, true },
        { "tel:+1-816-555-1212", true, true },
        { "telnet://192.0.2.16:80/", true, true },
        { "urn:oasis:names:specification:docbook:dtd:xml:4.1.2", true, true },
        { "coap+tcp://example.com", true, true },
        { "a.b-c+d:x", true, true },
        { "HTTP://EXAMPLE.COM/%7Efoo", true, true },
        { "http://example.com/%7e%2F", true, true },
        { "http://example.com/!$&'()*+,;=:@-._~", true, true },
        { "http://example.com/?/?:@!$&'()*+,;=", true, true },
        { "http://a!$&'()*+,;=-._~%20:b@h!$&'()*+,;=-._~%41/", true, true },
        { "tag:example.com,2024:event", true, true },
    };
    CHECK_TABLE(cases);
}


//  --------------------------------------------------------------------------

static void
test_absolute_uri_rejects_fragment(void **state)
{
    (void) state;
    static const uri_case_t cases[] = {
        { "https://x/#f", false, true },
        { "https://cloudevents.io#", false, true },
        { "urn:x#y", false, true },
        { "http://x/?q#f", false, true },
        { "http://x/#f?g/h", false, true },
    };
    CHECK_TABLE(cases);
}


//  --------------------------------------------------------------------------

static void
test_absolute_uri_rejects_relative_references(void **state)
{
    (void) state;
    static const uri_case_t cases[] = {
        { "/jerry/work-tracking", false, true },
        { "#fragment", false, true },
        { "//authority/path", false, true },
        { "//authority", false, true },
        { "//", false, true },
        { "1-555-123-4567", false, true },
        { "/sensors/tn-1234567/alerts", false, true },
        { "a/b", false, true },
        { "a/b:c", false, true },               //  ":" after the first segment
        { "./a:b", false, true },
        { "?q", false, true },
        { "?", false, true },
        { "#", false, true },
        { ".", false, true },
        { "..", false, true },
        { "../a/b", false, true },
        { "/", false, true },
        { "%41bc", false, true },
        { "//user@host:1/p?q#f", false, true },
        { "//[v1.fe]/p", false, true },
    };
    CHECK_TABLE(cases);
}


//  --------------------------------------------------------------------------

static void
test_empty_string_is_a_reference_but_not_absolute(void **state)
{
    (void) state;
    assert_false(jb_uri_is_absolute("", 0));
    assert_true(jb_uri_is_reference("", 0));
    //  A zero size means empty whatever text points at
    assert_false(jb_uri_is_absolute("http://x", 0));
    assert_true(jb_uri_is_reference("a b", 0));
}


//  --------------------------------------------------------------------------

static void
test_uri_rejects_malformed_syntax(void **state)
{
    (void) state;
    static const uri_case_t cases[] = {
        { "a b", false, false },
        { " http://x", false, false },
        { "http://x ", false, false },
        { "http://x/%zz", false, false },
        { "http://x/%4", false, false },               //  truncated triplet
        { "http://x/%", false, false },
        { "http://x/?%g0", false, false },
        { "http://x/#%0g", false, false },
        { "http://[::1", false, false },
        { "http://::1]/", false, false },
        { "http://[::1]x/", false, false },
        { "http://[::1]]/", false, false },
        { "http://x:80a/", false, false },
        { "http://x:-1/", false, false },
        { "http://x:80:81/", false, false },
        { "http://a@b@c/", false, false },
        { "http://x/a\"b", false, false },
        { "http://x/<a>", false, false },
        { "http://x/a\\b", false, false },
        { "http://x/a{b}", false, false },
        { "http://x/a|b", false, false },
        { "http://x/a^b", false, false },
        { "http://x/a`b", false, false },
        { "http://x/a[b]", false, false },             //  brackets only in host
        { "http://x/##", false, false },
        { "http://h[ost]/", false, false },
        { ":nohost", false, false },                    //  empty scheme
        { ":", false, false },
        { "1http://x", false, false },                  //  scheme starts with ALPHA
        { "-http://x", false, false },
        { "ht_tp://x", false, false },
        { "ht tp://x", false, false },
        { "a:b/c d", false, false },
    };
    CHECK_TABLE(cases);
}


//  --------------------------------------------------------------------------

static void
test_ip_literal_host_accepts_ipv6_and_ipvfuture(void **state)
{
    (void) state;
    static const uri_case_t cases[] = {
        { "http://[::]/", true, true },
        { "http://[::1]/", true, true },
        { "http://[1::]/", true, true },
        { "http://[1:2:3:4:5:6:7:8]/", true, true },
        { "http://[1:2:3:4:5:6:7::]/", true, true },
        { "http://[::2:3:4:5:6:7:8]/", true, true },
        { "http://[2001:DB8:0:0:8:800:200C:417A]/", true, true },
        { "http://[2001:db8::8:800:200c:417a]/", true, true },
        { "http://[FEDC:BA98:7654:3210:FEDC:BA98:7654:3210]:80/", true, true },
        { "http://[::ffff:192.0.2.128]/", true, true },
        { "http://[::192.0.2.128]/", true, true },
        { "http://[1:2:3:4:5:6:1.2.3.4]/", true, true },
        { "http://[1::6:255.255.255.255]/", true, true },
        { "http://[0000:0000:0000:0000:0000:0000:0000:0001]/", true, true },
        { "http://[v7.fe80::a+en1]/", true, true },
        { "http://[V1a.x]/", true, true },
        { "http://[vFF.a:b:c]:1/", true, true },
        { "http://u@[::1]:8080", true, true },
    };
    CHECK_TABLE(cases);
}


//  --------------------------------------------------------------------------

static void
test_ip_literal_host_rejects_malformed_addresses(void **state)
{
    (void) state;
    static const uri_case_t cases[] = {
        { "http://[]/", false, false },
        { "http://[:]/", false, false },
        { "http://[:::]/", false, false },
        { "http://[1:::2]/", false, false },
        { "http://[1::2::3]/", false, false },
        { "http://[:1::2]/", false, false },
        { "http://[1::2:]/", false, false },
        { "http://[1:2]/", false, false },              //  too few, no "::"
        { "http://[1:2:3:4:5:6:7]/", false, false },
        { "http://[1:2:3:4:5:6:7:8:9]/", false, false },
        { "http://[1:2:3:4::5:6:7:8]/", false, false },  //  "::" is at least one group
        { "http://[12345::]/", false, false },
        { "http://[g::]/", false, false },
        { "http://[::1%25eth0]/", false, false },       //  RFC 6874 zones are not 3986
        { "http://[1.2.3.4]/", false, false },
        { "http://[::1.2.3]/", false, false },
        { "http://[::1.2.3.4.5]/", false, false },
        { "http://[::256.1.1.1]/", false, false },
        { "http://[::01.1.1.1]/", false, false },       //  no leading zeros
        { "http://[::1.2.3.4:5]/", false, false },      //  IPv4 must come last
        { "http://[1:2:3:4:5:6:7:1.2.3.4]/", false, false },
        { "http://[v.x]/", false, false },
        { "http://[v1]/", false, false },
        { "http://[v1.]/", false, false },
        { "http://[vg.x]/", false, false },
        { "http://[v1.x/y]/", false, false },
        { "http://[v1.%41]/", false, false },
    };
    CHECK_TABLE(cases);
}


//  --------------------------------------------------------------------------

static void
test_relative_reference_rejects_colon_in_first_segment(void **state)
{
    (void) state;
    static const uri_case_t cases[] = {
        { ":nohost", false, false },
        { "1:2/x", false, false },
        { "_a:b", false, false },
        { "%41:b", false, false },
        { "a/b:c", false, true },               //  not the first segment
        { "./a:b", false, true },               //  the RFC 4.2 workaround
        { "?a:b", false, true },
        { "#a:b", false, true },
    };
    CHECK_TABLE(cases);
}


//  --------------------------------------------------------------------------
//  Control bytes, DEL and anything outside ASCII must be pct-encoded
//  (IRIs are not URIs). Each byte goes in the path, query, fragment, host
//  and scheme to show every component refuses it.

static void
test_uri_rejects_non_ascii_and_control_bytes(void **state)
{
    (void) state;
    //  The bad byte goes between before and after
    static const struct { const char *before, *after; } templates[] = {
        { "http://x/a", "b" }, { "http://x/?a", "b" }, { "http://x/#a", "b" },
        { "http://a", "b/" }, { "http://u", "@x/" }, { "h", "ttp://x" },
        { "a", "b" }, { "/a", "b" },
    };
    static const unsigned char bad[] = {
        0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x7F, 0x80, 0xC3, 0xE2, 0xFF,
    };
    int failures = 0;
    for (size_t t = 0; t < sizeof(templates) / sizeof(templates[0]); t++) {
        for (size_t b = 0; b < sizeof(bad); b++) {
            char text[32];
            snprintf(text, sizeof text, "%s%c%s",
                     templates[t].before, bad[b], templates[t].after);
            if (jb_uri_is_absolute(text, strlen(text))
            ||  jb_uri_is_reference(text, strlen(text))) {
                print_error("\"%s\" + 0x%02X + \"%s\" was accepted\n",
                            templates[t].before, bad[b], templates[t].after);
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);

    //  UTF-8 as it would arrive in a JSON string
    const char *utf8 = "https://example.com/caf\xC3\xA9";
    assert_false(jb_uri_is_absolute(utf8, strlen(utf8)));
    assert_false(jb_uri_is_reference(utf8, strlen(utf8)));
    const char *encoded = "https://example.com/caf%C3%A9";
    assert_true(jb_uri_is_absolute(encoded, strlen(encoded)));
}


//  --------------------------------------------------------------------------

static void
test_uri_rejects_nul_inside_size(void **state)
{
    (void) state;
    static const char with_nul[] = "http://x/a\0b";
    size_t size = sizeof(with_nul) - 1;
    assert_false(jb_uri_is_absolute(with_nul, size));
    assert_false(jb_uri_is_reference(with_nul, size));
    static const char host_nul[] = "http://x\0y/";
    assert_false(jb_uri_is_absolute(host_nul, sizeof(host_nul) - 1));
    static const char scheme_nul[] = "ht\0tp://x";
    assert_false(jb_uri_is_reference(scheme_nul, sizeof(scheme_nul) - 1));
    static const char port_nul[] = "http://x:8\0/";
    assert_false(jb_uri_is_absolute(port_nul, sizeof(port_nul) - 1));
    static const char ipv6_nul[] = "http://[::\0]/";
    assert_false(jb_uri_is_absolute(ipv6_nul, sizeof(ipv6_nul) - 1));
    //  Without the NUL the same bytes pass: the check is about the NUL
    assert_true(jb_uri_is_absolute(with_nul, size - 2));
}


//  --------------------------------------------------------------------------
//  The checker sees size bytes and nothing more: bytes past the span,
//  valid or not, change nothing. The buffers are exact-size heap copies so
//  ASan would catch a read past the end.

static void
test_uri_reads_only_size_bytes(void **state)
{
    (void) state;
    const char *text = "https://x/a b";
    assert_true(jb_uri_is_absolute(text, 11));          //  "https://x/a"
    assert_false(jb_uri_is_absolute(text, 13));
    assert_true(jb_uri_is_absolute(text, 7));           //  "https:/"
    assert_false(jb_uri_is_absolute(text, 5));          //  "https", no scheme
    assert_true(jb_uri_is_reference(text, 5));          //  but a relative path
    assert_true(jb_uri_is_reference("https://x#frag", 9));      //  "https://x"

    static const char *samples[] = {
        "http://[::1]:8080/x", "http://x/%41", "urn:a#b", "//a@[v1.x]:",
        "http://x/%4", "http://[::1", "a", "%", "[", "http://[",
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        size_t size = strlen(samples[i]);
        for (size_t cut = 0; cut <= size; cut++) {
            char *exact = test_malloc(cut? cut: 1);
            memcpy(exact, samples[i], cut);
            //  Only memory safety is checked here; the answer varies
            (void) jb_uri_is_absolute(exact, cut);
            (void) jb_uri_is_reference(exact, cut);
            test_free(exact);
        }
    }
}


//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_checks_cloudevents_source_and_dataschema),
        cmocka_unit_test(test_absolute_uri_accepts_common_schemes),
        cmocka_unit_test(test_absolute_uri_rejects_fragment),
        cmocka_unit_test(test_absolute_uri_rejects_relative_references),
        cmocka_unit_test(test_empty_string_is_a_reference_but_not_absolute),
        cmocka_unit_test(test_uri_rejects_malformed_syntax),
        cmocka_unit_test(test_ip_literal_host_accepts_ipv6_and_ipvfuture),
        cmocka_unit_test(test_ip_literal_host_rejects_malformed_addresses),
        cmocka_unit_test(test_relative_reference_rejects_colon_in_first_segment),
        cmocka_unit_test(test_uri_rejects_non_ascii_and_control_bytes),
        cmocka_unit_test(test_uri_rejects_nul_inside_size),
        cmocka_unit_test(test_uri_reads_only_size_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
