/*
 * Sessions and the sign-in throttle (mamori/console.h): in memory, one table behind a mutex.
 * Session ids and CSRF tokens are 32 random bytes (libsodium); ids are compared in constant
 * time; a session never outlives its idle or absolute timeout.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/console.h"

struct mamori_sessions {
    pthread_mutex_t lock;
    size_t max, n;
    struct mamori_session *v;
};

struct mamori_sessions *
mamori_sessions_new(size_t max)
{
    if (sodium_init() < 0)
        return NULL;
    struct mamori_sessions *s = calloc(1, sizeof(*s));
    if (!s || !(s->v = calloc(max ? max : 1, sizeof(*s->v)))) {
        free(s);
        return NULL;
    }
    s->max = max ? max : 1;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

void
mamori_sessions_free(struct mamori_sessions *s)
{
    if (!s)
        return;
    sodium_memzero(s->v, s->max * sizeof(*s->v));
    free(s->v);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static void
new_token(char out[MAMORI_SESSION_ID_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, MAMORI_SESSION_ID_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

static bool
same_token(const char *a, const char *b)
{
    return strlen(b) == MAMORI_SESSION_ID_LEN && sodium_memcmp(a, b, MAMORI_SESSION_ID_LEN) == 0;
}

/* Index of id, or -1; the caller holds the lock. */
static ssize_t
find(struct mamori_sessions *s, const char *id)
{
    if (!id || strlen(id) != MAMORI_SESSION_ID_LEN)
        return -1;
    ssize_t hit = -1;
    for (size_t i = 0; i < s->n; i++) /* no early exit: the time does not depend on where */
        if (same_token(s->v[i].id, id))
            hit = (ssize_t)i;
    return hit;
}

static void
remove_at(struct mamori_sessions *s, size_t i)
{
    s->v[i] = s->v[--s->n];
    sodium_memzero(&s->v[s->n], sizeof(s->v[s->n]));
}

int
mamori_sessions_create(struct mamori_sessions *s, const struct mamori_session *tmpl, int64_t now_us,
                       struct mamori_session *ret)
{
    struct mamori_session n = *tmpl;
    new_token(n.id);
    new_token(n.csrf);
    n.created_us = n.last_us = now_us;
    pthread_mutex_lock(&s->lock);
    if (s->n == s->max) {
        size_t lru = 0;
        for (size_t i = 1; i < s->n; i++)
            if (s->v[i].last_us < s->v[lru].last_us)
                lru = i;
        remove_at(s, lru);
    }
    s->v[s->n++] = n;
    pthread_mutex_unlock(&s->lock);
    *ret = n;
    return 0;
}

int
mamori_sessions_get(struct mamori_sessions *s, const char *id, int64_t now_us,
                    struct mamori_session *ret)
{
    pthread_mutex_lock(&s->lock);
    ssize_t i = find(s, id);
    int r = 0;
    if (i < 0) {
        r = -ENOENT;
    } else if (now_us - s->v[i].last_us > s->v[i].idle_us ||
               now_us - s->v[i].created_us > s->v[i].max_us) {
        remove_at(s, (size_t)i);
        r = -ETIMEDOUT;
    } else {
        s->v[i].last_us = now_us;
        *ret = s->v[i];
    }
    pthread_mutex_unlock(&s->lock);
    return r;
}

int
mamori_sessions_put(struct mamori_sessions *s, const struct mamori_session *sess)
{
    pthread_mutex_lock(&s->lock);
    ssize_t i = find(s, sess->id);
    if (i >= 0)
        s->v[i] = *sess;
    pthread_mutex_unlock(&s->lock);
    return i >= 0 ? 0 : -ENOENT;
}

int
mamori_sessions_rotate(struct mamori_sessions *s, const char *id, int64_t now_us,
                       struct mamori_session *ret)
{
    pthread_mutex_lock(&s->lock);
    ssize_t i = find(s, id);
    if (i >= 0) {
        new_token(s->v[i].id);
        new_token(s->v[i].csrf);
        s->v[i].last_us = now_us;
        *ret = s->v[i];
    }
    pthread_mutex_unlock(&s->lock);
    return i >= 0 ? 0 : -ENOENT;
}

void
mamori_sessions_end(struct mamori_sessions *s, const char *id)
{
    pthread_mutex_lock(&s->lock);
    ssize_t i = find(s, id);
    if (i >= 0)
        remove_at(s, (size_t)i);
    pthread_mutex_unlock(&s->lock);
}

void
mamori_sessions_end_person(struct mamori_sessions *s, const char *person)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n;)
        if (strcmp(s->v[i].person, person) == 0)
            remove_at(s, i);
        else
            i++;
    pthread_mutex_unlock(&s->lock);
}

size_t
mamori_sessions_count(struct mamori_sessions *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->n;
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool
mamori_session_csrf_ok(const struct mamori_session *sess, const char *token)
{
    return token && same_token(sess->csrf, token);
}

/* ---- the throttle ----------------------------------------------------------------------- */

struct slot {
    char addr[48];
    int64_t window_us; /* start of the window */
    unsigned failures;
};

struct mamori_throttle {
    pthread_mutex_t lock;
    struct slot v[MAMORI_THROTTLE_ADDRESSES];
};

struct mamori_throttle *
mamori_throttle_new(void)
{
    struct mamori_throttle *t = calloc(1, sizeof(*t));
    if (t)
        pthread_mutex_init(&t->lock, NULL);
    return t;
}

void
mamori_throttle_free(struct mamori_throttle *t)
{
    if (t)
        pthread_mutex_destroy(&t->lock);
    free(t);
}

#define WINDOW_US ((int64_t)MAMORI_THROTTLE_WINDOW_S * 1000000)

/* The slot of addr; a new one replaces an expired or the oldest slot. Lock held. */
static struct slot *
slot_of(struct mamori_throttle *t, const char *addr, int64_t now_us, bool create)
{
    struct slot *oldest = &t->v[0];
    for (size_t i = 0; i < MAMORI_THROTTLE_ADDRESSES; i++) {
        struct slot *s = &t->v[i];
        if (s->addr[0] && strcmp(s->addr, addr) == 0) {
            if (now_us - s->window_us > WINDOW_US)
                s->window_us = now_us, s->failures = 0;
            return s;
        }
        if (s->window_us < oldest->window_us)
            oldest = s;
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    strncpy(oldest->addr, addr, sizeof(oldest->addr) - 1);
    oldest->window_us = now_us;
    return oldest;
}

bool
mamori_throttle_allow(struct mamori_throttle *t, const char *addr, int64_t now_us)
{
    pthread_mutex_lock(&t->lock);
    struct slot *s = slot_of(t, addr, now_us, false);
    bool ok = !s || s->failures < MAMORI_THROTTLE_FAILURES;
    pthread_mutex_unlock(&t->lock);
    return ok;
}

void
mamori_throttle_fail(struct mamori_throttle *t, const char *addr, int64_t now_us)
{
    pthread_mutex_lock(&t->lock);
    struct slot *s = slot_of(t, addr, now_us, true);
    s->failures++;
    pthread_mutex_unlock(&t->lock);
}
