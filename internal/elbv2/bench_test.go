package elbv2

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
)

// BenchmarkProxy measures one proxied request through a listener (client
// and target included): go test -bench Proxy -benchmem ./internal/elbv2/
func BenchmarkProxy(b *testing.B) {
	f := newFixture(b)
	lb := f.lb("bench")
	tg := f.tg("bench")
	be := newBackend(b, "x", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	f.register(tg.ARN, be)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(base + "/")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkProxyHotPath measures the load balancer's own cost of a
// proxied request: the client and the target are raw keep-alive loopback
// connections that allocate nothing, so allocs/op and B/op are the
// proxy's (routing, X-Forwarded-*, trace id, metrics, both HTTP/1.1
// legs). go test -run '^$' -bench HotPath -benchmem ./internal/elbv2/
func BenchmarkProxyHotPath(b *testing.B) {
	f := newFixture(b)
	lb := f.lb("hot")
	tg := f.tg("hot")
	if err := f.e.RegisterTargets(f.ctx, tg.ARN, []Target{rawKeepAliveTarget(b)}); err != nil {
		b.Fatal(err)
	}
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	addr := base[len("http://"):]
	req := []byte("GET /hot/path?q=1 HTTP/1.1\r\nHost: bench.example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		br := bufio.NewReaderSize(c, 4096)
		for pb.Next() {
			if _, err := c.Write(req); err != nil {
				b.Error(err)
				return
			}
			if err := readRawResponse(br, 200); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// readRawResponse reads one response with a Content-Length body and
// checks its status, without allocating.
func readRawResponse(br *bufio.Reader, status int) error {
	n := -1
	first := true
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if first {
			first = false
			if len(line) < 12 || string(line[9:12]) != strconv.Itoa(status) {
				return &rawError{"status line " + string(line)}
			}
			continue
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 16 && bytes.EqualFold(line[:15], []byte("Content-Length:")) {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(line[15:])))
		}
	}
	if n < 0 {
		return &rawError{"no Content-Length"}
	}
	_, err := br.Discard(n)
	return err
}

type rawError struct{ s string }

func (e *rawError) Error() string { return e.s }

// rawKeepAliveTarget is a target that answers every request on a
// keep-alive connection with a fixed 200, allocating nothing per
// request.
func rawKeepAliveTarget(b testing.TB) Target {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 33\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\n\r\nHello from the benchmark backend\n")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReaderSize(c, 4096)
				for {
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return Target{ID: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
}
