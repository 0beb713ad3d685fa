/*
 * The load generator of bench/agent.mjs: many clients of a server on a
 * unix socket, each get a new connection carrying the request the sh
 * helper of `regcred dind` sends (HTTP/1.0, the write side left open, as
 * its nc and socat do), answered once the server closes.
 *
 * It is written in C so that the instrument adds no pauses of its own: a
 * Node.js client handling 1,000 connections a second stalls for a
 * millisecond now and then (its own garbage collection), which is half
 * of the latency goal it is meant to check.
 *
 *   load-client SOCKET REGISTRY open  < offsets
 *       one get at each offset read from stdin (milliseconds from the
 *       start, one per line, ascending), not waiting for answers
 *   load-client SOCKET REGISTRY closed GETS CLIENTS
 *       CLIENTS connections at a time, each get sent when one ends
 *
 * Prints one line per get, in order: send lag and latency in ms, and
 * "200" for a whole 200 answer, else what was wrong (e.g. "0.012 0.410
 * 200", "0.020 0.031 ECONNREFUSED", "0.015 0.380 HTTP-503"). Open-loop
 * latency counts from the scheduled send time, so a late send cannot
 * hide its delay. A last line "# seconds S" gives the run's length, from
 * the first send to the last answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Gets still unanswered after this long count as timed out. */
#define GET_TIMEOUT_MS 10000.0
/* The first open-loop send, after start-up. */
#define OPEN_DELAY_MS 200.0

/* The answer's start kept to check it: the status line and headers. */
#define HEAD_BYTES 1024

struct get {
    double due;     /* when it should be sent (ms, monotonic) */
    double sent;    /* when it was */
    double latency; /* from `due` to the end of the answer */
    int fd;
    size_t received;
    char *head; /* HEAD_BYTES, while the get is in flight */
    const char *error;
    char status[16]; /* "HTTP-503" and the like */
};

static struct get *gets;
static size_t get_count;
static char request[512];
static size_t request_length;
static struct sockaddr_un address;
static int poller;

static double now_ms(void)
{
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec * 1e3 + time.tv_nsec / 1e6;
}

static void fail(const char *what)
{
    perror(what);
    exit(2);
}

/* glibc 2.32 and later; a musl build fails here (the bench then says the
 * load row was skipped) */
static const char *error_name(int error)
{
    const char *name = strerrorname_np(error);
    return name != NULL ? name : "unknown-errno";
}

static void finish(struct get *get, const char *error)
{
    get->latency = now_ms() - get->due;
    get->error = error;
    if (get->fd >= 0) close(get->fd);
    get->fd = -1;
    free(get->head);
    get->head = NULL;
}

/* Connects and sends the whole request, keeping the write side open. */
static void send_get(struct get *get)
{
    get->sent = now_ms();
    get->head = malloc(HEAD_BYTES);
    if (get->head == NULL) fail("malloc");
    get->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (get->fd < 0) return finish(get, error_name(errno));
    /* NOTE: a full listen queue fails at once (EAGAIN), where nc or socat
     * would block until the server accepts: counted as an error, which
     * the goal allows none of, rather than as a long wait */
    if (connect(get->fd, (struct sockaddr *)&address, sizeof address) != 0)
        return finish(get, error_name(errno));
    /* a few hundred bytes fit a new unix socket's buffer at once */
    ssize_t sent = send(get->fd, request, request_length, MSG_NOSIGNAL);
    if (sent < 0) return finish(get, error_name(errno));
    if ((size_t)sent != request_length) return finish(get, "short-send");
    struct epoll_event event = { .events = EPOLLIN, .data.ptr = get };
    if (epoll_ctl(poller, EPOLL_CTL_ADD, get->fd, &event) != 0)
        fail("epoll_ctl");
}

/*
 * What is wrong with a whole answer, or NULL for a 200 whose body is as
 * long as its Content-Length says.
 */
static const char *check_answer(struct get *get)
{
    size_t kept = get->received < HEAD_BYTES ? get->received : HEAD_BYTES;
    char *head = get->head;
    if (head == NULL || kept < 12 || memcmp(head, "HTTP/1.", 7) != 0)
        return "not-http";
    if (memcmp(head + 8, " 200", 4) != 0) {
        snprintf(get->status, sizeof get->status, "HTTP-%.3s", head + 9);
        return get->status;
    }
    char *end = memmem(head, kept, "\r\n\r\n", 4);
    if (end == NULL) return "long-head";
    size_t head_length = (size_t)(end - head) + 4;
    *end = '\0';
    char *length = strcasestr(head, "\r\nContent-Length:");
    if (length == NULL) return "no-length";
    unsigned long declared = strtoul(length + 17, NULL, 10);
    if (get->received - head_length != declared) return "short-answer";
    return NULL;
}

/* Reads what arrived; returns 1 once the get has ended. */
static int receive(struct get *get)
{
    char buffer[4096];
    for (;;) {
        ssize_t size = read(get->fd, buffer, sizeof buffer);
        if (size > 0) {
            if (get->received < HEAD_BYTES) {
                size_t room = HEAD_BYTES - get->received;
                memcpy(get->head + get->received, buffer,
                       (size_t)size < room ? (size_t)size : room);
            }
            get->received += (size_t)size;
            continue;
        }
        if (size < 0 && errno == EAGAIN) return 0;
        finish(get, size < 0 ? error_name(errno) : check_answer(get));
        return 1;
    }
}

static void print_results(double seconds)
{
    for (size_t i = 0; i < get_count; i++) {
        struct get *get = &gets[i];
        const char *outcome = get->error != NULL ? get->error : "200";
        printf("%.4f %.4f %s\n", get->sent - get->due, get->latency, outcome);
    }
    printf("# seconds %.4f\n", seconds);
}

