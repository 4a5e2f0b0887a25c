package codedeploytest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"sort"
)

// File is one file of a revision archive.
type File struct {
	Body string
	Mode os.FileMode // 0 means 0644
}

// Zip builds a zip archive of the files (path → file).
func Zip(files map[string]File) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := files[n]
		h := &zip.FileHeader{Name: n, Method: zip.Deflate}
		m := f.Mode
		if m == 0 {
			m = 0o644
		}
		h.SetMode(m)
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		w.Write([]byte(f.Body))
	}
	zw.Close()
	return b.Bytes()
}

// WebAppFiles is a small web application revision for the server
// platform: a Python HTTP server that answers "/" with body and status
// (and "/health" with 200), installed to /opt/app, started in
// ApplicationStart with "nohup … &" (its output goes to the instance's
// log stream), stopped in ApplicationStop through its pid file, and
// checked in ValidateService. Requires python3.
func WebAppFiles(body string, status int) map[string]File {
	return map[string]File{
		"appspec.yml": {Body: `version: 0.0
os: linux
files:
  - source: app
    destination: /opt/app
file_exists_behavior: OVERWRITE
hooks:
  ApplicationStop:
    - location: scripts/stop.sh
      timeout: 30
  ApplicationStart:
    - location: scripts/start.sh
      timeout: 30
  ValidateService:
    - location: scripts/validate.py
      timeout: 30
`},
		"app/BODY":   {Body: body},
		"app/STATUS": {Body: fmt.Sprint(status)},
		"app/server.py": {Body: `import http.server, os, socket, sys
here = os.path.dirname(os.path.abspath(__file__))
body = open(os.path.join(here, "BODY")).read().encode()
status = int(open(os.path.join(here, "STATUS")).read())
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_GET(self):
        code, b = (200, b"ok\n") if self.path == "/health" else (status, body)
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
print("serving", body.decode().strip(), "on port", os.environ["PORT"], flush=True)
S(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
`},
		"scripts/start.sh": {Mode: 0o755, Body: `#!/bin/sh
cd "$INSTANCE_ROOT/opt/app" || exit 1
nohup python3 -u server.py &
echo $! > server.pid
echo "started $DEPLOYMENT_ID ($LIFECYCLE_EVENT) on port $PORT"
`},
		"scripts/stop.sh": {Mode: 0o755, Body: `#!/bin/sh
PIDFILE="$INSTANCE_ROOT/opt/app/server.pid"
[ -f "$PIDFILE" ] || exit 0
PID=$(cat "$PIDFILE")
rm -f "$PIDFILE"
kill "$PID" 2>/dev/null || exit 0
i=0
while kill -0 "$PID" 2>/dev/null; do
  i=$((i+1))
  [ $i -gt 100 ] && kill -9 "$PID" 2>/dev/null && break
  sleep 0.05
done
echo "stopped $PID"
`},
		"scripts/validate.py": {Mode: 0o755, Body: `#!/usr/bin/env python3
import os, time, urllib.request
url = "http://127.0.0.1:%s/health" % os.environ["PORT"]
deadline = time.time() + 20
while True:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                print("healthy")
                break
    except Exception as e:
        if time.time() > deadline:
            raise SystemExit("not healthy: %s" % e)
    time.sleep(0.05)
`},
	}
}

// WebApp is WebAppFiles as a zip archive.
func WebApp(body string, status int) []byte { return Zip(WebAppFiles(body, status)) }
