// Package server wires skiff together: it opens the data directory and the
// state store, builds every service engine, registers their wire handlers on
// one gateway, and serves them (plus skiff's own endpoints under /_skiff/)
// on one port.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/cloudformation"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/codebuild"
	"github.com/skiff-dev/skiff/internal/codecommit"
	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codepipeline"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/elbv2"
	"github.com/skiff-dev/skiff/internal/iam"
	"github.com/skiff-dev/skiff/internal/logs"
	"github.com/skiff-dev/skiff/internal/s3"
	"github.com/skiff-dev/skiff/internal/seal"
	"github.com/skiff-dev/skiff/internal/secretsmanager"
	"github.com/skiff-dev/skiff/internal/sns"
	"github.com/skiff-dev/skiff/internal/ssm"
	"github.com/skiff-dev/skiff/internal/store"
	"github.com/skiff-dev/skiff/internal/sts"
)

// Version is set at build time.
var Version = "dev"

// Options configure a server. Zero values are documented per field.
type Options struct {
	// Addr to listen on; "" means datadir.DefaultAddr.
	Addr string
	// DataDir; "" means datadir.Default().
	DataDir string
	// Log receives server logs; nil discards them.
	Log *slog.Logger
	// LBPortMap maps load balancer listener ports to local ports; nil
	// means DefaultLBPortMap.
	LBPortMap map[int]int
	// TimeScale multiplies AWS-defined waits (canary intervals, alarm
	// periods, metric publishing); 0 means 1, AWS-exact.
	TimeScale float64
	// BuildRunner is where CodeBuild builds run: "auto" (the default: AWS's
	// curated images on the host, any other image in Docker), "host" or
	// "docker".
	BuildRunner string
}

// Server is a running skiff.
type Server struct {
	opts    Options
	dir     *datadir.Dir
	store   *store.SQLite
	gateway *awswire.Gateway
	http    *http.Server
	ln      net.Listener
	url     string
	started time.Time
	// ready closes when Start has finished: until then the health check
	// answers 503 and API requests wait, so nobody sees an engine that
	// has not started (or a fresh data dir before its CDK bootstrap).
	ready chan struct{}
	log   *slog.Logger

	cfn  *cloudformation.Engine
	iam  *iam.Engine
	sts  *sts.Engine
	ssm  *ssm.Engine
	s3   *s3.Engine
	cc   *codecommit.Engine
	cw   *cloudwatch.Engine
	sns  *sns.Engine
	clk  *clock.Clock
	lb   *elbv2.Engine
	cb   *codebuild.Engine
	cd   *codedeploy.Engine
	cp   *codepipeline.Engine
	sm   *secretsmanager.Engine
	logs *logs.Engine

	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup
	closers  []func(context.Context) error
}

// New opens the data directory and state and builds the services. It does
// not listen yet.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = datadir.DefaultAddr
	}
	if opts.DataDir == "" {
		opts.DataDir = datadir.Default()
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: log, started: time.Now(), ready: make(chan struct{})}
	dir, err := datadir.Open(opts.DataDir)
	if err != nil {
		return nil, err
	}
	if err := dir.Lock(); err != nil {
		return nil, err
	}
	s.dir = dir
	st, err := store.OpenSQLite(dir.DBPath())
	if err != nil {
		dir.Unlock()
		return nil, err
	}
	s.store = st
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	if err := s.build(); err != nil {
		s.closeState()
		return nil, err
	}
	return s, nil
}

