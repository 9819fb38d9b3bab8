#!/bin/sh
# The engine VM's init (run by tini as PID 1, after the initramfs switched to the disk). There is
# no systemd: this mounts what the engine needs, applies the cloud-init seed (seed-apply), starts
# containerd, sshd, the channel agent, acpid and dockerd, then keeps a root shell on the serial
# console. Each step prints "PV-ENGINE: <step> t=<uptime>" so a boot that fails shows where.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "PV-ENGINE: $* t=$(cut -d' ' -f1 /proc/uptime)"; }
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /run/sshd /run/seed /var/log
say init

# One modprobe for every module the guest needs (the list is written by the image build).
modprobe -a $(cat /etc/podvisor/modules) 2>&1 | sed 's/^/PV-ENGINE: modprobe: /'
say modules

# containerd first and on its own: it starts while the rest is set up, and dockerd, which would
# otherwise start it itself, then waits for it with a back-off of seconds.
containerd >/var/log/containerd.log 2>&1 &

# No udev: name the virtio-serial ports the way its rule would (/dev/virtio-ports/NAME).
mkdir -p /dev/virtio-ports
for p in /sys/class/virtio-ports/vport*; do
  [ -f "$p/name" ] && ln -sf "../${p##*/}" "/dev/virtio-ports/$(cat "$p/name")"
done
perl /usr/local/lib/podvisor/pv-agent /dev/virtio-ports/org.podvisor.engine >/var/log/pv-agent.log 2>&1 &

if [ -e /sys/class/net/eth0 ]; then
  ip link set lo up
  ip link set eth0 up
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
  echo "nameserver 10.0.2.3" > /etc/resolv.conf
  # dockerd runs with --iptables=false (its dozens of iptables calls cost ~25 s of boot under
  # TCG; the VM is the isolation boundary): one masquerade rule gives containers their way out,
  # and published ports go through docker-proxy.
  sysctl -qw net.ipv4.ip_forward=1
  iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE 2>&1 | sed 's/^/PV-ENGINE: iptables: /'
  say net
fi

# The NoCloud seed (an ISO labelled cidata): keys and hostname, see seed-apply.
for d in /dev/vdb /dev/vdc /dev/sr0; do
  if [ -b "$d" ] && mount -o ro -t iso9660 "$d" /run/seed 2>/dev/null; then
    if [ -f /run/seed/user-data ]; then
      perl /usr/local/lib/podvisor/seed-apply /run/seed && say seed "$d"
      umount /run/seed
      break
    fi
    umount /run/seed
  fi
done

if [ -s /etc/ssh/ssh_host_ed25519_key ]; then
  /usr/sbin/sshd -E /var/log/sshd.log && say sshd
else
  say "sshd not started: no host key in the seed"
fi
busybox acpid -c /etc/acpi -l /var/log/acpid.log && say acpid

i=0
while ! [ -S /run/containerd/containerd.sock ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
say containerd
dockerd --host unix:///var/run/docker.sock --pidfile /var/run/docker.pid \
  --containerd /run/containerd/containerd.sock --iptables=false --storage-driver overlay2 \
  >/var/log/dockerd.log 2>&1 &
say "dockerd started"
echo "PODVISOR-ENGINE-BOOTED"

export PS1='engine# ' HOME=/root TERM=linux
while true; do
  setsid sh -c 'exec sh -i </dev/ttyS0 >/dev/ttyS0 2>&1'
  sleep 1
done
