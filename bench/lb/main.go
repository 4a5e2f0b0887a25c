// Command lb is the skiff side of the load balancer benchmark
// (bench/lb/run.sh): it serves the shared Go backend, or runs skiff's
// Application Load Balancer in-process (memory store) in front of it.
//
//	lb backend -addr 127.0.0.1:18081
//	lb skiff   -addr 127.0.0.1:18080 -target 127.0.0.1:18081
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/elbv2"
	"github.com/skiff-dev/skiff/internal/store"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: lb backend|skiff [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:18080", "address to serve on")
	target := fs.String("target", "127.0.0.1:18081", "backend address (skiff)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here until the process is stopped")
	fs.Parse(os.Args[2:])
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch os.Args[1] {
	case "backend":
		backend(ctx, *addr)
	case "skiff":
		skiff(ctx, *addr, *target)
	default:
		log.Fatalf("unknown mode %q", os.Args[1])
	}
}

var hello = []byte("Hello from the benchmark backend\n")

func backend(ctx context.Context, addr string) {
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(hello)))
		w.Write(hello)
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	fmt.Println("ready")
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

func skiff(ctx context.Context, addr, target string) {
	_, lport, err := net.SplitHostPort(addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(lport)
	host, tport, _ := net.SplitHostPort(target)
	tp, _ := strconv.Atoi(tport)
	e, err := elbv2.New(store.NewMemory(), clock.Scaled(0.01), elbv2.Options{PortMap: map[int]int{80: port}})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	if err := e.Start(ctx); err != nil {
		log.Fatal(err)
	}
	actx := awsctx.With(ctx, awsctx.Scope{AccountID: "123456789012", Region: "us-east-1"})
	lb, err := e.CreateLoadBalancer(actx, elbv2.CreateLoadBalancerInput{Name: "bench"})
	if err != nil {
		log.Fatal(err)
	}
	tg, err := e.CreateTargetGroup(actx, elbv2.CreateTargetGroupInput{Name: "bench", Protocol: "HTTP", Port: tp, VpcID: "vpc-bench", TargetType: "ip"})
	if err != nil {
		log.Fatal(err)
	}
	if err := e.RegisterTargets(actx, tg.ARN, []elbv2.Target{{ID: host, Port: tp}}); err != nil {
		log.Fatal(err)
	}
	l, err := e.CreateListener(actx, elbv2.CreateListenerInput{LoadBalancerARN: lb.ARN, Protocol: "HTTP", Port: 80,
		DefaultActions: []elbv2.Action{{Type: "forward", Forward: &elbv2.ForwardConfig{TargetGroups: []elbv2.WeightedTargetGroup{{ARN: tg.ARN, Weight: 1}}}}}})
	if err != nil {
		log.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(actx, 30*time.Second)
	defer cancel()
	if err := e.WaitHealthy(wctx, tg.ARN, nil); err != nil {
		log.Fatal(err)
	}
	got, _ := e.ListenerAddr(l.ARN)
	resp, err := http.Get("http://" + got + "/")
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println("ready", got)
	<-ctx.Done()
}
