#!/usr/bin/perl
# Podvisor engine agent, inside an engine VM: carries connections to the guest's Engine API
# socket over one virtio-serial port, so the host reaches the engine through a unix socket of its
# own (0600) and never through a TCP port. Only perl-base is used (it is Essential in Debian).
#
# Frames, both ways: u32 channel | u8 type | u32 length | payload (big-endian).
#   OPEN  (host->guest) payload = target name; the agent connects to that target's socket
#   DATA  bytes of a channel
#   EOF   the sender will send no more on this channel (a half-close: shutdown(SHUT_WR))
#   CLOSE the channel is gone (payload: why, when it failed)
#   RESET (host->guest) forget every channel: the host (re)connected, after a reload or a resume
#   HELLO (guest->host) the agent is up (sent at start and as the answer to RESET)
#   TIME  (host->guest) payload = the host's clock (epoch seconds): a resumed guest's clock is
#         as old as its saved state, so the host sets it when it connects
# When the host is not connected the port reads as end-of-file; the agent then drops every
# channel and waits for the host to come back (a RESET follows).
use strict;
use warnings;
use Fcntl qw(O_RDWR O_NONBLOCK F_GETFL F_SETFL);
use POSIX qw(EAGAIN EINTR EWOULDBLOCK);
use Socket qw(AF_UNIX SOCK_STREAM SHUT_WR pack_sockaddr_un);

my $PORT = shift // '/dev/virtio-ports/org.podvisor.engine';
my %TARGET = (docker => '/var/run/docker.sock');
use constant { OPEN => 1, DATA => 2, EOF_ => 3, CLOSE => 4, RESET => 5, HELLO => 6, TIME => 7 };
use constant { CHUNK => 65536, HOST_BACKLOG => 4 << 20 };

$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = 'IGNORE';    # the clock setter's child is reaped by the kernel
my $port;
until (sysopen($port, $PORT, O_RDWR | O_NONBLOCK)) {
  sleep 1;    # the port appears once virtio_console is loaded
}
binmode $port;

my $in = '';     # bytes from the host not yet parsed
my $out = '';    # frames for the host not yet written
my %ch;          # id => { fh, out, host_eof, guest_eof }

sub frame { my ($id, $type, $p) = @_; $p //= ''; $out .= pack('NCN', $id, $type, length $p) . $p; }

sub drop {
  my ($id, $why) = @_;
  my $c = delete $ch{$id} or return;
  close $c->{fh};
  frame($id, CLOSE, $why // '') if defined $why;
}

sub nonblock { my $fh = shift; my $f = fcntl($fh, F_GETFL, 0); fcntl($fh, F_SETFL, $f | O_NONBLOCK); }

sub open_channel {
  my ($id, $target) = @_;
  my $path = $TARGET{$target};
  return frame($id, CLOSE, "unknown target $target") unless $path;
  my $fh;
  unless (socket($fh, AF_UNIX, SOCK_STREAM, 0) && connect($fh, pack_sockaddr_un($path))) {
    return frame($id, CLOSE, "$path: $!");
  }
  nonblock($fh);
  $ch{$id} = { fh => $fh, out => '', host_eof => 0, guest_eof => 0 };
}

sub finish_if_done {
  my $id = shift;
  my $c = $ch{$id} or return;
  drop($id, '') if $c->{host_eof} && $c->{guest_eof} && !length $c->{out};
}

sub on_frame {
  my ($id, $type, $p) = @_;
  if ($type == RESET) {
    drop($_) for keys %ch;
    $out = '';
    frame(0, HELLO, 'podvisor-engine-agent 1');
  } elsif ($type == TIME) {
    # In a child, so the channels do not wait for it.
    if ($p =~ /^(\d{9,11}(?:\.\d{1,9})?)$/ && !fork()) {
      open(STDOUT, '>', '/dev/null');
      exec('date', '-u', '-s', "\@$1") or POSIX::_exit(1);
    }
  } elsif ($type == OPEN) {
    drop($id);
    open_channel($id, $p);
  } elsif (my $c = $ch{$id}) {
    if ($type == DATA) { $c->{out} .= $p; }
    elsif ($type == EOF_) { $c->{host_eof} = 1; shutdown($c->{fh}, SHUT_WR) unless length $c->{out}; finish_if_done($id); }
    elsif ($type == CLOSE) { drop($id); }
  }
}

sub host_gone {
  drop($_) for keys %ch;
  ($in, $out) = ('', '');
  select(undef, undef, undef, 0.25);    # the port reads as EOF until the host is back: don't spin
}

frame(0, HELLO, 'podvisor-engine-agent 1');
for (;;) {
  my ($rin, $win) = ('', '');
  vec($rin, fileno($port), 1) = 1;
  vec($win, fileno($port), 1) = 1 if length $out;
  for my $c (values %ch) {
    # Stop reading a socket while the host is behind: the port's own flow control does the rest.
    vec($rin, fileno($c->{fh}), 1) = 1 unless $c->{guest_eof} || length($out) > HOST_BACKLOG;
    vec($win, fileno($c->{fh}), 1) = 1 if length $c->{out};
  }
  my $n = select(my $rout = $rin, my $wout = $win, undef, undef);
  next if $n < 0 && $! == EINTR;

  if (vec($rout, fileno($port), 1)) {
    my $r = sysread($port, my $buf, CHUNK);
    if (defined $r && $r == 0) { host_gone(); next; }
    if (defined $r) {
      $in .= $buf;
      while (length($in) >= 9) {
        my ($id, $type, $len) = unpack('NCN', $in);
        last if length($in) < 9 + $len;
        my $p = substr($in, 9, $len);
        substr($in, 0, 9 + $len, '');
        on_frame($id, $type, $p);
      }
    } elsif ($! != EAGAIN && $! != EWOULDBLOCK && $! != EINTR) {
      host_gone();
      next;
    }
  }
  if (length $out && vec($wout, fileno($port), 1)) {
    my $w = syswrite($port, $out);
    substr($out, 0, $w, '') if defined $w;
  }
  for my $id (keys %ch) {
    my $c = $ch{$id} or next;
    my $fd = fileno($c->{fh});
    if (length $c->{out} && vec($wout, $fd, 1)) {
      my $w = syswrite($c->{fh}, $c->{out});
      if (defined $w) {
        substr($c->{out}, 0, $w, '');
        shutdown($c->{fh}, SHUT_WR) if $c->{host_eof} && !length $c->{out};
      } elsif ($! != EAGAIN && $! != EWOULDBLOCK && $! != EINTR) {
        drop($id, "write: $!");
        next;
      }
    }
    if (vec($rout, $fd, 1)) {
      my $r = sysread($c->{fh}, my $buf, CHUNK);
      if (!defined $r) {
        drop($id, "read: $!") unless $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
      } elsif ($r == 0) {
        $c->{guest_eof} = 1;
        frame($id, EOF_);
      } else {
        frame($id, DATA, $buf);
      }
    }
    finish_if_done($id);
  }
}
