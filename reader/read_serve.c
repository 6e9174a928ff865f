/* SPDX-License-Identifier: ISC */
/* read_serve.c: quire-read serve [--port N] [--listen ADDR] [--allow-scripts] BUNDLE..., a
 * verified offline view of bundles in a browser. The HTTP protocol is libmicrohttpd's (a
 * well-kept parser, not one of ours); it is loaded with dlopen when serve runs, as export loads
 * libarchive, so the verifying core links nothing of it and the static quire-read says serve
 * is unavailable (read_static.c). This file is the HTTP side: which requests are answered at
 * all (GET and HEAD, a Host header naming this server, bounded connections and request sizes),
 * and the headers every response carries (a Content-Security-Policy that lets nothing load from
 * outside the server, nosniff, a sandbox for documents). The pages come from
 * read_serve_pages.c and read_serve_doc.c, which send nothing unverified. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "read_serve.h"
#include "read_tsa.h"

#define SERVE_DEFAULT_PORT 8080
#define SERVE_CONNECTIONS 128           /* open at once, all clients together */
#define SERVE_REQUEST_BYTES (32u << 10) /* per connection: request line and headers */
#define SERVE_TIMEOUT_SECONDS 30        /* an idle connection is closed */
#define SERVE_HOSTS 8

/* The libmicrohttpd functions serve uses, looked up by name (their types from microhttpd.h). */
static struct {
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_get_daemon_info) *daemon_info;
    __typeof__(MHD_create_response_from_buffer) *from_buffer;
    __typeof__(MHD_create_response_from_fd64) *from_fd64;
    __typeof__(MHD_add_response_header) *add_header;
    __typeof__(MHD_queue_response) *queue;
    __typeof__(MHD_destroy_response) *destroy;
    __typeof__(MHD_lookup_connection_value) *lookup;
} mhd;

#define LOAD(field, name) ok = ok && (mhd.field = (__typeof__(mhd.field))dlsym(lib, name)) != NULL
static int load_mhd(const char *bundle)
{
    void *lib = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
    bool ok = lib != NULL;
    if (!ok) {
        read_fail(bundle, "serve: cannot load libmicrohttpd: %s", dlerror());
        return -1;
    }
    LOAD(start_daemon, "MHD_start_daemon");
    LOAD(stop_daemon, "MHD_stop_daemon");
    LOAD(daemon_info, "MHD_get_daemon_info");
    LOAD(from_buffer, "MHD_create_response_from_buffer");
    LOAD(from_fd64, "MHD_create_response_from_fd64");
    LOAD(add_header, "MHD_add_response_header");
    LOAD(queue, "MHD_queue_response");
    LOAD(destroy, "MHD_destroy_response");
    LOAD(lookup, "MHD_lookup_connection_value");
    if (!ok) {
        read_fail(bundle, "serve: this libmicrohttpd lacks a function serve needs: %s", dlerror());
        return -1;
    }
    return 0; /* kept loaded until exit */
}
#undef LOAD

/* The one server: its state, the Host values it answers to, and the lock that keeps the
 * readers (which are not shared between threads) to one request at a time. */
static serve_state state;
static char hosts[SERVE_HOSTS][80];
static size_t nhosts;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* The Host values are added once the daemon has a port, while it may already take a
 * connection (port 0): they are read and written under their own lock. */
static pthread_mutex_t hosts_lock = PTHREAD_MUTEX_INITIALIZER;

/* Quire's pages load only their stylesheet; nothing runs, nothing frames them. */
static const char csp_page[] = "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/* A document may load what the server holds (its images, stylesheets, fonts), nothing from
 * anywhere else; the sandbox stops scripts, forms and plugins. */
static const char csp_doc[] = "default-src 'self' data:; script-src 'none'; object-src 'none'; "
                              "connect-src 'none'; form-action 'none'; base-uri 'self'; "
                              "frame-ancestors 'self'; sandbox allow-same-origin allow-popups "
                              "allow-top-navigation-by-user-activation";
