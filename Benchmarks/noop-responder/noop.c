/*
 * noop: a no-op ZooKeeper-protocol responder, for measuring load generators (and the client side
 * of the wire protocol) with no server work behind them.
 *
 * Listens on 127.0.0.1:PORT (0 = any free port; the bound port is printed as "port N"), accepts
 * any number of connections and answers every request at once with a fixed, well-formed reply:
 *   - first frame: ConnectRequest -> ConnectResponse {0, echoed timeOut, fresh sessionId, 16 zero
 *     bytes of passwd} (+ the readOnly byte if the client sent one);
 *   - later frames: RequestHeader {xid, type} -> ReplyHeader {xid, zxid 1, err 0} + a fixed body
 *     of the shape the client expects for that type (Stat all zero, getData returns "second" so
 *     that Apache's load_gen, which checks the value it reads back, accepts it; create/sync echo
 *     the request's path).
 * No znodes, no sessions, no state but per-connection buffers. Frames may arrive split or many
 * per read (pipelining); all replies produced by one read are sent with one write.
 *
 * Usage: noop [PORT [THREADS]]   (THREADS event loops, default 1, sharing one listening socket)
 * Counters: on SIGUSR1 it prints "stats REQUESTS CONNECTIONS MONOTONIC_NS" to stdout (REQUESTS
 * counts every frame answered, pings and connects included). SIGTERM/SIGINT: print stats, exit 0.
 *
 * Wire format: zookeeper-jute/src/main/resources/zookeeper.jute (all integers big-endian).
 * Build: cc -O2 -Wall -pthread -o noop noop.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    OP_NOTIFICATION = 0, OP_CREATE = 1, OP_DELETE = 2, OP_EXISTS = 3, OP_GETDATA = 4,
    OP_SETDATA = 5, OP_GETACL = 6, OP_SETACL = 7, OP_GETCHILDREN = 8, OP_SYNC = 9, OP_PING = 11,
    OP_GETCHILDREN2 = 12, OP_CHECK = 13, OP_MULTI = 14, OP_CREATE2 = 15, OP_RECONFIG = 16,
    OP_CREATECONTAINER = 19, OP_CREATETTL = 21, OP_GETEPHEMERALS = 103,
    OP_GETALLCHILDRENNUMBER = 104, OP_AUTH = 100, OP_CLOSE = -11,
};

/* Stat: czxid, mzxid, ctime, mtime (longs), version, cversion, aversion (ints), ephemeralOwner
 * (long), dataLength, numChildren (ints), pzxid (long): 6 longs + 5 ints = 68 bytes. */
#define STAT_BYTES (6 * 8 + 5 * 4)

static const char GETDATA_VALUE[] = "second";   /* what Apache's load_gen expects to read back */
#define MAX_FRAME (64 * 1024 * 1024)

static atomic_long total_requests;
static atomic_long total_connections;
static atomic_long next_session = 0x1000000000000LL;
static volatile sig_atomic_t stats_requested = 0, stop_requested = 0;
static int listen_fd;

typedef struct { unsigned char *p; size_t len, cap; } buf_t;

typedef struct {
    int fd;
    int handshaken;
    int closing;                 /* closeSession answered: close once the output is flushed */
    int want_out;                /* EPOLLOUT registered */
    buf_t in, out;
    size_t out_off;              /* bytes of out already written */
} conn_t;

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) { perror("realloc"); exit(1); }
    b->p = p;
    b->cap = cap;
}
static void put_int(buf_t *b, int32_t v) {
    buf_reserve(b, 4);
    uint32_t u = htonl((uint32_t)v);
    memcpy(b->p + b->len, &u, 4);
    b->len += 4;
}
static void put_long(buf_t *b, int64_t v) {
    put_int(b, (int32_t)((uint64_t)v >> 32));
    put_int(b, (int32_t)(uint32_t)v);
}
static void put_bytes(buf_t *b, const void *p, size_t n) {
    buf_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}
static void put_zeros(buf_t *b, size_t n) {
    buf_reserve(b, n);
    memset(b->p + b->len, 0, n);
    b->len += n;
}
static int32_t get_int(const unsigned char *p) {
    uint32_t u;
    memcpy(&u, p, 4);
    return (int32_t)ntohl(u);
}

