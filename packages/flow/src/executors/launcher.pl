# Skein flow's process launcher: forks commands from a small process instead of from the large
# master (forking Node costs milliseconds, forking this a fraction of one). One launcher runs
# any number of commands at once, or — given a cores limit as its argument — as many as fit in
# it, queueing the rest in order and starting each the moment cores free up (no round trip
# through the master, which can keep its next tasks queued here).
#
# Requests on stdin, one header line each, then its bytes:
#   "R\t<task>\t<command bytes>\t<environment bytes>\t<directory bytes>\t<mode>[\t<cores>[\t<output bytes>]]\n" + bytes
#       run a command (mode "argv": NUL-separated words exec'd directly, "sh": /bin/sh -c);
#       environment is NUL-separated NAME=value; an empty directory means the launcher's own;
#       cores (default 1) counts against the limit; one needing more than the limit runs alone;
#       output, when given, is a file that receives the command's stdout and stderr (truncated).
#   "K\t<task>\n"   kill the task's process group, or drop it from the queue.
# Answers on fd 3: first "H\n", the greeting, before any request is read (a launcher that exits
# without it is broken, and the master turns to the next launcher); then
# "E\t<task>\t<wait status>\n" when a command ends (also after a kill; a
# task dropped from the queue reports status 9, killed by SIGKILL). launcher.c adds
# "\t<microseconds it ran>" and may hold answers (its second argument); this one takes and
# ignores that argument and answers at once.
#
# Each command leads its own process group. When the master goes away (stdin reaches end of
# file, e.g. the master was killed with -9), every running group is killed and the launcher
# exits, so an interrupted rule cannot keep writing while its rerun starts. Children are reaped
# on SIGCHLD through a self-pipe, so a command's end is reported at once, without polling.
# A guardian process (started once) kills what is left of this process's session if this
# process dies without an orderly end (see start_guard).
use strict;
use warnings;
use POSIX ();
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);

