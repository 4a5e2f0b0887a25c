package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/skiff-dev/skiff/internal/datadir"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"skiff": func() {
			if err := newRootCmd().Execute(); err != nil {
				fmt.Fprintln(os.Stderr, "skiff:", err)
				os.Exit(1)
			}
		},
	})
}

// TestScripts runs the end-to-end scenarios in testdata/script: each starts
// a real `skiff up` in the background and drives it with real clients.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			env.Setenv("AWS_PAGER", "")
			env.Setenv("AWS_CONFIG_FILE", filepath.Join(env.WorkDir, ".aws-config"))
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(env.WorkDir, ".aws-credentials"))
			env.Setenv("SKIFF_DATA", filepath.Join(env.WorkDir, "data"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "awscli":
				_, err := exec.LookPath("aws")
				return err == nil, nil
			case "awscliv2":
				// Debian's AWS CLI v2.9: awsQuery for CloudWatch, no
				// AWS_ENDPOINT_URL support.
				_, err := os.Stat("/usr/bin/aws")
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// waitup waits for the skiff serving $SKIFF_DATA to be healthy
			// and exports what `skiff env` would (eval is not available).
			"waitup": func(ts *testscript.TestScript, neg bool, args []string) {
				dir := ts.Getenv("SKIFF_DATA")
				deadline := time.Now().Add(20 * time.Second)
				for {
					ep, err := datadir.ReadEndpoint(dir)
					if err == nil {
						if resp, err := http.Get(ep + "/_skiff/health"); err == nil {
							resp.Body.Close()
							if resp.StatusCode == 200 {
								id, err := datadir.ReadIdentity(dir)
								ts.Check(err)
								ts.Setenv("AWS_ACCESS_KEY_ID", id.AccessKeyID)
								ts.Setenv("AWS_SECRET_ACCESS_KEY", id.SecretAccessKey)
								ts.Setenv("AWS_DEFAULT_REGION", datadir.DefaultRegion)
								ts.Setenv("AWS_REGION", datadir.DefaultRegion)
								ts.Setenv("AWS_ENDPOINT_URL", ep)
								ts.Setenv("ENDPOINT", ep)
								ts.Setenv("ACCOUNT", id.AccountID)
								return
							}
						}
					}
					if time.Now().After(deadline) {
						ts.Fatalf("skiff did not become healthy in %s", dir)
					}
					time.Sleep(20 * time.Millisecond)
				}
			},
			// freeport NAME sets NAME to a local TCP port that was free a
			// moment ago, for a listener a script makes (a fixed port may
			// be taken on a shared machine).
			"freeport": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: freeport NAME")
				}
				l, err := net.Listen("tcp", "127.0.0.1:0")
				ts.Check(err)
				port := l.Addr().(*net.TCPAddr).Port
				ts.Check(l.Close())
				ts.Setenv(args[0], strconv.Itoa(port))
			},
			// stackstatus NAME WANT polls until the stack reaches a
			// terminal status and checks it.
			"stackstatus": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: stackstatus NAME WANT")
				}
				deadline := time.Now().Add(60 * time.Second)
				for {
					cmd := exec.Command("aws", "cloudformation", "describe-stacks", "--stack-name", args[0],
						"--query", "Stacks[0].StackStatus", "--output", "text")
					cmd.Env = os.Environ()
					for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION",
						"AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HOME", "AWS_EC2_METADATA_DISABLED"} {
						cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
					}
					out, err := cmd.CombinedOutput()
					status := strings.TrimSpace(string(out))
					if err == nil && !strings.HasSuffix(status, "_IN_PROGRESS") {
						if status != args[1] {
							ts.Fatalf("stack %s is %s, want %s", args[0], status, args[1])
						}
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("stack %s still %s (%v)", args[0], status, err)
					}
					time.Sleep(100 * time.Millisecond)
				}
			},
		},
	})
}
