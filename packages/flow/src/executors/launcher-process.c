/*
 * How the launcher (launcher.c) starts processes: each command, with clone(CLONE_VM|CLONE_VFORK)
 * and programs found on PATH remembered, and once the guardian, which outlives the launcher to
 * kill what is left of its session. launcher.h declares what launcher.c uses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher.h"

extern char **environ;

int devnull = -1;
int guard_fd = -1;
pid_t guard_pid;

/*
 * The guardian: a process started once per launcher (not per command), exec'd under another
 * name ("flow-guard"), which waits on a pipe only the launcher holds. If the launcher dies
 * without saying "q" — killed with -9 together with its master (`pkill -9 -f skein`), when
 * no one else is left to — it kills every process left in the launcher's session: each
 * command's process group, and any member that moved to a group of its own. (The master,
 * when it lives, does the same from its side.) Linux only (/proc); elsewhere it finds nothing.
 */
#define GUARD_ROUNDS_MAX 4
int guard_main(pid_t session) {
  char byte;
  ssize_t got;
  while ((got = read(0, &byte, 1)) != 0) {
    if (got < 0 && errno != EINTR) break;
    if (got == 1 && byte == 'q') return 0;
  }
  pid_t self = getpid(), own_group = getpgrp();
  if (session <= 1 || getsid(0) != session) return 0; /* only ever its launcher's own session */
  for (int round = 0; round < GUARD_ROUNDS_MAX; round++) {
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    int found = 0;
    for (struct dirent *entry; (entry = readdir(proc)) != NULL;) {
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      pid_t pid = (pid_t)atol(entry->d_name);
      if (pid == self) continue;
      char path[300], stat_text[512];
      snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      ssize_t length = read(fd, stat_text, sizeof stat_text - 1);
      close(fd);
      if (length <= 0) continue;
      stat_text[length] = '\0';
      char *name_end = strrchr(stat_text, ')'); /* the name may hold spaces and parentheses */
      char state;
      int parent, group, member_of;
      if (!name_end || sscanf(name_end + 2, "%c %d %d %d", &state, &parent, &group, &member_of) != 4) continue;
      if (member_of != session || state == 'Z' || state == 'X') continue;
      if (group != own_group) kill(-group, SIGKILL);
      kill(pid, SIGKILL);
      found++;
    }
    closedir(proc);
    if (found == 0) break;
  }
  return 0;
}

/* Starts the guardian; without one (fork or exec failed) the launcher works as before. */
void start_guard(void) {
  /* only for a session of its own (the master starts it so): never sweep a terminal's session */
  pid_t launcher = getpid();
  if (getsid(0) != launcher) return;
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    char session[24];
    snprintf(session, sizeof session, "%ld", (long)launcher);
    int quiet = open("/dev/null", O_WRONLY);
    if (dup2(ends[0], 0) < 0 || quiet < 0 || dup2(quiet, 1) < 0 || dup2(quiet, 2) < 0) _exit(0);
    execl("/proc/self/exe", "flow-guard", session, (char *)NULL);
    _exit(0);
  }
  close(ends[0]);
  if (pid < 0) close(ends[1]);
  else {
    guard_fd = ends[1];
    guard_pid = pid;
  }
}

/*
 * Finds `name` (no slash in it) on `search` (a PATH value) as execvp does: the first regular
 * executable file. Only stack memory and system calls, so the child may call it too. With
 * `absolute_only`, a relative entry (empty, ".", ...) before a match stops the search (returns
 * 2): it depends on the command's directory. Returns 1 with `out` filled when found, else 0.
 */
static int search_path(const char *name, const char *search, char *out, size_t out_size, int absolute_only) {
  size_t name_length = strlen(name);
  for (const char *dir = search;;) {
    const char *end = strchr(dir, ':');
    size_t dir_length = end ? (size_t)(end - dir) : strlen(dir);
    if (absolute_only && (dir_length == 0 || dir[0] != '/')) return 2;
    if (dir_length + name_length + 2 <= out_size) {
      size_t used = 0;
      if (dir_length > 0) {
        memcpy(out, dir, dir_length);
        out[dir_length] = '/';
        used = dir_length + 1;
      }
      memcpy(out + used, name, name_length + 1);
      struct stat info;
      if (stat(out, &info) == 0 && S_ISREG(info.st_mode) && access(out, X_OK) == 0) return 1;
    }
    if (!end) return 0;
    dir = end + 1;
  }
}

