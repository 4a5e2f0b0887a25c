#!/bin/sh
# ApplicationStart: run the new release in the background.
set -e
cd "${INSTANCE_ROOT}/opt/demoapp"
chmod +x demoapp
nohup ./demoapp >app.log 2>&1 &
echo $! >app.pid
