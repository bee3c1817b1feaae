/* What launcher.c and launcher-process.c share (see each for the why). */
#ifndef SKEIN_LAUNCHER_H
#define SKEIN_LAUNCHER_H
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>


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

/* /dev/null, opened by main: a command's standard input. */
extern int devnull;
/* The write end of the guardian's pipe (see guard_main), or -1 without a guardian. */
extern int guard_fd;
/* The guardian (a child that leads no group), or 0. */
extern pid_t guard_pid;

int guard_main(pid_t session);
void start_guard(void);
const char *default_search(void);
const char *program_path(const char *name);
const char *request_search(char *pairs, size_t length);
void say_failed(const char *what, int error, int is_program);
pid_t start_command(struct start *s);
char **environment_with(char *pairs, size_t length);
#endif
