/*
 * zkbench: a raw ZooKeeper-protocol load generator for the Corral benchmarks.
 *
 * It speaks the client wire protocol directly (4-byte big-endian length-prefixed jute frames) so
 * that the client side costs as little CPU as possible on a small machine shared with the server.
 * One thread per client, one session per thread, blocking sockets with TCP_NODELAY. Replies of a
 * session come back in request order (a ZooKeeper guarantee), so each client keeps a FIFO of send
 * times and checks the xid of every reply against it.
 *
 * Modes (see usage()):
 *   write     closed loop: each client keeps --depth requests outstanding for --warmup + --duration
 *             seconds; prints one JSON object (throughput, latency percentiles, own CPU use).
 *   populate  creates --nodes znodes under --root with multi ops of --per-multi creates each.
 *   mix       open loop at a fixed rate per client (getData/setData of random populated nodes)
 *             until SIGTERM/SIGINT or --duration; writes every op to --out for windowed analysis.
 *
 * Times are CLOCK_MONOTONIC nanoseconds, the same clock as Python's time.monotonic_ns().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    OP_CREATE = 1, OP_GETDATA = 4, OP_SETDATA = 5, OP_PING = 11, OP_MULTI = 14,
    OP_CLOSE = -11,
    ERR_NODEEXISTS = -110,
    XID_PING = -2,
};

/* ---------------------------------------------------------------- options */

static const char *opt_host = "127.0.0.1";
static int opt_port = 2181;
static int opt_clients = 1;
static int opt_depth = 1;
static double opt_warmup = 2.0;
static double opt_duration = 10.0;
static int opt_size = 100;
static int opt_timeout_ms = 30000;
static const char *opt_op = "setdata";
static const char *opt_root = "/corral-bench";
static long opt_nodes = 1000000;
static int opt_per_multi = 1000;
static double opt_rate = 250.0;
static double opt_write_fraction = 0.5;
static const char *opt_out = NULL;

static volatile sig_atomic_t stop_requested = 0;

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "zkbench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(int64_t t) {
    struct timespec ts = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

/* ---------------------------------------------------------------- jute encoding */

typedef struct { unsigned char *p; size_t len, cap; } buf_t;

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) die("out of memory");
    b->cap = cap;
}
static void put_raw(buf_t *b, const void *p, size_t n) { buf_reserve(b, n); memcpy(b->p + b->len, p, n); b->len += n; }
static void put_int(buf_t *b, int32_t v) { uint32_t x = htonl((uint32_t)v); put_raw(b, &x, 4); }
static void put_long(buf_t *b, int64_t v) { put_int(b, (int32_t)((uint64_t)v >> 32)); put_int(b, (int32_t)(uint32_t)v); }
static void put_bool(buf_t *b, int v) { unsigned char c = v ? 1 : 0; put_raw(b, &c, 1); }
static void put_buffer(buf_t *b, const void *p, int32_t n) { put_int(b, n); if (n > 0) put_raw(b, p, (size_t)n); }
static void put_string(buf_t *b, const char *s) { put_buffer(b, s, (int32_t)strlen(s)); }

/* A frame: reserve the 4-byte length, append the body, then patch the length. */
static size_t frame_begin(buf_t *b) { size_t at = b->len; put_int(b, 0); return at; }
static void frame_end(buf_t *b, size_t at) {
    uint32_t n = htonl((uint32_t)(b->len - at - 4));
    memcpy(b->p + at, &n, 4);
}

static int32_t get_int(const unsigned char *p) { uint32_t x; memcpy(&x, p, 4); return (int32_t)ntohl(x); }
static int64_t get_long(const unsigned char *p) { return ((int64_t)get_int(p) << 32) | (uint32_t)get_int(p + 4); }

/* world:anyone with all permissions (OPEN_ACL_UNSAFE). */
static void put_open_acl(buf_t *b) {
    put_int(b, 1);
    put_int(b, 31);
    put_string(b, "world");
    put_string(b, "anyone");
}