/* Reads the open loop's offsets, one per line, into `gets`. */
static void read_schedule(double start)
{
    size_t capacity = 1024;
    double offset;
    int scanned;
    gets = calloc(capacity, sizeof *gets);
    while (gets != NULL && (scanned = scanf("%lf", &offset)) == 1) {
        if (get_count == capacity) {
            capacity *= 2;
            gets = realloc(gets, capacity * sizeof *gets);
            if (gets == NULL) break;
        }
        memset(&gets[get_count], 0, sizeof *gets);
        gets[get_count].due = start + offset;
        gets[get_count].fd = -1;
        get_count++;
    }
    if (gets == NULL) fail("schedule");
    if (scanned != EOF) {
        fprintf(stderr, "load-client: line %zu of the schedule is not a "
                        "number\n", get_count + 1);
        exit(2);
    }
}

/* Arms the timer for the next due send. */
static void arm(int timer, double due)
{
    struct itimerspec when = { 0 };
    when.it_value.tv_sec = (time_t)(due / 1e3);
    when.it_value.tv_nsec = (long)((due - when.it_value.tv_sec * 1e3) * 1e6);
    if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
        when.it_value.tv_nsec = 1;
    if (timerfd_settime(timer, TFD_TIMER_ABSTIME, &when, NULL) != 0)
        fail("timerfd_settime");
}

/*
 * Runs until every get has ended. Open loop: sends each get at its due
 * time. Closed loop (`clients` > 0): keeps that many gets in flight.
 */
static double run(size_t clients)
{
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer < 0) fail("timerfd_create");
    struct epoll_event timer_event = { .events = EPOLLIN, .data.ptr = NULL };
    if (epoll_ctl(poller, EPOLL_CTL_ADD, timer, &timer_event) != 0)
        fail("epoll_ctl");

    /* the run's length counts from the first send (open: as scheduled) */
    double started = now_ms(), checked = started;
    size_t next = 0, ended = 0;
    if (clients == 0 && get_count > 0) {
        started = gets[0].due;
        arm(timer, started);
    }

    struct epoll_event events[64];
    while (ended < get_count) {
        /* closed loop: as many in flight as there are clients */
        while (clients > 0 && next < get_count && next - ended < clients) {
            gets[next].due = now_ms();
            send_get(&gets[next]);
            if (gets[next++].fd < 0) ended++;
        }
        if (clients > 0 && next == ended) continue; /* none in flight */
        int ready = epoll_wait(poller, events, 64, 100);
        if (ready < 0 && errno != EINTR) fail("epoll_wait");
        for (int i = 0; i < ready; i++) {
            struct get *get = events[i].data.ptr;
            if (get != NULL && receive(get)) ended++;
        }
        double time = now_ms();
        if (clients == 0) {
            for (; next < get_count && gets[next].due <= time; next++) {
                send_get(&gets[next]);
                if (gets[next].fd < 0) ended++;
            }
            uint64_t expirations;
            if (read(timer, &expirations, sizeof expirations) < 0 &&
                errno != EAGAIN)
                fail("read timer");
            if (next < get_count) arm(timer, gets[next].due);
        }
        if (time - checked < 100) continue;
        checked = time;
        for (size_t i = 0; i < next; i++) {
            if (gets[i].fd >= 0 && time - gets[i].due > GET_TIMEOUT_MS) {
                finish(&gets[i], "timed-out");
                ended++;
            }
        }
    }
    return (now_ms() - started) / 1e3;
}

/* A whole number above 0, or the program stops naming `what`. */
static size_t positive(const char *text, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value == 0 ||
        text[0] == '-') {
        fprintf(stderr, "load-client: %s must be a whole number above 0, "
                        "not '%s'\n", what, text);
        exit(2);
    }
    return (size_t)value;
}

int main(int argc, char **argv)
{
    int closed = argc == 6 && strcmp(argv[3], "closed") == 0;
    if (!closed && !(argc == 4 && strcmp(argv[3], "open") == 0)) {
        fprintf(stderr, "usage: load-client SOCKET REGISTRY open < offsets\n"
                        "       load-client SOCKET REGISTRY closed GETS "
                        "CLIENTS\n");
        return 2;
    }
    if (strlen(argv[1]) >= sizeof address.sun_path) {
        fprintf(stderr, "load-client: socket path too long\n");
        return 2;
    }
    address.sun_family = AF_UNIX;
    strcpy(address.sun_path, argv[1]);
    /* the bytes request_head() of the sh helper writes, and the body */
    int length = snprintf(request, sizeof request,
                          "POST /v1/get HTTP/1.0\r\nHost: localhost\r\n"
                          "Content-Type: text/plain\r\n"
                          "Content-Length: %zu\r\n\r\n%s",
                          strlen(argv[2]), argv[2]);
    if (length < 0 || (size_t)length >= sizeof request) {
        fprintf(stderr, "load-client: registry too long\n");
        return 2;
    }
    request_length = (size_t)length;
    poller = epoll_create1(EPOLL_CLOEXEC);
    if (poller < 0) fail("epoll_create1");

    size_t clients = 0;
    if (closed) {
        get_count = positive(argv[4], "GETS");
        clients = positive(argv[5], "CLIENTS");
        gets = calloc(get_count, sizeof *gets);
        if (gets == NULL) fail("calloc");
        for (size_t i = 0; i < get_count; i++) gets[i].fd = -1;
    } else {
        read_schedule(now_ms() + OPEN_DELAY_MS);
    }
    print_results(run(clients));
    return 0;
}