/* --allow-scripts: the document's scripts run (inline ones too), still sandboxed in an opaque
 * origin (no allow-same-origin: they cannot read quire's pages), still fetching nothing from
 * outside. */
static const char csp_doc_scripts[] =
    "default-src 'self' data:; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "object-src 'none'; connect-src 'self'; form-action 'none'; base-uri 'self'; "
    "frame-ancestors 'self'; sandbox allow-scripts allow-popups "
    "allow-top-navigation-by-user-activation";

static const char *query_arg(void *cls, const char *name)
{
    return mhd.lookup(cls, MHD_GET_ARGUMENT_KIND, name);
}

/* Whether the request's Host header names this server (a DNS rebinding attack reaches the
 * server under a name of the attacker's). */
static bool host_ok(struct MHD_Connection *c)
{
    const char *h = mhd.lookup(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    bool ok = false;
    pthread_mutex_lock(&hosts_lock);
    for (size_t k = 0; h != NULL && !ok && k < nhosts; k++)
        ok = strcasecmp(h, hosts[k]) == 0;
    pthread_mutex_unlock(&hosts_lock);
    return ok;
}

/* Whether the request announces a body (which GET and HEAD do not have). */
static bool has_body(struct MHD_Connection *c)
{
    const char *n = mhd.lookup(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (n != NULL && strcmp(n, "0") != 0) ||
           mhd.lookup(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

static bool add_headers(struct MHD_Response *resp, const serve_reply *rep)
{
    const char *csp = !rep->document ? csp_page : state.allow_scripts ? csp_doc_scripts : csp_doc;
    bool ok = mhd.add_header(resp, "Content-Security-Policy", csp) == MHD_YES;
    ok = ok && mhd.add_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES;
    ok = ok && mhd.add_header(resp, "Referrer-Policy", "no-referrer") == MHD_YES;
    ok = ok && mhd.add_header(resp, "Cross-Origin-Resource-Policy", "same-origin") == MHD_YES;
    ok = ok && mhd.add_header(resp, "Cross-Origin-Opener-Policy", "same-origin") == MHD_YES;
    ok = ok && mhd.add_header(resp, "Cache-Control", "no-cache") == MHD_YES;
    ok = ok && mhd.add_header(resp, "X-Quire-Verified",
                              state.any_signer ? "no: --any-signer, no signer was checked"
                                               : "yes") == MHD_YES;
    ok = ok && mhd.add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->type) == MHD_YES;
    if (ok && !rep->document)
        ok = mhd.add_header(resp, "X-Frame-Options", "DENY") == MHD_YES;
    if (ok && rep->disposition[0] != '\0')
        ok = mhd.add_header(resp, "Content-Disposition", rep->disposition) == MHD_YES;
    if (ok && rep->location != NULL)
        ok = mhd.add_header(resp, MHD_HTTP_HEADER_LOCATION, rep->location) == MHD_YES;
    if (ok && rep->status == 405)
        ok = mhd.add_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") == MHD_YES;
    return ok;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, serve_reply *rep)
{
    struct MHD_Response *resp;
    if (rep->fd >= 0) {
        resp = mhd.from_fd64(rep->size, rep->fd); /* owns fd from here */
        if (resp == NULL)
            close(rep->fd);
    } else {
        resp = mhd.from_buffer(rep->len, rep->body, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL)
            free(rep->body);
    }
    if (resp == NULL) {
        free(rep->location);
        return MHD_NO; /* the connection is closed */
    }
    enum MHD_Result r = add_headers(resp, rep) ? mhd.queue(c, rep->status, resp) : MHD_NO;
    free(rep->location); /* add_headers copied it */
    mhd.destroy(resp);
    return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_size, void **con_cls)
{
    serve_reply rep = {.fd = -1};
    (void)cls, (void)version, (void)upload_data;
    /* A refusal is answered at once (libmicrohttpd then closes the connection); a request
     * that will be served is answered on the second call, once it has been read whole, so
     * that the connection can be kept alive. */
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (*upload_size != 0) { /* not reached: a body is refused before it is read */
        *upload_size = 0;
        return MHD_NO;
    }
    if (get && host_ok(c) && !has_body(c) && *con_cls == NULL) {
        *con_cls = &state;
        return MHD_YES;
    }
    if (!get)
        page_error(&rep, &state, 405, "Method not allowed",
                   "This server answers GET and HEAD only.");
    else if (!host_ok(c))
        page_error(&rep, &state, 421, "Unknown host name",
                   "This server answers only to its own address (DNS rebinding protection).");
    else if (has_body(c))
        page_error(&rep, &state, 413, "Request body refused",
                   "A GET or HEAD request carries no body.");
    else {
        serve_req req = {.url = url, .arg = query_arg, .cls = c};
        pthread_mutex_lock(&lock);
        serve_route(&state, &req, &rep);
        pthread_mutex_unlock(&lock);
    }
    return send_reply(c, &rep);
}

/* Adds "NAME:PORT" (and plain NAME on port 80, which browsers leave out) to the Host values
 * answered. */
static void host_add(const char *name, unsigned port)
{
    pthread_mutex_lock(&hosts_lock);
    if (nhosts < SERVE_HOSTS)
        snprintf(hosts[nhosts++], sizeof hosts[0], "%s:%u", name, port);
    if (port == 80 && nhosts < SERVE_HOSTS)
        snprintf(hosts[nhosts++], sizeof hosts[0], "%s", name);
    pthread_mutex_unlock(&hosts_lock);
}

/* One listening daemon on addr (IPv4 or IPv6 by its family). */
static struct MHD_Daemon *start_on(const struct sockaddr *addr, bool v6)
{
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | (v6 ? MHD_USE_IPv6 : 0);
    return mhd.start_daemon(flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, addr,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_CONNECTIONS,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_REQUEST_BYTES,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_TIMEOUT_SECONDS,
                            MHD_OPTION_END);
}

typedef union any_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} any_addr;

/* Parses ADDR (an IPv4 or IPv6 address, no name: a name could resolve elsewhere tomorrow). */
static bool parse_addr(const char *s, unsigned port, any_addr *a, bool *v6)
{
    memset(a, 0, sizeof *a);
    *v6 = strchr(s, ':') != NULL;
    if (*v6) {
        a->v6.sin6_family = AF_INET6;
        a->v6.sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, s, &a->v6.sin6_addr) == 1;
    }
    a->v4.sin_family = AF_INET;
    a->v4.sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, s, &a->v4.sin_addr) == 1;
}

