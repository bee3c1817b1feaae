/*
 * Skein flow's process launcher, the fast twin of launcher.pl (same protocol, same guarantees;
 * see that file). Commands start with clone(CLONE_VM|CLONE_VFORK), as glibc's posix_spawn does
 * (no page tables are copied), but the child resets only the two signals this process handles
 * instead of querying all 64, and programs found on PATH are remembered (as a shell's `hash`
 * does) instead of trying every PATH directory on each start. Built on first use with the
 * system C compiler; without one, launcher.pl runs.
 *
 * With a cores limit (argument 1), requests beyond it wait here in order and start the moment
 * a command ends, without a round trip through the master: the master can keep the next tasks
 * queued (its pipeline) so a core never idles while it decides.
 *
 * With a hold (argument 2), reports of ended commands are held while more than `hold` requests
 * still wait for cores, for at most REPORT_HOLD_MS: the master then reads many ends at once and
 * answers with many requests, instead of waking for every command. A report goes out at once
 * when the queue runs low, when nothing runs any more, or when a kill asked for it.
 * Each report carries the microseconds the command ran (queueing not counted).
 *
 * This file holds the requests, the queue and the reports; launcher-process.c starts the
 * processes (commands and the guardian). Built as one program from both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher.h"

extern char **environ;

struct child { pid_t pid; long task; long cores; long long started_ns; };
static struct child *children;
static size_t child_count, child_capacity;
static int wake[2];

/*
 * A request: its parts are one allocation, each part followed by a NUL — the command, the
 * environment, the directory (empty: the launcher's own), the output file (empty: inherit).
 */
struct request { long task; long cores; int argv_mode; char *parts; size_t command_length, environment_length, directory_length; };
static char *request_environment(const struct request *r) { return r->parts + r->command_length + 1; }
static char *request_directory(const struct request *r) { return request_environment(r) + r->environment_length + 1; }
static char *request_output(const struct request *r) { return request_directory(r) + r->directory_length + 1; }
static struct request *queue;
static size_t queue_head, queue_count, queue_capacity;
static long cores_max; /* 0: no limit, every request starts at once */
static long cores_busy;
static long hold;      /* 0: every report goes out at once */
static int kill_groups; /* 1: a command's group is killed when it ends (nothing outlives its task) */

/* Words of a command exec'd directly (process-launcher.ts's argvWordsMax: more go through /bin/sh). */
#define ARGV_WORDS_MAX 4095
#define REPORT_HOLD_MS 20
#define REPORTS_BYTES_MAX 8192
static char reports[REPORTS_BYTES_MAX];
static size_t reports_used;
static long long reports_since_ns; /* when the oldest held report was made */
static int low_reported;           /* the queue ran down to `hold` and that was reported */

static long long now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void on_child(int signal_number) {
  (void)signal_number;
  int saved = errno;
  if (write(wake[1], "x", 1) < 0) { /* the pipe is full: a wake-up is pending anyway */ }
  errno = saved;
}

static void kill_all_and_exit(void) {
  for (size_t i = 0; i < child_count; i++) kill(-children[i].pid, SIGKILL);
  /* an orderly end: the guardian leaves (before the wait below, which reaps it too) */
  if (guard_fd >= 0 && write(guard_fd, "q", 1) < 0) { /* it is gone already */ }
  while (waitpid(-1, NULL, 0) > 0) {}
  _exit(0);
}

static void write_all(const char *text, size_t length) {
  while (length > 0) {
    ssize_t written = write(3, text, length);
    if (written < 0) {
      if (errno == EINTR) continue;
      kill_all_and_exit(); /* the master is gone */
    }
    text += written;
    length -= (size_t)written;
  }
}

static void flush_reports(void) {
  if (reports_used == 0) return;
  write_all(reports, reports_used);
  reports_used = 0;
  if ((long)queue_count <= hold) low_reported = 1;
}

/* Adds "E\t<task>\t<status>\t<microseconds>\n" to the held reports. */
static void report(long task, int status, long long micros) {
  if (reports_used > sizeof reports - 80) flush_reports();
  if (reports_used == 0) reports_since_ns = now_ns();
  reports_used += (size_t)snprintf(reports + reports_used, sizeof reports - reports_used, "E\t%ld\t%d\t%lld\n", task, status, micros);
}

/*
 * Whether held reports may wait longer: they are young, and more than `hold` requests are
 * queued — or, once the queue has run down to `hold` and that was reported, more than a
 * round of cores is still queued (the master's next requests are on their way).
 */
static int may_hold(void) {
  if (hold <= 0 || child_count == 0 || now_ns() - reports_since_ns >= REPORT_HOLD_MS * 1000000LL) return 0;
  if ((long)queue_count > hold) return 1;
  return low_reported && (long)queue_count > cores_max;
}

