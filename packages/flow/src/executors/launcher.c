/*
 * Skein flow's process launcher, the fast twin of launcher.pl (same protocol, same guarantees;
 * see that file). Commands start with posix_spawn, which glibc implements with
 * clone(CLONE_VM|CLONE_VFORK): no page tables are copied, so starting a command costs what it
 * costs GNU make. Built on first use with the system C compiler; without one, launcher.pl runs.
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

struct child { pid_t pid; long task; };
static struct child *children;
static size_t child_count, child_capacity;
static int wake[2];

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
      children[i] = children[--child_count];
      break;
    }
  }
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

static void launch(long task, char *command, size_t command_length, char *environment, size_t environment_length, char *directory, int argv_mode) {
  char *argv_words[4096];
  char **argv = argv_words;
  if (argv_mode) {
    size_t words = 0;
    for (char *word = command; word < command + command_length + 1 && words < 4095; word += strlen(word) + 1) argv[words++] = word;
    argv[words] = NULL;
  } else {
    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = command;
    argv[3] = NULL;
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
  if (directory[0] != '\0') posix_spawn_file_actions_addchdir_np(&actions, directory);
  char **envp = environment_length > 0 ? environment_with(environment, environment_length) : environ;
  pid_t pid = 0;
  int failed = envp == NULL ? ENOMEM
                            : argv_mode ? posix_spawnp(&pid, argv[0], &actions, &attributes, argv, envp)
                                        : posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp);
  if (envp != environ) free(envp);
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
  children[child_count].pid = pid;
  children[child_count].task = task;
  child_count++;
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
      long task = strtol(start + 2, NULL, 10);
      for (size_t i = 0; i < child_count; i++) if (children[i].task == task) kill(-children[i].pid, SIGKILL);
      consumed = (size_t)(newline + 1 - buffer);
      continue;
    }
    long task;
    size_t command_length, environment_length, directory_length;
    char mode[8];
    if (start[0] != 'R' || sscanf(start + 2, "%ld\t%zu\t%zu\t%zu\t%7s", &task, &command_length, &environment_length, &directory_length, mode) != 5) {
      fprintf(stderr, "launcher: bad request\n");
      exit(2);
    }
    size_t body = command_length + environment_length + directory_length;
    if ((size_t)(newline + 1 - buffer) + body > length) {
      *newline = '\n';
      return consumed;
    }
    char *command = newline + 1;
    /* Copy out with terminators: each part is followed by a NUL. */
    char *parts = malloc(body + 3);
    if (!parts) abort();
    memcpy(parts, command, command_length);
    parts[command_length] = '\0';
    memcpy(parts + command_length + 1, command + command_length, environment_length);
    parts[command_length + 1 + environment_length] = '\0';
    memcpy(parts + command_length + environment_length + 2, command + command_length + environment_length, directory_length);
    parts[body + 2] = '\0';
    launch(task, parts, command_length, parts + command_length + 1, environment_length, parts + command_length + environment_length + 2, strcmp(mode, "argv") == 0);
    free(parts);
    consumed = (size_t)(newline + 1 - buffer) + body;
  }
}

int main(void) {
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
