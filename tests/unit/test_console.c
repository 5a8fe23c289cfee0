/*
 * The console's parts without I/O: HTML written by construction (escaping, control and bidi
 * characters, bad UTF-8), form bodies, sessions (timeouts, rotation, CSRF) and the sign-in
 * throttle. (tests/integration/console.sh and tests/browser/ drive the real server.)
 */
#include <errno.h>

#include "helpers.h"

#include "mamori/console.h"

static char *
render(const char *value)
{
    struct mamori_buf b;
    struct mamori_html h;
    mamori_buf_init(&b, 1 << 16);
    mamori_html_init(&h, &b);
    MAMORI_HTML(&h, "<td title=\"");
    mamori_html_text(&h, value);
    MAMORI_HTML(&h, "\">");
    mamori_html_text(&h, value);
    MAMORI_HTML(&h, "</td>");
    assert_int_equal(mamori_html_finish(&h), 0);
    return b.data;
}

static void
test_html_escaping(void **state)
{
    char *s = render("<script>alert(\"x\")</script> & 'y'");
    assert_string_equal(s, "<td title=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                           "&#39;y&#39;\">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
                           "&amp; &#39;y&#39;</td>");
    free(s);
    /* An RTL override cannot turn "gpj.exe" around; it is shown as its code. */
    s = render("invoice\xe2\x80\xaegpj.exe");
    assert_string_equal(s, "<td title=\"invoice[U+202E]gpj.exe\">invoice[U+202E]gpj.exe</td>");
    free(s);
    /* Control characters go (tab and newline stay); bytes that are not UTF-8 become U+FFFD;
     * Japanese and NEC special characters pass. */
    s = render("a\x01\x1b[31mb\tc\n\xff\xc3(①㈱");
    assert_string_equal(s, "<td title=\"a[31mb\tc\n\xef\xbf\xbd\xef\xbf\xbd(①㈱\">a[31mb\tc\n"
                           "\xef\xbf\xbd\xef\xbf\xbd(①㈱</td>");
    free(s);
    /* An overlong encoding of '<' is not '<'. */
    s = render("\xc0\xbc");
    assert_string_equal(s, "<td title=\"\xef\xbf\xbd\xef\xbf\xbd\">\xef\xbf\xbd\xef\xbf\xbd</td>");
    free(s);

    struct mamori_buf b;
    struct mamori_html h;
    mamori_buf_init(&b, 1 << 10);
    mamori_html_init(&h, &b);
    mamori_html_url(&h, "sha256:ab/../\"x y\"?&");
    mamori_html_int(&h, -42);
    assert_int_equal(mamori_html_finish(&h), 0);
    assert_string_equal(b.data, "sha256:ab%2F..%2F%22x%20y%22%3F%26-42");
    mamori_buf_done(&b);

    /* A page that does not fit is an error, not a cut page. */
    mamori_buf_init(&b, 16);
    mamori_html_init(&h, &b);
    mamori_html_text(&h, "0123456789abcdefghijkl");
    MAMORI_HTML(&h, "<p>");
    assert_int_equal(mamori_html_finish(&h), MAMORI_E_LIMIT);
    mamori_buf_done(&b);
}

static void
test_form(void **state)
{
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_form f;
    const char body[] = "user=tanaka&password=p%40ss+w%C3%B6rd&empty=&flag&&csrf=abc%2Bd";
    assert_int_equal(mamori_form_parse(body, strlen(body), a, &f), 0);
    assert_int_equal(f.n, 5);
    assert_string_equal(mamori_form_get(&f, "user"), "tanaka");
    assert_string_equal(mamori_form_get(&f, "password"), "p@ss wörd");
    assert_string_equal(mamori_form_get(&f, "empty"), "");
    assert_string_equal(mamori_form_get(&f, "flag"), "");
    assert_string_equal(mamori_form_get(&f, "csrf"), "abc+d");
    assert_null(mamori_form_get(&f, "missing"));
    /* Japanese as browsers send it. */
    const char ja[] = "reason=%E8%A6%8B%E7%A9%8D%E6%9B%B8%E3%81%AE%E7%A2%BA%E8%AA%8D";
    assert_int_equal(mamori_form_parse(ja, strlen(ja), a, &f), 0);
    assert_string_equal(mamori_form_get(&f, "reason"), "見積書の確認");

    const char *bad[] = {"a=%",   "a=%4",     "a=%zz",       "a=%00",
                         "a=%FF", "a=%C0%BC", "%ED%A0%80=x", "a=\xff"};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(bad); i++)
        assert_int_equal(mamori_form_parse(bad[i], strlen(bad[i]), a, &f), MAMORI_E_SYNTAX);
    struct mamori_buf many;
    mamori_buf_init(&many, 1 << 16);
    for (int i = 0; i <= MAMORI_FORM_MAX_FIELDS; i++)
        mamori_buf_printf(&many, "f%d=1&", i);
    assert_int_equal(mamori_form_parse(many.data, many.len, a, &f), MAMORI_E_LIMIT);
    mamori_buf_done(&many);
    assert_int_equal(mamori_form_parse("", 0, a, &f), 0);
    assert_int_equal(f.n, 0);
    mamori_arena_free(a);
}

#define S (int64_t)1000000

