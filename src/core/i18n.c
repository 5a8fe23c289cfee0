/*
 * Messages for people, through gettext: English message ids in the source, Japanese in
 * po/ja.po. Japanese is the default; English when asked for (MAMORI_LANG=en, --lang en, or an
 * English LC_ALL / LC_MESSAGES / LANG).
 *
 * The catalog is looked up in MAMORI_LOCALEDIR, else in the build tree's po/ (when running
 * uninstalled), else in the installed locale directory.
 */
#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mamori/core.h"

#define DOMAIN "mamori"

static bool japanese;

static bool
env_wants_english(void)
{
    const char *vars[] = {"MAMORI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strncmp(v, "en", 2) == 0;
    }
    return false;
}

static const char *
locale_dir(void)
{
    const char *env = getenv("MAMORI_LOCALEDIR");
    if (env && *env)
        return env;
#ifdef MAMORI_BUILD_LOCALEDIR
    struct stat st;
    if (stat(MAMORI_BUILD_LOCALEDIR "/ja/LC_MESSAGES/" DOMAIN ".mo", &st) == 0)
        return MAMORI_BUILD_LOCALEDIR;
#endif
#ifdef MAMORI_LOCALEDIR
    return MAMORI_LOCALEDIR;
#else
    return "/usr/share/locale";
#endif
}

void
mamori_i18n_init(const char *lang)
{
    japanese = lang ? strcmp(lang, "en") != 0 : !env_wants_english();
    if (!japanese)
        return;
    /* gettext translates nothing in the "C" locale; C.UTF-8 is always there on glibc and
     * lets LANGUAGE choose the catalog without touching how anything else is formatted. */
    const char *cur = setlocale(LC_MESSAGES, "");
    if (!cur || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
        setlocale(LC_MESSAGES, "C.UTF-8");
    setenv("LANGUAGE", "ja", 1);
    bindtextdomain(DOMAIN, locale_dir());
    bind_textdomain_codeset(DOMAIN, "UTF-8");
}

void
mamori_i18n_bind(void)
{
    const char *cur = setlocale(LC_MESSAGES, NULL);
    if (!cur || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
        setlocale(LC_MESSAGES, "C.UTF-8");
    setenv("LANGUAGE", "ja", 1);
    bindtextdomain(DOMAIN, locale_dir());
    bind_textdomain_codeset(DOMAIN, "UTF-8");
}

bool
mamori_i18n_japanese(void)
{
    return japanese;
}

const char *
mamori_gettext(const char *msgid)
{
    return japanese ? dgettext(DOMAIN, msgid) : msgid;
}