static void start_waiting(void);

/* Reaps ended commands, starts what waits for their cores, then reports the ends (or holds them). */
static void reap(void) {
  int status;
  pid_t pid;
  long long ended_ns = 0;
  for (;;) {
    if (kill_groups) {
      /* Seen but not yet reaped, the leader keeps its group id from being reused, so the kill
       * reaches only what the command left running (a `cmd &`), never a stranger's group. */
      siginfo_t info;
      info.si_pid = 0;
      if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
      if (info.si_pid != guard_pid) kill(-info.si_pid, SIGKILL);
      pid = waitpid(info.si_pid, &status, 0);
      if (pid <= 0) break;
    } else if ((pid = waitpid(-1, &status, WNOHANG)) <= 0) {
      break;
    }
    if (ended_ns == 0) ended_ns = now_ns();
    for (size_t i = 0; i < child_count; i++) {
      if (children[i].pid != pid) continue;
      report(children[i].task, status, (ended_ns - children[i].started_ns) / 1000);
      cores_busy -= children[i].cores;
      children[i] = children[--child_count];
      break;
    }
  }
  start_waiting();
  if (!may_hold()) flush_reports();
}

static void launch(const struct request *r) {
  long task = r->task;
  char *command = r->parts, *directory = request_directory(r), *output = request_output(r);
  char *argv_words[ARGV_WORDS_MAX + 1];
  char **argv = argv_words;
  if (r->argv_mode) {
    size_t words = 0;
    char *word = command;
    for (; word < command + r->command_length + 1 && words < ARGV_WORDS_MAX; word += strlen(word) + 1) argv[words++] = word;
    argv[words] = NULL;
    if (word < command + r->command_length + 1) { /* the master sends more through /bin/sh: never run a cut command */
      report(task, 126 << 8, 0);
      return;
    }
  } else {
    argv[0] = "/bin/sh";
    argv[1] = "-c";
    argv[2] = command;
    argv[3] = NULL;
  }
  /* Opened here, so a bad output path is not mistaken for a missing program. */
  int output_fd = -1;
  if (output[0] != '\0' && (output_fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
    say_failed(output, errno, 0);
    report(task, 126 << 8, 0);
    return;
  }
  char **envp = r->environment_length > 0 ? environment_with(request_environment(r), r->environment_length) : environ;
  struct start s = {.argv = argv, .envp = envp, .directory = directory, .output_fd = output_fd};
  const char *overridden = r->environment_length > 0 ? request_search(request_environment(r), r->environment_length) : NULL;
  if (!r->argv_mode) s.program = "/bin/sh";
  else if (strchr(argv[0], '/')) s.program = argv[0];
  else if (overridden) s.search = overridden; /* the workflow's own PATH: searched each time */
  else {
    s.program = program_path(argv[0]);
    s.search = default_search();
  }
  long long started_ns = now_ns();
  pid_t pid = envp == NULL ? (errno = ENOMEM, -1) : start_command(&s);
  int failed = pid < 0 ? errno : 0;
  if (envp != environ) free(envp);
  if (output_fd >= 0) close(output_fd);
  if (pid < 0) {
    report(task, (failed == ENOENT ? 127 : 126) << 8, 0);
    return;
  }
  if (child_count == child_capacity) {
    child_capacity = child_capacity ? child_capacity * 2 : 64;
    children = realloc(children, child_capacity * sizeof *children);
    if (!children) abort();
  }
  long cores = cores_max ? r->cores : 0;
  children[child_count].pid = pid;
  children[child_count].task = task;
  children[child_count].cores = cores;
  children[child_count].started_ns = started_ns;
  child_count++;
  cores_busy += cores;
}

/* Starts the request now if its cores are free (or nothing runs), else queues it in order. */
static void submit(struct request r) {
  if (cores_max > 0) {
    if (r.cores < 1) r.cores = 1;
    if (r.cores > cores_max) r.cores = cores_max; /* one that needs more than all runs alone */
  }
  if (cores_max == 0 || (queue_count == 0 && (cores_busy == 0 || cores_busy + r.cores <= cores_max))) {
    launch(&r);
    free(r.parts);
    return;
  }
  if (queue_count == queue_capacity) {
    size_t capacity = queue_capacity ? queue_capacity * 2 : 64;
    struct request *grown = malloc(capacity * sizeof *grown);
    if (!grown) abort();
    for (size_t i = 0; i < queue_count; i++) grown[i] = queue[(queue_head + i) % queue_capacity];
    free(queue);
    queue = grown;
    queue_head = 0;
    queue_capacity = capacity;
  }
  queue[(queue_head + queue_count) % queue_capacity] = r;
  queue_count++;
  if ((long)queue_count > hold) low_reported = 0;
}

/* Starts waiting requests, in order, while their cores are free. */
static void start_waiting(void) {
  while (queue_count > 0) {
    struct request next = queue[queue_head];
    if (cores_busy > 0 && cores_busy + next.cores > cores_max) return;
    queue_head = (queue_head + 1) % queue_capacity;
    queue_count--;
    launch(&next);
    free(next.parts);
  }
}

/* Kills a running task's process group, or drops it from the queue (reported as killed). */
static void kill_task(long task) {
  for (size_t i = 0; i < child_count; i++) if (children[i].task == task) kill(-children[i].pid, SIGKILL);
  for (size_t i = 0; i < queue_count; i++) {
    struct request *entry = &queue[(queue_head + i) % queue_capacity];
    if (entry->task != task) continue;
    free(entry->parts);
    for (size_t j = i + 1; j < queue_count; j++) queue[(queue_head + j - 1) % queue_capacity] = queue[(queue_head + j) % queue_capacity];
    queue_count--;
    report(task, SIGKILL, 0);
    flush_reports();
    return;
  }
}

/* Handles the complete requests at the start of buffer; returns the bytes consumed. */
static size_t handle_requests(char *buffer, size_t length) {
  size_t consumed = 0;
  for (;;) {
    char *start = buffer + consumed;
    char *newline = memchr(start, '\n', length - consumed);
    if (!newline) return consumed;
    *newline = '\0';
    if (start[0] == 'K') {
      kill_task(strtol(start + 2, NULL, 10));
      consumed = (size_t)(newline + 1 - buffer);
      continue;
    }
    struct request r = {.cores = 1};
    size_t output_length = 0;
    char mode[8];
    int fields = start[0] == 'R' ? sscanf(start + 2, "%ld\t%zu\t%zu\t%zu\t%7s\t%ld\t%zu", &r.task, &r.command_length, &r.environment_length, &r.directory_length, mode, &r.cores, &output_length) : 0;
    if (fields < 5) {
      fprintf(stderr, "launcher: bad request\n");
      exit(2);
    }
    size_t body = r.command_length + r.environment_length + r.directory_length + output_length;
    if ((size_t)(newline + 1 - buffer) + body > length) {
      *newline = '\n';
      return consumed;
    }
    /* Copy out with terminators: each part is followed by a NUL. */
    char *from = newline + 1;
    size_t lengths[4] = {r.command_length, r.environment_length, r.directory_length, output_length};
    r.parts = malloc(body + 4);
    if (!r.parts) abort();
    char *to = r.parts;
    for (int part = 0; part < 4; part++) {
      memcpy(to, from, lengths[part]);
      to[lengths[part]] = '\0';
      to += lengths[part] + 1;
      from += lengths[part];
    }
    r.argv_mode = strcmp(mode, "argv") == 0;
    submit(r);
    consumed = (size_t)(newline + 1 - buffer) + body;
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[0], "flow-guard") == 0) return guard_main((pid_t)atol(argv[1]));
  if (argc > 1) cores_max = strtol(argv[1], NULL, 10);
  if (argc > 2) hold = strtol(argv[2], NULL, 10);
  if (argc > 3) kill_groups = strtol(argv[3], NULL, 10) == 1;
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) return 2;
  if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) return 2;
  fcntl(3, F_SETFD, FD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_child;
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &action, NULL);
  start_guard();
  write_all("H\n", 2); /* the greeting: this binary runs (a broken cached build never says it) */
  size_t capacity = 1 << 16, length = 0;
  char *buffer = malloc(capacity);
  if (!buffer) return 2;
  for (;;) {
    reap();
    int timeout_ms = -1;
    if (reports_used > 0) {
      long long left_ns = REPORT_HOLD_MS * 1000000LL - (now_ns() - reports_since_ns);
      timeout_ms = left_ns <= 0 ? 0 : (int)(left_ns / 1000000) + 1;
    }
    struct pollfd watched[2] = {{.fd = 0, .events = POLLIN}, {.fd = wake[0], .events = POLLIN}};
    int ready = poll(watched, 2, timeout_ms);
    if (ready == 0) flush_reports();
    if (ready <= 0) continue;
    if (watched[1].revents) {
      char drained[256];
      while (read(wake[0], drained, sizeof drained) > 0) {}
    }
    if (!watched[0].revents) continue;
    if (length == capacity) {
      capacity *= 2;
      buffer = realloc(buffer, capacity);
      if (!buffer) abort();
    }
    ssize_t got = read(0, buffer + length, capacity - length);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) kill_all_and_exit(); /* end of file: the master is gone */
    length += (size_t)got;
    size_t consumed = handle_requests(buffer, length);
    memmove(buffer, buffer + consumed, length - consumed);
    length -= consumed;
    if (!may_hold()) flush_reports(); /* what failed to start, or ended while the queue ran low */
  }
}