static void put_create_body(buf_t *b, const char *path, const unsigned char *data, int size, int flags) {
    put_string(b, path);
    put_buffer(b, data, size);
    put_open_acl(b);
    put_int(b, flags);
}

/* ---------------------------------------------------------------- connection */

typedef struct {
    int fd;
    int32_t xid;
    int64_t session_id;
    int negotiated_timeout;
    unsigned char *rbuf;
    size_t rlen, rcap;
    buf_t out;
    int64_t last_send;
    int64_t max_send_gap;
} conn_t;

static void write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
}

static void conn_flush(conn_t *c) {
    if (c->out.len == 0) return;
    write_all(c->fd, c->out.p, c->out.len);
    c->out.len = 0;
    int64_t t = now_ns();
    if (c->last_send && t - c->last_send > c->max_send_gap) c->max_send_gap = t - c->last_send;
    c->last_send = t;
}

/* Reads whatever is available (blocking until at least one byte); 0 on EOF. */
static int conn_read(conn_t *c) {
    if (c->rcap - c->rlen < 65536) {
        c->rcap = c->rcap ? c->rcap * 2 : (1 << 20);
        c->rbuf = realloc(c->rbuf, c->rcap);
        if (!c->rbuf) die("out of memory");
    }
    for (;;) {
        ssize_t r = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
        if (r < 0) {
            if (errno == EINTR) { if (stop_requested) return -1; continue; }
            die("read: %s", strerror(errno));
        }
        c->rlen += (size_t)r;
        return (int)r;
    }
}

/* Returns a pointer to the next complete frame's payload (and its length), or NULL. */
static const unsigned char *conn_next_frame(conn_t *c, size_t *off, int32_t *len) {
    if (c->rlen - *off < 4) return NULL;
    int32_t n = get_int(c->rbuf + *off);
    if (n < 0) die("negative frame length");
    if (c->rlen - *off - 4 < (size_t)n) return NULL;
    const unsigned char *p = c->rbuf + *off + 4;
    *off += 4 + (size_t)n;
    *len = n;
    return p;
}

static void conn_compact(conn_t *c, size_t off) {
    if (off == 0) return;
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
}

static void conn_open(conn_t *c) {
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)opt_port) };
    if (inet_pton(AF_INET, opt_host, &sa.sin_addr) != 1) die("bad host %s", opt_host);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect %s:%d: %s", opt_host, opt_port, strerror(errno));

    /* ConnectRequest */
    size_t at = frame_begin(&c->out);
    put_int(&c->out, 0);                 /* protocolVersion */
    put_long(&c->out, 0);                /* lastZxidSeen */
    put_int(&c->out, opt_timeout_ms);    /* timeOut */
    put_long(&c->out, 0);                /* sessionId */
    unsigned char zeros[16] = { 0 };
    put_buffer(&c->out, zeros, 16);      /* passwd */
    put_bool(&c->out, 0);                /* readOnly */
    frame_end(&c->out, at);
    conn_flush(c);

    size_t off = 0;
    int32_t len;
    const unsigned char *p;
    while (!(p = conn_next_frame(c, &off, &len))) {
        if (conn_read(c) <= 0) die("server closed the connection during the handshake");
    }
    if (len < 20) die("short ConnectResponse");
    c->negotiated_timeout = get_int(p + 4);
    c->session_id = get_long(p + 8);
    if (c->negotiated_timeout <= 0) die("session refused (timeout %d)", c->negotiated_timeout);
    conn_compact(c, off);
    c->xid = 1;
    c->max_send_gap = 0;
}

/* Sends one request synchronously and returns its err (for setup only). */
static int32_t conn_call(conn_t *c, int32_t type, void (*body)(buf_t *, void *), void *arg) {
    size_t at = frame_begin(&c->out);
    int32_t xid = c->xid++;
    put_int(&c->out, xid);
    put_int(&c->out, type);
    body(&c->out, arg);
    frame_end(&c->out, at);
    conn_flush(c);
    for (;;) {
        size_t off = 0;
        int32_t len;
        const unsigned char *p;
        while ((p = conn_next_frame(c, &off, &len))) {
            int32_t rxid = get_int(p);
            if (rxid == XID_PING) continue;
            if (rxid != xid) die("unexpected reply xid %d (wanted %d)", rxid, xid);
            int32_t err = get_int(p + 12);
            conn_compact(c, off);
            return err;
        }
        if (conn_read(c) <= 0) die("server closed the connection");
    }
}