/* The path (ustring) at the start of a request body, or NULL if it is not well-formed. */
static const unsigned char *body_path(const unsigned char *body, int32_t blen, int32_t *plen) {
    if (blen < 4) return NULL;
    int32_t n = get_int(body);
    if (n < 0) n = 0;                       /* null string: echo as empty */
    if (n > blen - 4) return NULL;
    *plen = n;
    return body + 4;
}

static void reply_connect(conn_t *c, const unsigned char *f, int32_t len) {
    /* ConnectRequest: int protocolVersion, long lastZxidSeen, int timeOut, long sessionId,
     * buffer passwd, [bool readOnly] */
    int32_t timeout = len >= 16 ? get_int(f + 12) : 30000;
    int has_readonly = 0;
    if (len >= 28) {
        int32_t pw = get_int(f + 24);
        if (pw < 0) pw = 0;
        has_readonly = len > 28 + pw;
    }
    size_t at = c->out.len;
    put_int(&c->out, 0);                    /* frame length, patched below */
    put_int(&c->out, 0);                    /* protocolVersion */
    put_int(&c->out, timeout);
    put_long(&c->out, atomic_fetch_add(&next_session, 1));
    put_int(&c->out, 16);
    put_zeros(&c->out, 16);
    if (has_readonly) put_zeros(&c->out, 1);
    uint32_t n = htonl((uint32_t)(c->out.len - at - 4));
    memcpy(c->out.p + at, &n, 4);
}

/* Appends the reply to one request frame; returns 0, -1 after closeSession, 1 if malformed. */
static int reply_request(conn_t *c, const unsigned char *f, int32_t len) {
    if (len < 8) return 1;                  /* malformed: drop the connection */
    int32_t xid = get_int(f), type = get_int(f + 4);
    const unsigned char *body = f + 8;
    int32_t blen = len - 8, plen = 0;
    const unsigned char *path;

    size_t at = c->out.len;
    put_int(&c->out, 0);                    /* frame length, patched below */
    put_int(&c->out, xid);
    put_long(&c->out, 1);                   /* zxid */
    put_int(&c->out, 0);                    /* err */
    switch (type) {
    case OP_EXISTS: case OP_SETDATA: case OP_SETACL:
        put_zeros(&c->out, STAT_BYTES);
        break;
    case OP_GETDATA:
        put_int(&c->out, (int32_t)(sizeof GETDATA_VALUE - 1));
        put_bytes(&c->out, GETDATA_VALUE, sizeof GETDATA_VALUE - 1);
        put_zeros(&c->out, STAT_BYTES);
        break;
    case OP_CREATE: case OP_SYNC:
    case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
        path = body_path(body, blen, &plen);
        put_int(&c->out, path ? plen : 0);
        if (path) put_bytes(&c->out, path, (size_t)plen);
        if (type != OP_CREATE && type != OP_SYNC) put_zeros(&c->out, STAT_BYTES);
        break;
    case OP_GETCHILDREN: case OP_GETEPHEMERALS:
        put_int(&c->out, 0);                /* empty vector<ustring> */
        break;
    case OP_GETCHILDREN2: case OP_GETACL:
        put_int(&c->out, 0);                /* empty vector + Stat */
        put_zeros(&c->out, STAT_BYTES);
        break;
    case OP_GETALLCHILDRENNUMBER:
        put_int(&c->out, 0);
        break;
    default:                                /* delete, ping, auth, closeSession, setWatches, ... */
        break;
    }
    uint32_t n = htonl((uint32_t)(c->out.len - at - 4));
    memcpy(c->out.p + at, &n, 4);
    return type == OP_CLOSE ? -1 : 0;
}

static void conn_free(int ep, conn_t *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in.p);
    free(c->out.p);
    free(c);
}