// build creates the engines and registers their wire services.
func (s *Server) build() error {
	reg := provider.NewRegistry()
	s.clk = clock.Scaled(s.opts.TimeScale)
	s.iam = iam.New(s.store)
	s.iam.AccountCreated = s.dir.Identity.Created
	s.logs = logs.New(s.store)
	s.sts = sts.New(s.store, iamRoles{s.iam})
	sealer, err := seal.New(s.dir.MasterKey)
	if err != nil {
		return err
	}
	s.ssm = ssm.New(s.store, sealer)
	blobs, err := s.dir.Sub("s3")
	if err != nil {
		return err
	}
	if s.s3, err = s3.New(s.store, blobs); err != nil {
		return err
	}
	reg.Register(s.s3.Providers()...)
	s.sm = secretsmanager.New(s.store, sealer)
	reg.Register(s.iam.Providers()...)
	reg.Register(s.logs.Providers()...)
	reg.Register(s.ssm.Providers()...)
	reg.Register(s.sm.Providers()...)
	creds := &credentials{dir: s.dir, iam: s.iam, sts: s.sts}
	repos, err := s.dir.Sub("codecommit")
	if err != nil {
		return err
	}
	s.cc, err = codecommit.New(s.store, repos, creds, s.log.With("service", "codecommit"),
		codecommit.WithEndpoint(func() string { return s.url }),
		codecommit.WithObjectReader(ccObjects{s.s3}),
		codecommit.WithDefaultRegion(datadir.DefaultRegion))
	if err != nil {
		return err
	}
	s.closers = append(s.closers, func(context.Context) error { return s.cc.Close() })
	reg.Register(s.cc.Providers()...)
	if s.cw, err = cloudwatch.New(s.store, s.clk, s.log.With("service", "cloudwatch")); err != nil {
		return err
	}
	s.sns = sns.New(s.store, s.log.With("service", "sns"))
	s.sns.SetClock(s.clk)
	s.sns.SetEndpoint(func() string { return s.url })
	s.cw.SetPublisher(s.sns)
	reg.Register(s.cw.Providers()...)
	reg.Register(s.sns.Providers()...)
	s.closers = append(s.closers, func(context.Context) error { return s.cw.Close() }, func(context.Context) error { return s.sns.Close() })
	portMap := s.opts.LBPortMap
	if portMap == nil {
		portMap = DefaultLBPortMap()
	}
	if s.lb, err = elbv2.New(s.store, s.clk, elbv2.Options{Log: s.log.With("service", "elasticloadbalancing"),
		Metrics: lbMetrics{s.cw}, PortMap: portMap,
		// Targets of "instance" target groups are CodeDeploy's local
		// instances.
		ResolveInstance: func(ctx context.Context, id string) (string, int, error) { return s.cd.ResolveInstance(ctx, id) },
	}); err != nil {
		return err
	}
	reg.Register(s.lb.Providers()...)
	s.cw.BeforeEvaluate(s.lb.PublishCounts)
	s.closers = append(s.closers, func(context.Context) error { s.lb.Close(); return nil })
	builds, err := s.dir.Sub("codebuild")
	if err != nil {
		return err
	}
	buildRunner, err := s.buildRunner(builds)
	if err != nil {
		return err
	}
	if s.cb, err = codebuild.New(s.store, s.clk, codebuild.Deps{
		Runner:  buildRunner,
		Sources: cbSources{s.cc}, Objects: cbObjects{s.s3}, Params: cbParams{s.ssm}, Secrets: cbSecrets{s.sm},
		Logs: cbLogs{s.logs}, Credentials: cbCredentials{s.sts}, WorkDir: builds,
		Endpoint: func() string { return s.url },
	}, s.log.With("service", "codebuild")); err != nil {
		return err
	}
	reg.Register(s.cb.Providers()...)
	s.closers = append(s.closers, func(context.Context) error { s.cb.Close(); return nil })
	deploys, err := s.dir.Sub("codedeploy")
	if err != nil {
		return err
	}
	if s.cd, err = codedeploy.New(s.store, s.clk, codedeploy.Deps{
		LoadBalancer: cdBalancer{s.lb}, Alarms: cdAlarms{s.cw}, Objects: cdObjects{s.s3},
		Logs: instLogs{s.logs}, Metrics: instMetrics{s.cw}, WorkDir: deploys,
	}, s.log.With("service", "codedeploy")); err != nil {
		return err
	}
	reg.Register(s.cd.Providers()...)
	// Closed before the load balancer (closers run in reverse).
	s.closers = append(s.closers, func(context.Context) error { return s.cd.Close() })
	gitScratch, err := s.dir.Sub("codepipeline")
	if err != nil {
		return err
	}
	if s.cp, err = codepipeline.New(s.store, s.clk, codepipeline.Deps{
		Repos: cpRepos{s.cc}, Objects: cpObjects{s.s3}, Builds: cpBuilds{s.cb}, Deployments: cpDeployments{s.cd},
		Alarms: cpAlarms{s.cw}, Stacks: cpStacks{s},
		GitDir: gitScratch,
	}, s.log.With("service", "codepipeline")); err != nil {
		return err
	}
	reg.Register(s.cp.Providers()...)
	s.closers = append(s.closers, func(context.Context) error { s.cp.Close(); return nil })
	s.cfn = cloudformation.New(cloudformation.Deps{
		Store: s.store, Providers: reg, Log: s.log.With("service", "cloudformation"),
		SSM: cfnParams{s.ssm}, Secrets: cfnSecrets{s.sm}, Objects: cfnObjects{s.s3},
		Endpoint: func() string { return s.url },
	})
	reg.Register(s.cfn.Providers()...)
	iamSvc := s.iam.Service()
	iamSvc.Ops = append(iamSvc.Ops, s.cc.IAMCredentialOps(func(ctx context.Context, name string) bool {
		_, err := s.iam.GetUser(ctx, name)
		return err == nil
	})...)
	s.gateway = awswire.NewGateway(creds, s.log,
		s.sts.Service(),
		s.cfn.Service(),
		iamSvc,
		s.logs.Service(),
		s.ssm.Service(),
		s.sm.Service(),
		s.s3.Service(),
		s.cc.Service(),
		s.cw.Service(),
		s.sns.Service(),
		s.lb.Service(),
		s.cb.Service(),
		s.cd.Service(),
		s.cp.Service(),
	)
	s.closers = append(s.closers, func(context.Context) error { s.cfn.Close(); return nil })
	return nil
}