static void conn_close(conn_t *c) {
    /* closeSession, then wait (briefly) for its reply so the session ends cleanly. */
    size_t at = frame_begin(&c->out);
    put_int(&c->out, c->xid++);
    put_int(&c->out, OP_CLOSE);
    frame_end(&c->out, at);
    conn_flush(c);
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    int64_t deadline = now_ns() + 2000000000LL;
    while (now_ns() < deadline) {
        if (poll(&pfd, 1, 100) > 0) {
            ssize_t r = read(c->fd, c->rbuf, c->rcap);
            if (r <= 0) break;
        }
    }
    close(c->fd);
    free(c->rbuf);
    free(c->out.p);
}

struct create_arg { const char *path; const unsigned char *data; int size; int flags; };
static void create_body(buf_t *b, void *a) {
    struct create_arg *x = a;
    put_create_body(b, x->path, x->data, x->size, x->flags);
}

static void ensure_node(conn_t *c, const char *path, const unsigned char *data, int size) {
    struct create_arg a = { path, data, size, 0 };
    int32_t err = conn_call(c, OP_CREATE, create_body, &a);
    if (err != 0 && err != ERR_NODEEXISTS) die("create %s failed: err %d", path, err);
}

/* ---------------------------------------------------------------- latency records */

typedef struct { uint32_t *v; size_t n, cap; } lat_t;
static void lat_add(lat_t *l, int64_t ns) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 65536;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) die("out of memory");
    }
    uint64_t us = (uint64_t)(ns / 1000);
    l->v[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}
static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}
static double pct(const lat_t *l, double q) {
    if (l->n == 0) return -1;
    size_t i = (size_t)(q * (double)(l->n - 1) + 0.5);
    return l->v[i] / 1000.0; /* ms */
}

/* ---------------------------------------------------------------- write mode */

typedef struct {
    int index;
    pthread_t thread;
    conn_t conn;
    char **paths;            /* setData targets or the create prefix */
    int npaths;
    lat_t lat;
    long ops, errors, ops_total;
    int64_t *fifo;           /* send times of outstanding requests, by xid order */
    int32_t *fifo_xid;
    int fifo_cap, fifo_head, fifo_count;
    struct rusage ru_start, ru_end;
} client_t;

static unsigned char *payload;
static pthread_barrier_t ready_barrier;
static int64_t t_start, t_measure, t_end;

static void fifo_push(client_t *cl, int32_t xid, int64_t t) {
    if (cl->fifo_count == cl->fifo_cap) die("fifo overflow");
    int i = (cl->fifo_head + cl->fifo_count) % cl->fifo_cap;
    cl->fifo[i] = t;
    cl->fifo_xid[i] = xid;
    cl->fifo_count++;
}
static int64_t fifo_pop(client_t *cl, int32_t xid) {
    if (cl->fifo_count == 0) die("reply xid %d with nothing outstanding", xid);
    int i = cl->fifo_head;
    if (cl->fifo_xid[i] != xid) die("reply xid %d out of order (expected %d)", xid, cl->fifo_xid[i]);
    cl->fifo_head = (cl->fifo_head + 1) % cl->fifo_cap;
    cl->fifo_count--;
    return cl->fifo[i];
}

