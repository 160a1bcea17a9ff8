#!/bin/sh
# The redis workload's entrypoint, as the official image's: started as
# root, it gives /data to redis and runs itself again as redis (setpriv in
# place of gosu); started as another user, it runs redis directly.
set -e
if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
exec "$@"
