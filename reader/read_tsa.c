/* SPDX-License-Identifier: ISC */
/* read_tsa.c: time-stamp tokens in verify and info (SPEC 7.1, SPEC 9 step 13). quire-read does
 * not link OpenSSL: the token code is the module quire-tsa.so, loaded with dlopen only when a
 * bundle has a token, from $QUIRE_TSA_MODULE, beside the program (a build tree), then the
 * install directory. The static quire-read cannot load it (reader/read_static.c): it reports
 * each token as not checked, and under --tsa-ca, where the user asked for the check, it fails
 * with exit status 2 rather than let a token pass unchecked. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quire_attach.h"
#include "quire_tsa_api.h"
#include "read_module.h"
#include "read_tsa.h"

#ifndef QUIRE_TSA_LIBDIR
#define QUIRE_TSA_LIBDIR "/usr/local/lib/quire"
#endif
static const quire_tsa_api_v1 *api;
static quire_tsa_store *store;
static bool store_done;

#ifdef QUIRE_STATIC
static const char tried[] = "the static quire-read cannot load the time-stamp module; use a "
                            "dynamically linked quire-read";

static const quire_tsa_api_v1 *module(void)
{
    return NULL;
}
#else
static read_module tsa_module = {.file = "quire-tsa.so",
                                 .env = "QUIRE_TSA_MODULE",
                                 .libdir = QUIRE_TSA_LIBDIR,
                                 .symbol = QUIRE_TSA_API_SYMBOL,
                                 .what = "time-stamp module",
                                 .version = QUIRE_TSA_API_VERSION,
                                 .size = sizeof(quire_tsa_api_v1)};
#define tried (tsa_module.tried)

static const quire_tsa_api_v1 *module(void)
{
    api = read_module_load(&tsa_module);
    return api;
}
#endif

int read_tsa_ca_add(read_opts *o, const char *path)
{
    char **p = realloc(o->tsa_ca, (o->ntsa_ca + 1) * sizeof *p);
    if (p == NULL || (p[o->ntsa_ca] = strdup(path)) == NULL) {
        if (p != NULL)
            o->tsa_ca = p;
        read_fail(path, "out of memory");
        return 2;
    }
    o->tsa_ca = p;
    o->ntsa_ca++;
    return 0;
}

void read_tsa_free(read_opts *o)
{
    for (size_t i = 0; i < o->ntsa_ca; i++)
        free(o->tsa_ca[i]);
    free(o->tsa_ca);
    o->tsa_ca = NULL;
    o->ntsa_ca = 0;
    if (api != NULL)
        api->store_free(store);
    store = NULL;
    store_done = false;
}

/* $QUIRE_TRUSTED_TSA, else "tsa" in the trusted-keys directory (read_keys.c's order). */
static const char *tsa_dir(char *buf, size_t cap, bool *from_env)
{
    const char *dir = getenv("QUIRE_TRUSTED_TSA"), *keys = getenv("QUIRE_TRUSTED_KEYS");
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    *from_env = dir != NULL && *dir != '\0';
    if (*from_env)
        return dir;
    if (keys != NULL && *keys != '\0')
        snprintf(buf, cap, "%s/tsa", keys);
    else if (xdg != NULL && *xdg == '/')
        snprintf(buf, cap, "%s/quire/trusted/tsa", xdg);
    else if (home != NULL && *home != '\0')
        snprintf(buf, cap, "%s/.config/quire/trusted/tsa", home);
    else
        return NULL;
    return buf;
}

static bool is_pem_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".pem") == 0;
}

/* Every *.pem of the trusted TSA directory, in the store. A missing default directory trusts
 * no authority; a missing $QUIRE_TRUSTED_TSA is an error, as for the trusted keys. */
