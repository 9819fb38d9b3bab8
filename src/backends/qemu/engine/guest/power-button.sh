#!/bin/sh
# ACPI power button (busybox acpid): stop the engine so containers stop cleanly, then power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "PV-ENGINE: power button" >/dev/ttyS0
if [ -f /var/run/docker.pid ]; then
  pid=$(cat /var/run/docker.pid)
  kill -TERM "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
fi
sync
mount -o remount,ro / 2>/dev/null
busybox poweroff -f