static void
test_sessions(void **state)
{
    struct mamori_sessions *s = mamori_sessions_new(3);
    assert_non_null(s);
    struct mamori_session t = {.person = "tanaka",
                               .role = "staff",
                               .face = 'l',
                               .stage = MAMORI_SESSION_ACTIVE,
                               .idle_us = 60 * S,
                               .max_us = 600 * S};
    struct mamori_session a, b, got;
    assert_int_equal(mamori_sessions_create(s, &t, 1000 * S, &a), 0);
    assert_int_equal(strlen(a.id), MAMORI_SESSION_ID_LEN);
    assert_int_equal(strlen(a.csrf), MAMORI_SESSION_ID_LEN);
    assert_string_not_equal(a.id, a.csrf);
    assert_int_equal(mamori_sessions_create(s, &t, 1000 * S, &b), 0);
    assert_string_not_equal(a.id, b.id);

    /* Use within the idle timeout keeps it; a gap longer than it ends it. */
    assert_int_equal(mamori_sessions_get(s, a.id, 1050 * S, &got), 0);
    assert_string_equal(got.person, "tanaka");
    assert_int_equal(mamori_sessions_get(s, a.id, 1100 * S, &got), 0);
    assert_int_equal(mamori_sessions_get(s, a.id, 1161 * S, &got), -ETIMEDOUT);
    assert_int_equal(mamori_sessions_get(s, a.id, 1162 * S, &got), -ENOENT);
    /* The absolute timeout ends even a busy session. */
    for (int64_t now = 1000; now < 1600; now += 50)
        assert_int_equal(mamori_sessions_get(s, b.id, now * S, &got), 0);
    assert_int_equal(mamori_sessions_get(s, b.id, 1601 * S, &got), -ETIMEDOUT);

    /* Rotation: a new id and token; the old id is dead (no fixation). */
    struct mamori_session c, r;
    mamori_sessions_create(s, &t, 2000 * S, &c);
    assert_int_equal(mamori_sessions_rotate(s, c.id, 2001 * S, &r), 0);
    assert_string_not_equal(r.id, c.id);
    assert_string_not_equal(r.csrf, c.csrf);
    assert_int_equal(mamori_sessions_get(s, c.id, 2002 * S, &got), -ENOENT);
    assert_int_equal(mamori_sessions_get(s, r.id, 2002 * S, &got), 0);
    assert_true(mamori_session_csrf_ok(&got, r.csrf));
    assert_false(mamori_session_csrf_ok(&got, c.csrf));
    assert_false(mamori_session_csrf_ok(&got, NULL));
    assert_false(mamori_session_csrf_ok(&got, ""));
    char shorter[MAMORI_SESSION_ID_LEN];
    memcpy(shorter, r.csrf, sizeof(shorter) - 1);
    shorter[sizeof(shorter) - 1] = '\0';
    assert_false(mamori_session_csrf_ok(&got, shorter));
    /* Ids that are not ids are unknown, not errors. */
    assert_int_equal(mamori_sessions_get(s, "", 2002 * S, &got), -ENOENT);
    assert_int_equal(mamori_sessions_get(s, NULL, 2002 * S, &got), -ENOENT);

    /* put saves changes; end_person ends every session of a person. */
    got.totp_failures = 2;
    assert_int_equal(mamori_sessions_put(s, &got), 0);
    assert_int_equal(mamori_sessions_get(s, r.id, 2003 * S, &got), 0);
    assert_int_equal(got.totp_failures, 2);
    struct mamori_session o = t, other;
    snprintf(o.person, sizeof(o.person), "suzuki");
    mamori_sessions_create(s, &o, 2003 * S, &other);
    mamori_sessions_end_person(s, "tanaka");
    assert_int_equal(mamori_sessions_get(s, r.id, 2004 * S, &got), -ENOENT);
    assert_int_equal(mamori_sessions_get(s, other.id, 2004 * S, &got), 0);
    mamori_sessions_end(s, other.id);
    assert_int_equal(mamori_sessions_count(s), 0);

    /* A full table ends the least recently used session. */
    struct mamori_session x[4];
    for (int i = 0; i < 3; i++)
        mamori_sessions_create(s, &t, (3000 + i) * S, &x[i]);
    mamori_sessions_get(s, x[0].id, 3010 * S, &got);
    mamori_sessions_create(s, &t, 3011 * S, &x[3]);
    assert_int_equal(mamori_sessions_count(s), 3);
    assert_int_equal(mamori_sessions_get(s, x[1].id, 3012 * S, &got), -ENOENT);
    assert_int_equal(mamori_sessions_get(s, x[0].id, 3012 * S, &got), 0);
    mamori_sessions_free(s);
}

static void
test_throttle(void **state)
{
    struct mamori_throttle *t = mamori_throttle_new();
    int64_t now = 5000 * S;
    for (int i = 0; i < MAMORI_THROTTLE_FAILURES; i++) {
        assert_true(mamori_throttle_allow(t, "192.0.2.1", now));
        mamori_throttle_fail(t, "192.0.2.1", now);
    }
    assert_false(mamori_throttle_allow(t, "192.0.2.1", now + 10 * S));
    assert_true(mamori_throttle_allow(t, "192.0.2.2", now + 10 * S));
    /* After the window, the address may try again. */
    assert_true(mamori_throttle_allow(t, "192.0.2.1", now + (MAMORI_THROTTLE_WINDOW_S + 1) * S));
    /* Many addresses do not grow memory, and a busy one is kept. */
    for (int i = 0; i < 5 * MAMORI_THROTTLE_ADDRESSES; i++) {
        char addr[32];
        snprintf(addr, sizeof(addr), "198.51.%d.%d", i / 250, i % 250);
        mamori_throttle_fail(t, addr, now + 20 * S);
    }
    mamori_throttle_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escaping),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