open(my $result, ">&=", 3) or die "launcher: fd 3: $!";
pipe(my $wake_read, my $wake_write) or die "launcher: pipe: $!";
for my $handle ($wake_read, $wake_write) {
  fcntl($handle, F_SETFL, fcntl($handle, F_GETFL, 0) | O_NONBLOCK) or die "launcher: fcntl: $!";
}
my %task_of_pid;
my %pid_of_task;
my %cores_of_pid;
my $cores_max = $ARGV[0] // 0;    # 0: no limit
my $kill_groups = ($ARGV[2] // 0) == 1;    # a command's group is killed when it ends (launcher.c)
my $cores_busy = 0;
my @waiting;                      # [task, cores, command, environment, directory, mode, output]
my $guard_write = start_guard();
$SIG{CHLD} = sub { syswrite($wake_write, "x") };
$SIG{PIPE} = "IGNORE";    # a write to a vanished master fails with EPIPE, handled below
write_all("H\n");

my $input = "";
for (;;) {
  reap();
  my $readable = "";
  vec($readable, fileno(STDIN), 1) = 1;
  vec($readable, fileno($wake_read), 1) = 1;
  my $ready = select(my $out = $readable, undef, undef, undef);
  next if $ready <= 0;    # interrupted by SIGCHLD: the loop reaps
  if (vec($out, fileno($wake_read), 1)) { sysread($wake_read, my $drained, 4096) }
  next unless vec($out, fileno(STDIN), 1);
  my $got = sysread(STDIN, $input, 1 << 16, length $input);
  next if !defined $got && $!{EINTR};
  orphaned() if !$got;
  $input = handle_requests($input);
}

sub handle_requests {
  my ($buffer) = @_;
  for (;;) {
    my $newline = index($buffer, "\n");
    return $buffer if $newline < 0;
    my @fields = split /\t/, substr($buffer, 0, $newline);
    if ($fields[0] eq "K") {
      kill_task($fields[1]);
      $buffer = substr($buffer, $newline + 1);
      next;
    }
    my ($kind, $task, $command_length, $environment_length, $directory_length, $mode, $cores, $output_length) = @fields;
    $output_length //= 0;
    die "launcher: unknown request '$kind'" unless $kind eq "R";
    my $body = $command_length + $environment_length + $directory_length + $output_length;
    return $buffer if length($buffer) < $newline + 1 + $body;
    my $command = substr($buffer, $newline + 1, $command_length);
    my $environment = substr($buffer, $newline + 1 + $command_length, $environment_length);
    my $directory = substr($buffer, $newline + 1 + $command_length + $environment_length, $directory_length);
    my $output = substr($buffer, $newline + 1 + $command_length + $environment_length + $directory_length, $output_length);
    $buffer = substr($buffer, $newline + 1 + $body);
    submit([$task, $cores // 1, $command, $environment, $directory, $mode, $output]);
  }
}

sub submit {
  my ($request) = @_;
  if ($cores_max > 0) {
    $request->[1] = 1 if $request->[1] < 1;
    $request->[1] = $cores_max if $request->[1] > $cores_max;
  }
  push @waiting, $request;
  start_waiting();
}

# Starts waiting requests, in order, while their cores are free.
sub start_waiting {
  while (@waiting) {
    my $next = $waiting[0];
    return if $cores_max > 0 && $cores_busy > 0 && $cores_busy + $next->[1] > $cores_max;
    shift @waiting;
    my $pid = launch($next->[0], $next->[2], $next->[3], $next->[4], $next->[5], $next->[6]);
    next unless defined $pid;
    my $cores = $cores_max > 0 ? $next->[1] : 0;
    $cores_of_pid{$pid} = $cores;
    $cores_busy += $cores;
  }
}

sub kill_task {
  my ($task) = @_;
  my $pid = $pid_of_task{$task};
  kill("KILL", -$pid) if defined $pid;
  my $before = @waiting;
  @waiting = grep { $_->[0] ne $task } @waiting;
  write_all("E\t$task\t9\n") if @waiting < $before;
}

sub launch {
  my ($task, $command, $environment, $directory, $mode, $output) = @_;
  my $pid = fork();
  if (!defined $pid) {
    write_all("E\t$task\t" . (127 << 8) . "\n");
    return undef;
  }
  if ($pid == 0) {
    $SIG{CHLD} = "DEFAULT";
    $SIG{PIPE} = "DEFAULT";
    setpgrp(0, 0);
    open(STDIN, "<", "/dev/null");
    if ($output ne "") {
      open(STDOUT, ">", $output) or failed($output, 0, 126);
      open(STDERR, ">&", \*STDOUT) or failed($output, 0, 126);
    }
    close($result);
    for my $pair (split /\0/, $environment) {
      my ($name, $value) = split /=/, $pair, 2;
      $ENV{$name} = $value;
    }
    failed($directory, 0, 126) if $directory ne "" && !chdir($directory);
    if ($mode eq "argv") {
      # A simple command (no shell syntax): exec it directly, as make does.
      my @argv = split /\0/, $command;
      { no warnings "exec"; exec { $argv[0] } @argv }
      failed($argv[0], 1, 127);
    }
    { no warnings "exec"; exec("/bin/sh", "-c", $command) }
    failed("/bin/sh", 1, 127);
  }
  $task_of_pid{$pid} = $task;
  $pid_of_task{$task} = $pid;
  return $pid;
}

# In a child that could not start its command: says why on its standard error, as a shell would
# (nothing else would without /bin/sh in between), and exits.
sub failed {
  my ($what, $is_program, $code) = @_;
  my $reason = $is_program && $!{ENOENT} ? "command not found" : "$!";
  syswrite(STDERR, "skein flow: $what: $reason\n");
  POSIX::_exit($code);
}

sub reap {
  my $answers = "";
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    my $task = delete $task_of_pid{$pid};
    next unless defined $task;
    kill 'KILL', -$pid if $kill_groups;    # perl has no waitid: just reaped, the group id is not reused yet
    delete $pid_of_task{$task};
    $cores_busy -= delete $cores_of_pid{$pid} // 0;
    $answers .= "E\t$task\t$status\n";
  }
  start_waiting();
  write_all($answers) if $answers ne "";
}

# A blocking pipe may still take a write in parts when SIGCHLD interrupts it.
sub write_all {
  my ($text) = @_;
  while (length $text) {
    my $written = syswrite($result, $text);
    if (!defined $written) {
      next if $!{EINTR};
      orphaned();    # the master is gone
    }
    $text = substr($text, $written);
  }
}

# The guardian (launcher.c's guard_main has the why): a perl started once per launcher under
# another name, waiting on a pipe only this process holds; if this process dies without saying
# "q", it kills every process left in this process's session. Only for a session of our own.
sub guard_code {
  return <<'GUARD';
my $session = $ARGV[0];
while (sysread(STDIN, my $byte, 1)) { exit 0 if $byte eq "q" }
exit 0 if $session <= 1 || getpgrp() != $session;
for my $round (1 .. 4) {
  opendir(my $proc, "/proc") or exit 0;
  my $found = 0;
  for my $pid (grep { /^[0-9]+$/ && $_ != $$ } readdir($proc)) {
    open(my $stat, "<", "/proc/$pid/stat") or next;
    my $text = <$stat> // next;
    my ($state, undef, $group, $member_of) = split / /, substr($text, rindex($text, ")") + 2);
    next if $member_of != $session || $state eq "Z" || $state eq "X";
    kill("KILL", -$group) if $group != $session;
    kill("KILL", $pid);
    $found++;
  }
  last unless $found;
}
GUARD
}

sub start_guard {
  return undef unless getpgrp() == $$;    # a session of its own (the master starts it so)
  pipe(my $read, my $write) or return undef;
  my $pid = fork();
  return undef unless defined $pid;
  if ($pid == 0) {
    open(STDIN, "<&", $read) or POSIX::_exit(0);
    open(STDOUT, ">", "/dev/null");
    open(STDERR, ">", "/dev/null");
    { no warnings "exec"; exec { $^X } "flow-guard", "-e", guard_code(), getppid() }
    POSIX::_exit(0);
  }
  close($read);
  return $write;
}

sub orphaned {
  kill("KILL", -$_) for keys %task_of_pid;
  syswrite($guard_write, "q") if $guard_write;    # an orderly end: the guardian leaves
  1 while waitpid(-1, 0) > 0;
  POSIX::_exit(0);
}