static int load_dir(quire_error *err)
{
    char buf[4096], path[8192], why[256];
    bool from_env;
    const char *dir = tsa_dir(buf, sizeof buf, &from_env);
    DIR *d = dir != NULL ? opendir(dir) : NULL;
    if (d == NULL)
        return dir == NULL || (errno == ENOENT && !from_env)
                   ? QUIRE_OK
                   : quire_error_set(err, QUIRE_E_USAGE,
                                     "cannot open the trusted TSA directory %s%s: %s", dir,
                                     from_env ? " (QUIRE_TRUSTED_TSA)" : "", strerror(errno));
    int rc = QUIRE_OK;
    struct dirent *e;
    struct stat st;
    while (rc == QUIRE_OK && (e = readdir(d)) != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!is_pem_name(e->d_name) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (api->store_add_file(store, path, why, sizeof why) < 0)
            rc = quire_error_set(err, QUIRE_E_USAGE, "trusted TSA certificate %s: %s", path, why);
    }
    closedir(d);
    return rc;
}

/* The trusted authorities: the --tsa-ca files, else the directory; built once. */
static int get_store(const read_opts *o, quire_error *err)
{
    char why[256];
    if (store_done)
        return store != NULL ? QUIRE_OK
                             : quire_error_set(err, QUIRE_E_USAGE, "no usable TSA certificates");
    store_done = true;
    if ((store = api->store_new()) == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    int rc = QUIRE_OK;
    for (size_t i = 0; i < o->ntsa_ca && rc == QUIRE_OK; i++)
        if (api->store_add_file(store, o->tsa_ca[i], why, sizeof why) < 0)
            rc = quire_error_set(err, QUIRE_E_USAGE, "--tsa-ca %s: %s", o->tsa_ca[i], why);
    if (rc == QUIRE_OK && o->ntsa_ca == 0)
        rc = load_dir(err);
    if (rc != QUIRE_OK) {
        api->store_free(store);
        store = NULL;
    }
    return rc;
}

static bool has_token(const quire_attachments *a)
{
    for (uint32_t i = 0; i < a->count; i++)
        if (a->recs[i].type == QUIRE_ATTACH_TIMESTAMP)
            return true;
    return false;
}

static const char *const status_name[] = {"trusted", "untrusted", "invalid"};

static json_t *token_json(uint32_t i, const quire_tsa_result *res)
{
    json_t *j = json_pack("{s:I, s:s, s:s}", "attachment", (json_int_t)i, "type", "rfc3161",
                          "status", status_name[res->status]);
    if (res->status != QUIRE_TSA_INVALID) {
        json_object_set_new(j, "time", json_string(res->gen_time_text));
        json_object_set_new(j, "unix_time", json_integer((json_int_t)res->gen_time));
        json_object_set_new(j, "tsa", json_string(res->tsa));
        json_object_set_new(j, "serial", json_string(res->serial));
        json_object_set_new(j, "policy", json_string(res->policy));
        if (res->accuracy[0] != '\0')
            json_object_set_new(j, "accuracy", json_string(res->accuracy));
    }
    if (res->status != QUIRE_TSA_TRUSTED)
        json_object_set_new(j, "why", json_string(res->why));
    return j;
}

static json_t *other_json(uint32_t i, const quire_attachment *a, const char *why)
{
    return json_pack("{s:I, s:s, s:I, s:s, s:s}", "attachment", (json_int_t)i, "type",
                     a->type == QUIRE_ATTACH_TIMESTAMP ? "rfc3161" : "unknown", "type_number",
                     (json_int_t)a->type, "status", "unchecked", "why", why);
}

/* SPEC 9 step 13 without printing: *out as read_tsa_check describes it; *bad is the first
 * invalid token, or -1. Returns 0, or QUIRE_E_USAGE / QUIRE_E_NOMEM with err. */
static int check_all(quire_reader *r, const read_opts *o, json_t *out, int64_t *bad,
                     quire_error *err)
{
    const quire_attachments *a = quire_reader_attachments(r);
    const uint8_t *fp = quire_reader_fingerprint(r);
    *bad = -1;
    if (has_token(a) && module() == NULL && o->ntsa_ca > 0)
        return quire_error_set(err, QUIRE_E_USAGE,
                               "time-stamp tokens cannot be checked (SPEC 7.1): the time-stamp "
                               "module cannot be loaded (%s)",
                               tried);
    int rc = has_token(a) && api != NULL ? get_store(o, err) : QUIRE_OK;
    if (rc != QUIRE_OK)
        return rc;
    for (uint32_t i = 0; i < a->count; i++) {
        const quire_attachment *at = &a->recs[i];
        quire_tsa_result res;
        if (at->type != QUIRE_ATTACH_TIMESTAMP) {
            json_array_append_new(out, other_json(i, at, "unknown ignorable type (SPEC 7.1)"));
            continue;
        }
        if (api == NULL) {
            json_array_append_new(out, other_json(i, at, tried));
            continue;
        }
        api->verify(store, at->body, at->len, fp, &res);
        json_array_append_new(out, token_json(i, &res));
        if (res.status == QUIRE_TSA_INVALID && *bad < 0)
            *bad = i;
    }
    return QUIRE_OK;
}

static const char *member(json_t *j, const char *name)
{
    const char *s = json_string_value(json_object_get(j, name));
    return s != NULL ? s : "";
}

int read_tsa_check(quire_reader *r, const read_opts *o, const char *bundle, json_t **out)
{
    quire_error err;
    int64_t bad;
    *out = json_array();
    int rc = check_all(r, o, *out, &bad, &err);
    if (rc != QUIRE_OK) {
        read_error(bundle, &err);
        return quire_exit_code(rc);
    }
    if (bad >= 0) {
        json_t *t = json_array_get(*out, (size_t)bad);
        quire_error_set(&err, QUIRE_E_SIGNATURE,
                        "attachment %lld: time-stamp token is invalid: %s (SPEC 9 step 13)",
                        (long long)bad, member(t, "why"));
        read_error(bundle, &err);
        return 1;
    }
    return 0;
}

void read_tsa_print(json_t *list)
{
    size_t i;
    json_t *t;
    char line[1024];
    json_array_foreach(list, i, t)
    {
        const char *status = member(t, "status");
        if (strcmp(status, "trusted") == 0)
            snprintf(line, sizeof line, "existed no later than %s (%s)", member(t, "time"),
                     member(t, "tsa"));
        else if (strcmp(status, "untrusted") == 0)
            snprintf(line, sizeof line, "UNTRUSTED, not counted: %s by %s: %s", member(t, "time"),
                     member(t, "tsa"), member(t, "why"));
        else if (strcmp(member(t, "type"), "rfc3161") == 0)
            snprintf(line, sizeof line, "NOT checked: %s", member(t, "why"));
        else
            snprintf(line, sizeof line, "attachment %lld of unknown type %lld, NOT checked",
                     (long long)json_integer_value(json_object_get(t, "attachment")),
                     (long long)json_integer_value(json_object_get(t, "type_number")));
        printf("%-17s", "timestamp:");
        out_safe(stdout, line, strlen(line));
        fputc('\n', stdout);
    }
}

int read_tsa_earliest(quire_reader *r, const read_opts *o, int64_t *when, quire_error *err)
{
    int64_t bad;
    bool found = false;
    json_t *list = json_array(), *t;
    size_t i;
    if (list == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    int rc = check_all(r, o, list, &bad, err);
    if (rc == QUIRE_OK && bad >= 0)
        rc = quire_error_set(err, QUIRE_E_SIGNATURE,
                             "attachment %lld: time-stamp token is invalid (SPEC 9 step 13)",
                             (long long)bad);
    json_array_foreach(list, i, t)
    {
        json_int_t at = json_integer_value(json_object_get(t, "unix_time"));
        if (rc == QUIRE_OK && strcmp(member(t, "status"), "trusted") == 0 &&
            (!found || at < *when)) {
            *when = (int64_t)at;
            found = true;
        }
    }
    json_decref(list);
    if (rc == QUIRE_OK && !found)
        rc = quire_error_set(err, QUIRE_E_NOTFOUND, "no trusted time-stamp token (SPEC 7.1)");
    return rc;
}

json_t *read_tsa_earliest_json(quire_reader *r, const read_opts *o)
{
    int64_t when = 0;
    quire_error err;
    char text[32];
    struct tm tm;
    time_t t;
    if (read_tsa_earliest(r, o, &when, &err) != QUIRE_OK)
        return json_null();
    t = (time_t)when;
    if (gmtime_r(&t, &tm) == NULL)
        return json_null();
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(text);
}