/* Writes what it can; returns -1 on a fatal error. Keeps EPOLLOUT registered while output waits. */
static int conn_flush(int ep, conn_t *c) {
    while (c->out_off < c->out.len) {
        ssize_t w = write(c->fd, c->out.p + c->out_off, c->out.len - c->out_off);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -1;
        }
        c->out_off += (size_t)w;
    }
    if (c->out_off == c->out.len) {
        c->out.len = c->out_off = 0;
        if (c->closing) return -1;
    } else if (c->out_off > (1 << 20)) {
        memmove(c->out.p, c->out.p + c->out_off, c->out.len - c->out_off);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
    int want = c->out.len > 0;
    if (want != c->want_out) {
        struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c };
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = want;
    }
    return 0;
}

/* Reads everything available, answers every complete frame; returns -1 to drop the connection. */
static int conn_readable(int ep, conn_t *c) {
    long answered = 0;
    int eof = 0;
    for (;;) {
        buf_reserve(&c->in, 65536);
        ssize_t r = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -1;
        }
        if (r == 0) { eof = 1; break; }
        size_t asked = c->in.cap - c->in.len;
        c->in.len += (size_t)r;
        if ((size_t)r < asked) break;       /* short read: the socket is drained */
    }
    size_t off = 0;
    while (!c->closing && c->in.len - off >= 4) {
        int32_t n = get_int(c->in.p + off);
        if (n < 0 || n > MAX_FRAME) return -1;
        if (c->in.len - off - 4 < (size_t)n) break;
        const unsigned char *f = c->in.p + off + 4;
        off += 4 + (size_t)n;
        answered++;
        if (!c->handshaken) {
            reply_connect(c, f, n);
            c->handshaken = 1;
        } else {
            int rc = reply_request(c, f, n);
            if (rc > 0) return -1;
            if (rc < 0) c->closing = 1;
        }
    }
    if (off) {
        memmove(c->in.p, c->in.p + off, c->in.len - off);
        c->in.len -= off;
    }
    if (answered) atomic_fetch_add_explicit(&total_requests, answered, memory_order_relaxed);
    if (conn_flush(ep, c) < 0) return -1;
    return eof ? -1 : 0;
}

static void *event_loop(void *arg) {
    (void)arg;
    int ep = epoll_create1(0);
    if (ep < 0) { perror("epoll_create1"); exit(1); }
    struct epoll_event lev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &lev) < 0) { perror("epoll_ctl listen"); exit(1); }
    struct epoll_event evs[256];
    while (!stop_requested) {
        int n = epoll_wait(ep, evs, 256, 200);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            exit(1);
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (!c) {
                for (;;) {
                    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;      /* EAGAIN (another loop took it) or transient */
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = nc };
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) { close(fd); free(nc); continue; }
                    atomic_fetch_add(&total_connections, 1);
                }
                continue;
            }
            int drop = 0;
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) drop = !(evs[i].events & EPOLLIN);
            if (!drop && (evs[i].events & EPOLLOUT)) drop = conn_flush(ep, c) < 0;
            if (!drop && (evs[i].events & EPOLLIN)) drop = conn_readable(ep, c) < 0;
            if (drop) conn_free(ep, c);
        }
    }
    return NULL;
}

static void on_usr1(int s) { (void)s; stats_requested = 1; }
static void on_stop(int s) { (void)s; stop_requested = 1; }

static void print_stats(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("stats %ld %ld %lld\n", atomic_load(&total_requests), atomic_load(&total_connections),
           (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    fflush(stdout);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (argc > 3 || port < 0 || port > 65535 || threads < 1 || threads > 256) {
        fprintf(stderr, "usage: noop [PORT [THREADS]]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) { perror("socket"); return 1; }
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
    if (listen(listen_fd, 1024) < 0) { perror("listen"); return 1; }
    socklen_t alen = sizeof addr;
    getsockname(listen_fd, (struct sockaddr *)&addr, &alen);
    printf("port %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    /* Signals go to the main thread only (it just polls the flags), not to the event loops. */
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (int i = 0; i < threads; i++) pthread_create(&tids[i], NULL, event_loop, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    while (!stop_requested) {
        usleep(10000);                      /* (a signal cuts it short) */
        if (stats_requested) { stats_requested = 0; print_stats(); }
    }
    for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
    print_stats();
    return 0;
}