static void *write_client(void *arg) {
    client_t *cl = arg;
    conn_t *c = &cl->conn;
    int is_create = strcmp(opt_op, "create") == 0;
    long next_path = 0;
    pthread_barrier_wait(&ready_barrier);
    sleep_until(t_start);
    getrusage(RUSAGE_THREAD, &cl->ru_start);
    c->last_send = 0;
    for (;;) {
        int64_t now = now_ns();
        int sending = now < t_end && !stop_requested;
        if (!sending && cl->fifo_count == 0) break;
        while (sending && cl->fifo_count < opt_depth) {
            size_t at = frame_begin(&c->out);
            int32_t xid = c->xid++;
            put_int(&c->out, xid);
            if (is_create) {
                put_int(&c->out, OP_CREATE);
                put_create_body(&c->out, cl->paths[0], payload, opt_size, 2 /* PERSISTENT_SEQUENTIAL */);
            } else {
                put_int(&c->out, OP_SETDATA);
                put_string(&c->out, cl->paths[next_path++ % cl->npaths]);
                put_buffer(&c->out, payload, opt_size);
                put_int(&c->out, -1);
            }
            frame_end(&c->out, at);
            fifo_push(cl, xid, now);
        }
        conn_flush(c);
        if (conn_read(c) <= 0) {
            if (stop_requested) break;
            die("server closed the connection");
        }
        int64_t t = now_ns();
        size_t off = 0;
        int32_t len;
        const unsigned char *p;
        while ((p = conn_next_frame(c, &off, &len))) {
            int32_t xid = get_int(p);
            if (xid == XID_PING) continue;
            if (len < 16) die("short reply");
            int32_t err = get_int(p + 12);
            int64_t sent = fifo_pop(cl, xid);
            cl->ops_total++;
            if (t >= t_measure && t < t_end) {
                if (err != 0) cl->errors++;
                else { cl->ops++; lat_add(&cl->lat, t - sent); }
            }
        }
        conn_compact(c, off);
    }
    getrusage(RUSAGE_THREAD, &cl->ru_end);
    return NULL;
}

static double tv_s(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }
static double ru_cpu(const struct rusage *a, const struct rusage *b) {
    return tv_s(b->ru_utime) - tv_s(a->ru_utime) + tv_s(b->ru_stime) - tv_s(a->ru_stime);
}