static unsigned bound_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = mhd.daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return i != NULL ? i->port : 0;
}

/* Starts the daemons: ADDR with --listen, else 127.0.0.1 and, when the system has it, ::1 on
 * the same port. Prints the base URL. Returns how many started (0 after a message). */
static size_t start_all(const read_opts *o, unsigned port, struct MHD_Daemon *d[2])
{
    any_addr a;
    bool v6;
    const char *name = o->listen != NULL ? o->listen : "127.0.0.1";
    if (!parse_addr(name, port, &a, &v6)) {
        read_fail(NULL, "serve: --listen: '%s' is not an IPv4 or IPv6 address", name);
        return 0;
    }
    if ((d[0] = start_on(&a.sa, v6)) == NULL) {
        read_fail(state.b[0].path, "serve: cannot listen on %s port %u: %s", name, port,
                  errno != 0 ? strerror(errno) : "libmicrohttpd refused");
        return 0;
    }
    port = bound_port(d[0]);
    char host[72];
    snprintf(host, sizeof host, v6 ? "[%s]" : "%s", name);
    host_add(host, port);
    size_t n = 1;
    if (o->listen == NULL) {
        host_add("localhost", port);
        host_add("[::1]", port);
        if (parse_addr("::1", port, &a, &v6) && (d[1] = start_on(&a.sa, true)) != NULL)
            n = 2;
    } else {
        read_note(NULL,
                  "warning: serve: listening on %s: anyone who can reach this address "
                  "can read the bundles",
                  name);
    }
    printf("http://%s:%u/\n", host, port);
    fflush(stdout);
    return n;
}