/* PATH as execvp reads it: the launcher's own, or the C library's default when unset. */
const char *default_search(void) {
  const char *search = getenv("PATH");
  return search ? search : "/bin:/usr/bin";
}

/* Programs found on PATH, by name (a shell's `hash`); a later change on PATH is not seen. */
#define PROGRAMS_MAX 1024
static struct { char *name; char *path; } programs[PROGRAMS_MAX];
static size_t program_count;

static unsigned long name_hash(const char *name) {
  unsigned long hash = 5381;
  for (; *name; name++) hash = hash * 33 + (unsigned char)*name;
  return hash;
}

/* The file the launcher's PATH names for `name`, remembered; NULL: let the child search. */
const char *program_path(const char *name) {
  size_t slot = name_hash(name) % PROGRAMS_MAX;
  for (size_t probes = 0; probes < PROGRAMS_MAX && programs[slot].name; probes++, slot = (slot + 1) % PROGRAMS_MAX) {
    if (strcmp(programs[slot].name, name) == 0) return programs[slot].path;
  }
  if (programs[slot].name || program_count >= PROGRAMS_MAX / 2) return NULL;
  char path[4096];
  if (search_path(name, default_search(), path, sizeof path, 1) != 1) return NULL;
  programs[slot].name = strdup(name);
  programs[slot].path = strdup(path);
  if (!programs[slot].name || !programs[slot].path) abort();
  program_count++;
  return programs[slot].path;
}

/* The value of PATH among a request's NAME=value pairs, or NULL. */
const char *request_search(char *pairs, size_t length) {
  for (char *pair = pairs; length > 0 && pair < pairs + length + 1; pair += strlen(pair) + 1) {
    if (strncmp(pair, "PATH=", 5) == 0) return pair + 5;
  }
  return NULL;
}


/*
 * Says on the command's standard error why it could not start, as a shell would (`sh: 1: x:
 * not found`): without /bin/sh in between, nothing else would. One writev, from the child.
 */
void say_failed(const char *what, int error, int is_program) {
  const char *reason = is_program && error == ENOENT ? "command not found" : strerror(error);
  struct iovec parts[5] = {{(void *)"skein flow: ", 12}, {(void *)what, strlen(what)}, {(void *)": ", 2}, {(void *)reason, strlen(reason)}, {(void *)"\n", 1}};
  if (writev(2, parts, 5) < 0) { /* nowhere to say it */ }
}

static int child_main(void *argument) {
  struct start *s = argument;
  const char *failed_at = s->argv[0];
  int at_program = 1;
  struct sigaction defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &defaults, NULL);
  sigaction(SIGPIPE, &defaults, NULL);
  if (setpgid(0, 0) != 0 || dup2(devnull, 0) < 0) goto failed;
  if (s->output_fd >= 0 && (dup2(s->output_fd, 1) < 0 || dup2(s->output_fd, 2) < 0)) goto failed;
  if (s->directory[0] != '\0' && chdir(s->directory) != 0) {
    failed_at = s->directory;
    at_program = 0;
    goto failed;
  }
  sigprocmask(SIG_SETMASK, &s->mask, NULL);
  if (s->program) {
    /* a name with a slash is not searched; a script without #! runs under /bin/sh */
    execvpe(s->program, s->argv, s->envp);
    if (!s->search || (errno != ENOENT && errno != ENOTDIR)) goto failed;
  }
  char found[4096];
  if (search_path(s->argv[0], s->search, found, sizeof found, 0) != 1) {
    errno = ENOENT;
    goto failed;
  }
  execvpe(found, s->argv, s->envp);
failed:
  s->error = errno ? errno : EINVAL;
  say_failed(failed_at, s->error, at_program);
  _exit(127);
}

/* The child's stack: it runs only until exec, while this process waits (CLONE_VFORK). */
static char child_stack[256 * 1024] __attribute__((aligned(64)));

/* Starts a command; returns its pid, or -1 with the errno that stopped it. */
pid_t start_command(struct start *s) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &s->mask); /* no handler may run in the child */
  s->error = 0;
  pid_t pid = clone(child_main, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, s);
  int clone_error = errno;
  sigprocmask(SIG_SETMASK, &s->mask, NULL);
  if (pid < 0) {
    errno = clone_error;
    return -1;
  }
  if (s->error != 0) { /* the child exited without exec */
    int error = s->error;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    errno = error;
    return -1;
  }
  return pid;
}

/* environ with NAME=value pairs (NUL-separated, `length` bytes) added or replaced. */
char **environment_with(char *pairs, size_t length) {
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
