#!/bin/sh
# The nginx workload's entrypoint, as the official image's: a shell that
# looks at its configuration, then runs nginx in its place.
set -e
if [ "$1" = nginx ]; then
    if [ -f /etc/nginx/nginx.conf ]; then
        echo "$0: configuration in /etc/nginx/nginx.conf"
    fi
fi
exec "$@"