static int run_write(void) {
    int is_create = strcmp(opt_op, "create") == 0;
    if (!is_create && strcmp(opt_op, "setdata") != 0) die("--op must be setdata or create");
    char path[256];

    /* Setup (not measured): the parent nodes and, for setData, one node per pipeline slot. */
    conn_t setup;
    conn_open(&setup);
    ensure_node(&setup, opt_root, NULL, -1);
    snprintf(path, sizeof path, "%s/%s", opt_root, is_create ? "seq" : "w");
    ensure_node(&setup, path, NULL, -1);

    client_t *cls = calloc((size_t)opt_clients, sizeof *cls);
    for (int i = 0; i < opt_clients; i++) {
        client_t *cl = &cls[i];
        cl->index = i;
        cl->fifo_cap = opt_depth + 1;
        cl->fifo = calloc((size_t)cl->fifo_cap, sizeof *cl->fifo);
        cl->fifo_xid = calloc((size_t)cl->fifo_cap, sizeof *cl->fifo_xid);
        if (is_create) {
            cl->npaths = 1;
            cl->paths = calloc(1, sizeof *cl->paths);
            snprintf(path, sizeof path, "%s/seq/c%d-", opt_root, i);
            cl->paths[0] = strdup(path);
        } else {
            cl->npaths = opt_depth;
            cl->paths = calloc((size_t)cl->npaths, sizeof *cl->paths);
            for (int j = 0; j < cl->npaths; j++) {
                snprintf(path, sizeof path, "%s/w/c%d-%d", opt_root, i, j);
                cl->paths[j] = strdup(path);
                ensure_node(&setup, path, payload, opt_size);
            }
        }
        conn_open(&cl->conn);
    }
    int negotiated = setup.negotiated_timeout;
    conn_close(&setup);

    pthread_barrier_init(&ready_barrier, NULL, (unsigned)opt_clients + 1);
    for (int i = 0; i < opt_clients; i++) pthread_create(&cls[i].thread, NULL, write_client, &cls[i]);
    t_start = now_ns() + 50000000LL;
    t_measure = t_start + (int64_t)(opt_warmup * 1e9);
    t_end = t_measure + (int64_t)(opt_duration * 1e9);
    pthread_barrier_wait(&ready_barrier);

    struct rusage ru0, ru1;
    sleep_until(t_measure);
    getrusage(RUSAGE_SELF, &ru0);
    sleep_until(t_end);
    getrusage(RUSAGE_SELF, &ru1);
    int64_t t_measured_end = now_ns();
    for (int i = 0; i < opt_clients; i++) pthread_join(cls[i].thread, NULL);

    lat_t all = { 0 };
    long ops = 0, errors = 0;
    double max_thread_cpu = 0, max_gap_ms = 0;
    for (int i = 0; i < opt_clients; i++) {
        client_t *cl = &cls[i];
        ops += cl->ops;
        errors += cl->errors;
        for (size_t k = 0; k < cl->lat.n; k++) lat_add(&all, (int64_t)cl->lat.v[k] * 1000);
        double tc = ru_cpu(&cl->ru_start, &cl->ru_end) / (opt_warmup + opt_duration);
        if (tc > max_thread_cpu) max_thread_cpu = tc;
        double gap = cl->conn.max_send_gap / 1e6;
        if (gap > max_gap_ms) max_gap_ms = gap;
        conn_close(&cl->conn);
    }
    qsort(all.v, all.n, sizeof *all.v, cmp_u32);
    double wall = (t_measured_end - t_measure) / 1e9;
    double cpu = ru_cpu(&ru0, &ru1);
    printf("{\"op\":\"%s\",\"clients\":%d,\"depth\":%d,\"size\":%d,\"duration_s\":%.3f,"
           "\"ops\":%ld,\"errors\":%ld,\"ops_per_s\":%.1f,"
           "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
           "\"gen_cpu_pct\":%.1f,\"gen_max_thread_cpu_pct\":%.1f,"
           "\"negotiated_timeout_ms\":%d,\"max_send_gap_ms\":%.1f,"
           "\"measure_start_ns\":%lld,\"measure_end_ns\":%lld}\n",
           opt_op, opt_clients, opt_depth, opt_size, wall, ops, errors, ops / wall,
           pct(&all, 0.50), pct(&all, 0.90), pct(&all, 0.99), pct(&all, 0.999),
           all.n ? all.v[all.n - 1] / 1000.0 : -1.0,
           100.0 * cpu / wall, 100.0 * max_thread_cpu, negotiated, max_gap_ms,
           (long long)t_measure, (long long)t_measured_end);
    return errors ? 1 : 0;
}

/* ---------------------------------------------------------------- populate mode */

static void child_path(char *out, size_t n, long i) {
    snprintf(out, n, "%s/p%04ld/c%04ld", opt_root, i / 1000, i % 1000);
}

