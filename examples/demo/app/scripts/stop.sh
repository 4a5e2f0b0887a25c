#!/bin/sh
# ApplicationStop: end the running release, if any.
pidfile="${INSTANCE_ROOT}/opt/demoapp/app.pid"
if [ -f "$pidfile" ]; then
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
fi