// Start listens and serves in the background. It returns once the port is
// bound, so the health endpoint answers as soon as Start returns.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Addr, err)
	}
	s.ln = ln
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if host == "::" || host == "0.0.0.0" || host == "" {
		host = "127.0.0.1"
	}
	s.url = "http://" + net.JoinHostPort(host, port)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_skiff/health", s.health)
	mux.Handle(cloudformation.SignalPath, s.cfn.SignalHTTP())
	mux.Handle(sns.ConfirmPath, s.sns.HTTPHandler())
	// Pushes to git hosts a CodeStar connection names (GitHub, GitLab).
	mux.Handle("POST /_skiff/codepipeline/webhooks/", s.cp.WebhookHandler())
	s.adminRoutes(mux)
	s.http = &http.Server{
		Handler:           s.route(mux),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if err := s.dir.SetEndpoint(s.url); err != nil {
		ln.Close()
		return fmt.Errorf("record endpoint: %w", err)
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	// A new data directory is ready for CDK output at once.
	if s.dir.Fresh {
		if err := s.bootstrapCDK(context.Background(), datadir.DefaultRegion, CDKQualifier); err != nil {
			s.log.Error("cdk bootstrap", "err", err)
		}
	}
	if err := s.cw.Start(s.bgCtx); err != nil {
		return fmt.Errorf("start alarm evaluation: %w", err)
	}
	if err := s.lb.Start(s.bgCtx); err != nil {
		return fmt.Errorf("start load balancers: %w", err)
	}
	// Deployments resume; instances' applications restart.
	if err := s.cd.Start(s.bgCtx); err != nil {
		return fmt.Errorf("start deployments: %w", err)
	}
	// Builds a previous process left running end as FAULT; queued ones
	// run.
	if err := s.cb.Start(s.bgCtx); err != nil {
		return fmt.Errorf("start builds: %w", err)
	}
	// Retention: expired log events are deleted from disk.
	s.Go(s.logs.RunJanitor)
	// Operations a previous process left in flight resume (or roll back)
	// in the background.
	if err := s.cfn.Start(s.bgCtx); err != nil {
		s.log.Error("resume stack operations", "err", err)
	}
	// Pipeline executions resume; pushes start pipelines from now on.
	if err := s.cp.Start(s.bgCtx); err != nil {
		return fmt.Errorf("start pipelines: %w", err)
	}
	close(s.ready)
	return nil
}

// DefaultLBPortMap maps privileged listener ports (below 1024) to port +
// 8000 when skiff does not run as root, so a template's port 80 listener
// serves on 127.0.0.1:8080. Other ports are served as they are.
func DefaultLBPortMap() map[int]int {
	if os.Geteuid() == 0 {
		return map[int]int{}
	}
	m := map[int]int{}
	for p := 1; p < 1024; p++ {
		m[p] = p + 8000
	}
	return m
}

// route sends skiff's own endpoints (under /_skiff/) to mux and everything
// else to the AWS gateway directly: a ServeMux would redirect paths that are
// not "clean", and S3 object keys may contain //, /./ or /../.
func (s *Server) route(mux *http.ServeMux) http.Handler {
	git := s.cc.GitHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_skiff/") {
			mux.ServeHTTP(w, r)
			return
		}
		select {
		case <-s.ready:
		case <-r.Context().Done():
			return
		}
		// git smart HTTP (Basic auth or none); a SigV4-signed request to
		// the same path is S3 (a bucket named v1).
		if strings.HasPrefix(r.URL.Path, codecommit.GitPathPrefix) && !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") &&
			r.URL.Query().Get("X-Amz-Credential") == "" {
			git.ServeHTTP(w, r)
			return
		}
		s.gateway.ServeHTTP(w, r)
	})
}