/* Opens and authenticates every bundle (whole index), before anything listens. */
static int open_all(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    state.b = calloc((size_t)argc, sizeof *state.b);
    if (state.b == NULL) {
        read_fail(argv[0], "serve: out of memory");
        return 2;
    }
    for (int k = 0; k < argc; k++) {
        serve_bundle *b = &state.b[state.nb];
        if ((b->r = read_open(argv[k], o, &code)) == NULL)
            return code;
        state.nb++;
        b->path = argv[k];
        if (argc > 1)
            snprintf(b->prefix, sizeof b->prefix, "/b/%d", k + 1);
        const quire_sig *s = quire_reader_signer(b->r);
        const quire_pubkey *key = quire_reader_signer_key(b->r);
        b->verified = s != NULL;
        b->key_file = key != NULL ? key->source : NULL;
        quire_key_id_hex(s != NULL ? s->key_id : quire_reader_sigblock(b->r)->sigs[0].key_id,
                         b->key_id);
        for (int i = 0; i < QUIRE_FINGERPRINT_BYTES; i++)
            snprintf(b->fp + 2 * i, 3, "%02x", quire_reader_fingerprint(b->r)[i]);
        const quire_index *idx = quire_reader_index(b->r);
        b->meta = idx->bundle_meta_len > 0
                      ? json_loadb((const char *)idx->bundle_meta, idx->bundle_meta_len, 0, NULL)
                      : NULL;
        if (b->meta == NULL)
            b->meta = json_object();
        /* SPEC 9 step 13: an invalid token fails the bundle, as in verify */
        if ((code = read_tsa_check(b->r, o, argv[k], &b->timestamps)) != 0)
            return code;
    }
    return 0;
}

static void close_all(void)
{
    for (size_t k = 0; k < state.nb; k++) {
        quire_reader_close(state.b[k].r);
        json_decref(state.b[k].meta);
        json_decref(state.b[k].timestamps);
    }
    free(state.b);
    state.b = NULL;
    state.nb = 0;
}

static int parse_port(const char *s, unsigned *port)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v > 65535) {
        read_fail(NULL, "serve: --port must be a number from 0 to 65535 (0: any free port)");
        return 2;
    }
    *port = (unsigned)v;
    return 0;
}

/* Serves until SIGINT or SIGTERM, which are blocked before the daemons' threads start (they
 * inherit the mask) and taken here with sigwait. */
static int run_until_signal(const read_opts *o, unsigned port)
{
    sigset_t set;
    int sig;
    struct MHD_Daemon *d[2] = {NULL, NULL};
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    size_t n = start_all(o, port, d);
    if (n == 0)
        return 2;
    while (sigwait(&set, &sig) != 0)
        ;
    for (size_t k = 0; k < n; k++)
        mhd.stop_daemon(d[k]);
    return 0;
}

int cmd_serve(const read_opts *o, int argc, char **argv)
{
    unsigned port = SERVE_DEFAULT_PORT;
    if (argc < 1) {
        read_fail(NULL, "serve: expected BUNDLE...");
        return 2;
    }
    if (o->port != NULL && parse_port(o->port, &port) != 0)
        return 2;
    for (int k = 0; k < argc; k++)
        if (strcmp(argv[k], "-") == 0) {
            read_fail(NULL, "serve: a bundle on standard input cannot be served; name its file");
            return 2;
        }
    if (load_mhd(argv[0]) != 0)
        return 2;
    state.allow_scripts = o->allow_scripts;
    state.any_signer = o->any_signer;
    int code = open_all(o, argc, argv);
    if (code == 0)
        code = run_until_signal(o, port);
    close_all();
    return code;
}
