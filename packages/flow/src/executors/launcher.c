/*
 * Skein flow's process launcher, the fast twin of launcher.pl (same protocol, same guarantees;
 * see that file). Commands start with posix_spawn, which glibc implements with
 * clone(CLONE_VM|CLONE_VFORK): no page tables are copied, so starting a command costs what it
 * costs GNU make. Built on first use with the system C compiler; without one, launcher.pl runs.
 *
 * With a cores limit (argument 1), requests beyond it wait here in order and start the moment
 * a command ends, without a round trip through the master: the master can keep the next tasks
 * queued (its pipeline) so a core never idles while it decides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct child { pid_t pid; long task; long cores; };
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

static void on_child(int signal_number) {
  (void)signal_number;
  int saved = errno;
  if (write(wake[1], "x", 1) < 0) { /* the pipe is full: a wake-up is pending anyway */ }
  errno = saved;
}

static void kill_all_and_exit(void) {
  for (size_t i = 0; i < child_count; i++) kill(-children[i].pid, SIGKILL);
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

static void start_waiting(void);

/* Reaps ended commands, starts what waits for their cores, then reports the ends. */
static void reap(void) {
  char answers[8192];
  size_t used = 0;
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (size_t i = 0; i < child_count; i++) {
      if (children[i].pid != pid) continue;
      if (used > sizeof answers - 64) {
        write_all(answers, used);
        used = 0;
      }
      used += (size_t)snprintf(answers + used, sizeof answers - used, "E\t%ld\t%d\n", children[i].task, status);
      cores_busy -= children[i].cores;
      children[i] = children[--child_count];
      break;
    }
  }
  start_waiting();
  if (used > 0) write_all(answers, used);
}

/* environ with NAME=value pairs (NUL-separated, `length` bytes) added or replaced. */
static char **environment_with(char *pairs, size_t length) {
  size_t base = 0, extra = 0;
  while (environ[base]) base++;
  for (size_t i = 0; i < length; i++) if (pairs[i] == '\0') extra++;
  if (length > 0) extra++;
  char **result = calloc(base + extra + 1, sizeof *result);
  if (!result) return NULL;
  size_t count = 0;
  for (size_t i = 0; i < base; i++) result[count++] = environ[i];
  for (char *pair = pairs; length > 0 && pair < pairs + length + 1; pair += strlen(pair) + 1) {
    char *equals = strchr(pair, '=');
    size_t name = equals ? (size_t)(equals - pair) + 1 : strlen(pair);
    size_t j = 0;
    while (j < count && strncmp(result[j], pair, name) != 0) j++;
    result[j] = pair;
    if (j == count) count++;
  }
  result[count] = NULL;
  return result;
}

static void launch(const struct request *r) {
  long task = r->task;
  char *command = r->parts, *directory = request_directory(r), *output = request_output(r);
  char *argv_words[4096];
  char **argv = argv_words;
  if (r->argv_mode) {
    size_t words = 0;
    for (char *word = command; word < command + r->command_length + 1 && words < 4095; word += strlen(word) + 1) argv[words++] = word;
    argv[words] = NULL;
  } else {
    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = command;
    argv[3] = NULL;
  }
  /* Opened here, not as a spawn action, so a bad output path is not mistaken for a missing program. */
  int output_fd = -1;
  if (output[0] != '\0' && (output_fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
    char answer[64];
    int length = snprintf(answer, sizeof answer, "E\t%ld\t%d\n", task, 126 << 8);
    write_all(answer, (size_t)length);
    return;
  }
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGCHLD);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (output_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
  }
  if (directory[0] != '\0') posix_spawn_file_actions_addchdir_np(&actions, directory);
  char **envp = r->environment_length > 0 ? environment_with(request_environment(r), r->environment_length) : environ;
  pid_t pid = 0;
  int failed = envp == NULL ? ENOMEM
                            : r->argv_mode ? posix_spawnp(&pid, argv[0], &actions, &attributes, argv, envp)
                                        : posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp);
  if (envp != environ) free(envp);
  if (output_fd >= 0) close(output_fd);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (failed) {
    char answer[64];
    int length = snprintf(answer, sizeof answer, "E\t%ld\t%d\n", task, (failed == ENOENT ? 127 : 126) << 8);
    write_all(answer, (size_t)length);
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
    char answer[64];
    int length = snprintf(answer, sizeof answer, "E\t%ld\t%d\n", task, SIGKILL);
    write_all(answer, (size_t)length);
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
  if (argc > 1) cores_max = strtol(argv[1], NULL, 10);
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) return 2;
  fcntl(3, F_SETFD, FD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_child;
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &action, NULL);
  size_t capacity = 1 << 16, length = 0;
  char *buffer = malloc(capacity);
  if (!buffer) return 2;
  for (;;) {
    reap();
    struct pollfd watched[2] = {{.fd = 0, .events = POLLIN}, {.fd = wake[0], .events = POLLIN}};
    if (poll(watched, 2, -1) < 0) continue;
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
  }
}