// URL is the endpoint clients use.
func (s *Server) URL() string { return s.url }

// DataDir is the opened data directory.
func (s *Server) DataDir() *datadir.Dir { return s.dir }

// Go runs background work tied to the server's lifetime; Shutdown cancels
// its context and waits for it.
func (s *Server) Go(fn func(ctx context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		fn(s.bgCtx)
	}()
}

// Shutdown stops accepting requests, lets in-flight ones finish (until ctx
// ends), stops background work and closes the state store.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		errs = append(errs, s.http.Shutdown(ctx))
	}
	s.bgCancel()
	done := make(chan struct{})
	go func() { s.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, errors.New("background work did not stop in time"))
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i](ctx))
	}
	s.closeState()
	return errors.Join(errs...)
}

func (s *Server) closeState() {
	if s.store != nil {
		s.store.Close()
	}
	s.dir.Unlock()
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	select {
	case <-s.ready:
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{"status": "starting", "version": Version})
		return
	}
	svcs := s.gateway.Services()
	sort.Strings(svcs)
	json.NewEncoder(w).Encode(map[string]any{
		"status":    "ok",
		"version":   Version,
		"endpoint":  s.url,
		"accountId": s.dir.Identity.AccountID,
		"region":    datadir.DefaultRegion,
		"dataDir":   s.dir.Path,
		"uptime":    time.Since(s.started).Round(time.Millisecond).String(),
		"services":  svcs,
	})
}

// credentials resolves access keys: the root key from the data directory,
// then active keys IAM issued to users.
type credentials struct {
	dir *datadir.Dir
	iam *iam.Engine
	sts *sts.Engine
}

func (c *credentials) Lookup(ctx context.Context, akid string) (awswire.Credential, bool) {
	id := c.dir.Identity
	if akid == id.AccessKeyID {
		return awswire.Credential{
			AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey, AccountID: id.AccountID,
			Principal: "arn:aws:iam::" + id.AccountID + ":root",
		}, true
	}
	if secret, acct, arn, ok := c.iam.LookupAccessKey(ctx, akid); ok {
		return awswire.Credential{AccessKeyID: akid, SecretAccessKey: secret, AccountID: acct, Principal: arn}, true
	}
	return c.sts.Lookup(ctx, akid)
}

// iamRoles lets STS check the roles it is asked to assume.
type iamRoles struct{ e *iam.Engine }

func (r iamRoles) Role(ctx context.Context, account, name string) (string, int32, bool) {
	ctx = awsctx.With(ctx, awsctx.Scope{AccountID: account, Region: datadir.DefaultRegion})
	role, err := r.e.GetRole(ctx, name)
	if err != nil {
		return "", 0, false
	}
	return role.ID, role.MaxSessionDuration, true
}
