#!/bin/sh
# ValidateService: the release answers its health check.
exec "${INSTANCE_ROOT}/opt/demoapp/demoapp" -check "http://127.0.0.1:${PORT:-8080}/health"
