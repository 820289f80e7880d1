#!/bin/sh
# 중계나라 container entrypoint: one image, one role per container.
#
#   serve    gunicorn -c gunicorn.conf.py wsgi:app (the default; MIGRATE_ON_START=1 migrates first)
#   migrate  flask db upgrade (Alembic), then exit: run it before new app containers take traffic
#   crawl    flask crawl --loop (one crawler at a time by its Redis lock; METRICS_PORT for /metrics)
#   worker   flask worker (listing photos from the Redis queue)
#   anything else is run as given, e.g. `flask seed-demo` or `sh`.
#
# Settings come from the environment only (.env.example lists them); nothing secret is in the image.
set -eu

cd "$(dirname "$0")/.."

case "${1:-serve}" in
  serve)
    [ "$#" -gt 0 ] && shift
    if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
      flask db upgrade
    fi
    exec gunicorn -c gunicorn.conf.py "$@" wsgi:app
    ;;
  migrate)
    exec flask db upgrade
    ;;
  crawl)
    shift
    exec flask crawl --loop "$@"
    ;;
  worker)
    shift
    exec flask worker "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