static int run_populate(void) {
    conn_t c;
    conn_open(&c);
    int64_t t0 = now_ns();
    ensure_node(&c, opt_root, NULL, -1);
    long parents = (opt_nodes + 999) / 1000;
    char path[256];
    /* Work items: first the parents (in multis), then the children, --per-multi per multi. */
    long items = parents + opt_nodes, next = 0, done_items = 0, multis = 0;
    const int depth = 4;
    int32_t inflight_xid[8];
    long inflight_items[8];
    int head = 0, count = 0;
    int64_t last_report = t0;
    while (next < items || count > 0) {
        while (next < items && count < depth) {
            size_t at = frame_begin(&c.out);
            int32_t xid = c.xid++;
            put_int(&c.out, xid);
            put_int(&c.out, OP_MULTI);
            long end = next + opt_per_multi;
            if (next < parents && end > parents) end = parents; /* parents first, in their own multis */
            if (end > items) end = items;
            for (long k = next; k < end; k++) {
                put_int(&c.out, OP_CREATE); put_bool(&c.out, 0); put_int(&c.out, -1);
                if (k < parents) {
                    snprintf(path, sizeof path, "%s/p%04ld", opt_root, k);
                    put_create_body(&c.out, path, NULL, -1, 0);
                } else {
                    child_path(path, sizeof path, k - parents);
                    put_create_body(&c.out, path, payload, opt_size, 0);
                }
            }
            put_int(&c.out, -1); put_bool(&c.out, 1); put_int(&c.out, -1);
            frame_end(&c.out, at);
            int slot = (head + count) % 8;
            inflight_xid[slot] = xid;
            inflight_items[slot] = end - next;
            count++;
            next = end;
            multis++;
        }
        conn_flush(&c);
        if (conn_read(&c) <= 0) die("server closed the connection during populate");
        size_t off = 0;
        int32_t len;
        const unsigned char *p;
        while ((p = conn_next_frame(&c, &off, &len))) {
            int32_t xid = get_int(p);
            if (xid == XID_PING) continue;
            if (count == 0 || inflight_xid[head] != xid) die("populate: unexpected reply xid %d", xid);
            int32_t err = get_int(p + 12);
            /* The first MultiHeader of the response: type -1 means the multi failed. */
            int32_t first_type = len >= 20 ? get_int(p + 16) : 0;
            if (err != 0 || first_type == -1) {
                int32_t op_err = len >= 29 ? get_int(p + 21) : 0;
                die("populate: multi failed (err %d, first op err %d)", err, op_err);
            }
            done_items += inflight_items[head];
            head = (head + 1) % 8;
            count--;
        }
        conn_compact(&c, off);
        int64_t t = now_ns();
        if (t - last_report > 5000000000LL) {
            fprintf(stderr, "zkbench: populate %ld/%ld nodes, %.1f s\n", done_items - parents > 0 ? done_items - parents : 0,
                    opt_nodes, (t - t0) / 1e9);
            last_report = t;
        }
    }
    double secs = (now_ns() - t0) / 1e9;
    printf("{\"nodes\":%ld,\"parents\":%ld,\"multis\":%ld,\"seconds\":%.3f,\"nodes_per_s\":%.1f,\"max_send_gap_ms\":%.1f}\n",
           opt_nodes, parents, multis, secs, opt_nodes / secs, c.max_send_gap / 1e6);
    conn_close(&c);
    return 0;
}

/* ---------------------------------------------------------------- mix mode */

typedef struct { int64_t intended, done; int32_t type, err; } rec_t;

typedef struct {
    pthread_t thread;
    int index;
    conn_t conn;
    rec_t *recs;
    size_t nrecs, cap;
    int64_t *fifo_intended;
    int32_t *fifo_type, *fifo_xid;
    int fifo_cap, head, count;
    long late;               /* sends delayed because --depth requests were outstanding */
    long pings;
    struct rusage ru_start, ru_end;
} mix_client_t;

