# Skein flow's process launcher: forks each command from a small process instead of from the
# large master, which makes starting a task several times cheaper. Reads requests on stdin:
#   "<task>\t<command bytes>\t<environment bytes>\t<directory bytes>[\targv]\n" then the bytes
# (environment as NUL-separated NAME=value); answers on fd 3 "S\t<task>\t<pid>\n" when started
# and "E\t<task>\t<wait status>\n" when it ends. One command at a time per launcher. When the
# master goes away (stdin closes, e.g. it was killed), the running command's process group is
# killed too, so an interrupted rule cannot keep writing while its rerun starts.
use strict;
use warnings;
use POSIX ":sys_wait_h";
open(my $result, ">&=", 3) or die "launcher: fd 3: $!";
select((select($result), $| = 1)[0]);
while (defined(my $header = <STDIN>)) {
  chomp $header;
  my ($task, $command_length, $environment_length, $directory_length, $mode) = split /\t/, $header;
  my ($command, $environment, $directory) = ("", "", "");
  read(STDIN, $command, $command_length) == $command_length or die "launcher: short command";
  read(STDIN, $environment, $environment_length) == $environment_length or die "launcher: short environment" if $environment_length > 0;
  read(STDIN, $directory, $directory_length) == $directory_length or die "launcher: short directory" if $directory_length > 0;
  my $pid = fork();
  die "launcher: fork: $!" unless defined $pid;
  if ($pid == 0) {
    setpgrp(0, 0);
    close($result);
    for my $pair (split /\0/, $environment) {
      my ($name, $value) = split /=/, $pair, 2;
      $ENV{$name} = $value;
    }
    chdir($directory) or exit 126 if $directory ne "";
    if (defined $mode && $mode eq "argv") {
      # A simple command (no shell syntax): exec it directly, as make does.
      my @argv = split /\0/, $command;
      exec { $argv[0] } @argv or exit 127;
    }
    exec("/bin/sh", "-c", $command) or exit 127;
  }
  print $result "S\t$task\t$pid\n";
  my $status = wait_or_orphaned($pid);
  print $result "E\t$task\t$status\n";
}

# Waits for the command while watching stdin: polls with a delay that starts at 0.2 ms and
# doubles up to 50 ms, so trivial commands are reported at once and long ones cost little.
# (A SIGCHLD that arrives before select starts would be missed; polling has no such race.)
sub wait_or_orphaned {
  my ($pid) = @_;
  my $delay = 0.0002;
  for (;;) {
    return $? if waitpid($pid, WNOHANG) == $pid;
    my $readable = "";
    vec($readable, fileno(STDIN), 1) = 1;
    my $ready = select($readable, undef, undef, $delay);
    $delay = $delay * 2 < 0.05 ? $delay * 2 : 0.05;
    if ($ready > 0 && eof(STDIN)) {
      kill("KILL", -$pid);
      waitpid($pid, 0);
      exit 0;
    }
  }
}
