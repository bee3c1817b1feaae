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
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

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
static pid_t guard_pid; /* the guardian (a child that leads no group), or 0 */
static int devnull = -1;

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

/* The write end of the guardian's pipe (see guard_main), or -1 without a guardian. */
static int guard_fd = -1;

static void kill_all_and_exit(void) {
  for (size_t i = 0; i < child_count; i++) kill(-children[i].pid, SIGKILL);
  /* an orderly end: the guardian leaves (before the wait below, which reaps it too) */
  if (guard_fd >= 0 && write(guard_fd, "q", 1) < 0) { /* it is gone already */ }
  while (waitpid(-1, NULL, 0) > 0) {}
  _exit(0);
}

/*
 * The guardian: a process started once per launcher (not per command), exec'd under another
 * name ("flow-guard"), which waits on a pipe only the launcher holds. If the launcher dies
 * without saying "q" — killed with -9 together with its master (`pkill -9 -f skein`), when
 * no one else is left to — it kills every process left in the launcher's session: each
 * command's process group, and any member that moved to a group of its own. (The master,
 * when it lives, does the same from its side.) Linux only (/proc); elsewhere it finds nothing.
 */
#define GUARD_ROUNDS_MAX 4
static int guard_main(pid_t session) {
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
static void start_guard(void) {
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
static const char *default_search(void) {
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
static const char *program_path(const char *name) {
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
static const char *request_search(char *pairs, size_t length) {
  for (char *pair = pairs; length > 0 && pair < pairs + length + 1; pair += strlen(pair) + 1) {
    if (strncmp(pair, "PATH=", 5) == 0) return pair + 5;
  }
  return NULL;
}

/* What the child needs; it shares this process's memory until it execs (CLONE_VM|CLONE_VFORK). */
struct start {
  char **argv;
  char **envp;
  const char *program;   /* a file to exec (a path with a slash), or NULL */
  const char *search;    /* if `program` is NULL or gone: the PATH to find argv[0] on */
  const char *directory; /* "" for this process's own */
  int output_fd;         /* -1: inherit */
  sigset_t mask;         /* the signal mask to restore before exec */
  int error;             /* set by the child when it could not exec */
};

/*
 * Says on the command's standard error why it could not start, as a shell would (`sh: 1: x:
 * not found`): without /bin/sh in between, nothing else would. One writev, from the child.
 */
static void say_failed(const char *what, int error, int is_program) {
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
static pid_t start_command(struct start *s) {
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