static uint64_t rng_next(uint64_t *s) { /* xorshift64* */
    *s ^= *s >> 12; *s ^= *s << 25; *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void *mix_client(void *arg) {
    mix_client_t *cl = arg;
    conn_t *c = &cl->conn;
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)cl->index * 7919 + 1);
    char path[256];
    int64_t interval = (int64_t)(1e9 / opt_rate);
    pthread_barrier_wait(&ready_barrier);
    sleep_until(t_start);
    getrusage(RUSAGE_THREAD, &cl->ru_start);
    /* Spread the clients' schedules over one interval. */
    int64_t next = t_start + interval * cl->index / opt_clients;
    int64_t ping_every = (int64_t)c->negotiated_timeout * 1000000LL / 3;
    c->last_send = now_ns();
    int64_t drain_deadline = 0;
    for (;;) {
        int64_t now = now_ns();
        int sending = !stop_requested && now < t_end;
        if (!sending && cl->count == 0) break;
        if (!sending && !drain_deadline) drain_deadline = now + 5000000000LL;
        if (!sending && now > drain_deadline) break;
        while (sending && next <= now) {
            if (cl->count >= opt_depth) { cl->late++; break; }
            size_t at = frame_begin(&c->out);
            int32_t xid = c->xid++;
            put_int(&c->out, xid);
            long node = (long)(rng_next(&rng) % (uint64_t)opt_nodes);
            child_path(path, sizeof path, node);
            int is_write = (double)(rng_next(&rng) >> 11) / 9007199254740992.0 < opt_write_fraction;
            if (is_write) {
                put_int(&c->out, OP_SETDATA);
                put_string(&c->out, path);
                put_buffer(&c->out, payload, opt_size);
                put_int(&c->out, -1);
            } else {
                put_int(&c->out, OP_GETDATA);
                put_string(&c->out, path);
                put_bool(&c->out, 0);
            }
            frame_end(&c->out, at);
            int slot = (cl->head + cl->count) % cl->fifo_cap;
            cl->fifo_intended[slot] = next;
            cl->fifo_type[slot] = is_write ? OP_SETDATA : OP_GETDATA;
            cl->fifo_xid[slot] = xid;
            cl->count++;
            next += interval;
        }
        if (sending && c->out.len == 0 && now - c->last_send > ping_every) {
            size_t at = frame_begin(&c->out);
            put_int(&c->out, XID_PING);
            put_int(&c->out, OP_PING);
            frame_end(&c->out, at);
            cl->pings++;
        }
        conn_flush(c);
        /* Wait for a reply or the next scheduled send. */
        int64_t wait_ns = 100000000LL;
        if (sending && cl->count < opt_depth) {
            wait_ns = next - now_ns();
            if (wait_ns < 0) wait_ns = 0;
        }
        struct timespec ts = { .tv_sec = wait_ns / 1000000000LL, .tv_nsec = wait_ns % 1000000000LL };
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int r = ppoll(&pfd, 1, &ts, NULL);
        if (r < 0 && errno != EINTR) die("ppoll: %s", strerror(errno));
        if (r <= 0) continue;
        if (conn_read(c) <= 0) {
            if (stop_requested) break;
            die("server closed the connection");
        }
        int64_t t = now_ns();
        size_t off = 0;
        int32_t len;
        const unsigned char *p;
        while ((p = conn_next_frame(c, &off, &len))) {
            int32_t xid = get_int(p);
            if (xid == XID_PING) continue;
            if (cl->count == 0 || cl->fifo_xid[cl->head] != xid) die("mix: unexpected reply xid %d", xid);
            if (cl->nrecs == cl->cap) {
                cl->cap = cl->cap ? cl->cap * 2 : 65536;
                cl->recs = realloc(cl->recs, cl->cap * sizeof *cl->recs);
                if (!cl->recs) die("out of memory");
            }
            rec_t *rec = &cl->recs[cl->nrecs++];
            rec->intended = cl->fifo_intended[cl->head];
            rec->done = t;
            rec->type = cl->fifo_type[cl->head];
            rec->err = get_int(p + 12);
            cl->head = (cl->head + 1) % cl->fifo_cap;
            cl->count--;
        }
        conn_compact(c, off);
    }
    getrusage(RUSAGE_THREAD, &cl->ru_end);
    return NULL;
}

static void on_stop(int sig) { (void)sig; stop_requested = 1; }

