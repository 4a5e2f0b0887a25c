package elbv2

import (
	"io"
	"net/http"
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
