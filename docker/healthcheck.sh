#!/bin/bash
# wfcd-healthcheck - the image's HEALTHCHECK: GET /healthz on WFCD_PORT
# (8080); healthy (exit 0) on a 200 within 5 s, unhealthy (1) otherwise.
# bash's /dev/tcp rather than curl keeps the image free of an HTTP client.
# A worker (--role worker) serves no HTTP: there is nothing to probe, and a
# stalled worker is caught by the Redis queue's visibility timeout instead.
set -u
role=${WFCD_ROLE:-all}
if [ -r /proc/1/cmdline ]; then
	args=$(tr '\0' ' ' </proc/1/cmdline)
	case " $args" in *" --role worker "* | *" --role=worker "*) role=worker ;; esac
fi
[ "$role" = worker ] && exit 0

port=${WFCD_PORT:-8080}
host=${WFCD_BIND:-127.0.0.1}
case $host in 0.0.0.0 | "") host=127.0.0.1 ;; :: | "[::]") host=::1 ;; esac
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 5 status <&3 || exit 1
case $status in
"HTTP/1."?" 200 "*) exit 0 ;;
esac
echo "wfcd-healthcheck: $status" >&2
exit 1
