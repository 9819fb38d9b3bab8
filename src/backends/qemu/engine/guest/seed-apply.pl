#!/usr/bin/perl
# Applies the part of a cloud-init NoCloud seed an engine VM uses (the image carries no
# cloud-init, which would cost seconds of boot under TCG): `ssh_authorized_keys` (root's
# logins), `ssh_keys.ed25519_private/_public` (the host key, so the host pins it instead of
# trusting on first use) and meta-data's `local-hostname`. The seed is written by Podvisor in
# exactly this shape; real cloud-init reads the same file the same way.
use strict;
use warnings;
my $dir = shift or die "usage: seed-apply SEED_DIR\n";

sub slurp { my $f = shift; open(my $h, '<', $f) or return ''; local $/; my $s = <$h>; close $h; $s }
sub spew {
  my ($f, $mode, $s) = @_;
  open(my $h, '>', "$f.tmp") or die "$f: $!";
  print $h $s;
  close $h;
  chmod $mode, "$f.tmp";
  rename "$f.tmp", $f or die "$f: $!";
}

my $ud = slurp("$dir/user-data");
my (@keys, %host, $block, $indent);
my $section = '';
for my $line (split /\n/, $ud) {
  if (defined $block) {
    if ($line =~ /^(\s*)/ && (length($1) > $indent || $line eq '')) {
      $host{$block} .= (length($line) > $indent + 2 ? substr($line, $indent + 2) : "") . "\n";
      next;
    }
    undef $block;
  }
  if ($line =~ /^(\S[^:]*):/) { $section = $1; next; }
  if ($section eq 'ssh_authorized_keys' && $line =~ /^\s*-\s*["']?([^"']+?)["']?\s*$/) {
    push @keys, $1;
  } elsif ($section eq 'ssh_keys' && $line =~ /^(\s*)(ed25519_private):\s*\|[-+]?\s*$/) {
    ($block, $indent) = ($2, length $1);
    $host{$block} = '';
  } elsif ($section eq 'ssh_keys' && $line =~ /^\s*(ed25519_public):\s*["']?([^"']+?)["']?\s*$/) {
    $host{$1} = "$2\n";
  }
}

if (@keys) {
  mkdir '/root/.ssh', 0700;
  spew('/root/.ssh/authorized_keys', 0600, join("\n", @keys) . "\n");
}
if ($host{ed25519_private} && $host{ed25519_public}) {
  unlink glob('/etc/ssh/ssh_host_*');
  spew('/etc/ssh/ssh_host_ed25519_key', 0600, $host{ed25519_private});
  spew('/etc/ssh/ssh_host_ed25519_key.pub', 0644, $host{ed25519_public});
}
if (slurp("$dir/meta-data") =~ /^local-hostname:\s*(\S+)/m) {
  my $h = $1;
  spew('/etc/hostname', 0644, "$h\n");
  system('hostname', $h);
}