static int run_mix(void) {
    if (!opt_out) die("mix needs --out FILE");
    struct sigaction sa = { .sa_handler = on_stop };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    mix_client_t *cls = calloc((size_t)opt_clients, sizeof *cls);
    for (int i = 0; i < opt_clients; i++) {
        cls[i].index = i;
        cls[i].fifo_cap = opt_depth + 1;
        cls[i].fifo_intended = calloc((size_t)cls[i].fifo_cap, sizeof(int64_t));
        cls[i].fifo_type = calloc((size_t)cls[i].fifo_cap, sizeof(int32_t));
        cls[i].fifo_xid = calloc((size_t)cls[i].fifo_cap, sizeof(int32_t));
        conn_open(&cls[i].conn);
    }
    pthread_barrier_init(&ready_barrier, NULL, (unsigned)opt_clients + 1);
    for (int i = 0; i < opt_clients; i++) pthread_create(&cls[i].thread, NULL, mix_client, &cls[i]);
    t_start = now_ns() + 50000000LL;
    t_end = t_start + (int64_t)(opt_duration * 1e9);
    fprintf(stderr, "zkbench: mix started at %lld\n", (long long)t_start);
    pthread_barrier_wait(&ready_barrier);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    for (int i = 0; i < opt_clients; i++) pthread_join(cls[i].thread, NULL);
    getrusage(RUSAGE_SELF, &ru1);
    int64_t t_stop = now_ns();

    FILE *f = fopen(opt_out, "w");
    if (!f) die("cannot write %s: %s", opt_out, strerror(errno));
    long late = 0, pings = 0, total = 0;
    double max_gap_ms = 0;
    for (int i = 0; i < opt_clients; i++) {
        mix_client_t *cl = &cls[i];
        for (size_t k = 0; k < cl->nrecs; k++) {
            rec_t *r = &cl->recs[k];
            fprintf(f, "%d %d %lld %lld %d\n", i, r->type, (long long)r->intended, (long long)r->done, r->err);
        }
        total += (long)cl->nrecs;
        late += cl->late;
        pings += cl->pings;
        double gap = cl->conn.max_send_gap / 1e6;
        if (gap > max_gap_ms) max_gap_ms = gap;
    }
    fclose(f);
    double wall = (t_stop - t_start) / 1e9;
    printf("{\"clients\":%d,\"rate_per_client\":%.1f,\"depth\":%d,\"start_ns\":%lld,\"stop_ns\":%lld,"
           "\"ops\":%ld,\"late_sends\":%ld,\"pings\":%ld,\"gen_cpu_pct\":%.1f,"
           "\"negotiated_timeout_ms\":%d,\"max_send_gap_ms\":%.1f}\n",
           opt_clients, opt_rate, opt_depth, (long long)t_start, (long long)t_stop, total, late, pings,
           100.0 * ru_cpu(&ru0, &ru1) / wall, cls[0].conn.negotiated_timeout, max_gap_ms);
    for (int i = 0; i < opt_clients; i++) conn_close(&cls[i].conn);
    return 0;
}

/* ---------------------------------------------------------------- main */

static void usage(void) {
    fprintf(stderr,
        "usage: zkbench MODE [options]\n"
        "  write     --clients N --depth D --op setdata|create --warmup S --duration S --size B\n"
        "  populate  --nodes N --per-multi K --size B   (creates ROOT/pNNNN/cNNNN)\n"
        "  mix       --clients N --rate OPS_PER_CLIENT --depth MAX_OUTSTANDING --write-fraction F\n"
        "            --nodes N --duration MAX_S --out FILE   (stops on SIGTERM)\n"
        "common: --host 127.0.0.1 --port 2181 --timeout-ms 30000 --root /corral-bench\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (!strcmp(k, "--host")) opt_host = v;
        else if (!strcmp(k, "--port")) opt_port = atoi(v);
        else if (!strcmp(k, "--clients")) opt_clients = atoi(v);
        else if (!strcmp(k, "--depth")) opt_depth = atoi(v);
        else if (!strcmp(k, "--warmup")) opt_warmup = atof(v);
        else if (!strcmp(k, "--duration")) opt_duration = atof(v);
        else if (!strcmp(k, "--size")) opt_size = atoi(v);
        else if (!strcmp(k, "--timeout-ms")) opt_timeout_ms = atoi(v);
        else if (!strcmp(k, "--op")) opt_op = v;
        else if (!strcmp(k, "--root")) opt_root = v;
        else if (!strcmp(k, "--nodes")) opt_nodes = atol(v);
        else if (!strcmp(k, "--per-multi")) opt_per_multi = atoi(v);
        else if (!strcmp(k, "--rate")) opt_rate = atof(v);
        else if (!strcmp(k, "--write-fraction")) opt_write_fraction = atof(v);
        else if (!strcmp(k, "--out")) opt_out = v;
        else usage();
    }
    if (opt_clients < 1 || opt_depth < 1 || opt_size < 0 || opt_per_multi < 1 || opt_nodes < 1) usage();
    signal(SIGPIPE, SIG_IGN);
    payload = malloc((size_t)opt_size + 1);
    for (int i = 0; i < opt_size; i++) payload[i] = (unsigned char)('a' + i % 26);
    if (!strcmp(mode, "write")) return run_write();
    if (!strcmp(mode, "populate")) return run_populate();
    if (!strcmp(mode, "mix")) return run_mix();
    usage();
    return 2;
}
