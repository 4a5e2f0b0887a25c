// Command driver runs skiff's benchmarks against any AWS-compatible
// endpoint, so skiff and its peers (moto_server) go through identical
// client code in one run. It prints one JSON object per measurement.
//
//	driver -endpoint URL -suite cfn500     create/update/drift/delete a stack of 500 SSM parameters
//	driver -endpoint URL -suite ssmget     signed GetParameter throughput
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4566", "endpoint URL")
	suite := flag.String("suite", "cfn500", "cfn500 | ssmget")
	peer := flag.String("peer", "skiff", "name of the system measured (for the output)")
	n := flag.Int("n", 500, "resources in the stack (cfn500)")
	drift := flag.Bool("drift", true, "measure drift detection (cfn500; moto has none)")
	dur := flag.Duration("duration", 10*time.Second, "how long to load (ssmget)")
	conc := flag.Int("concurrency", 32, "concurrent clients (ssmget)")
	command := flag.String("cmd", "", "command to start (startup), run with sh -c")
	readyURL := flag.String("ready", "", "URL that answers once the command is ready (startup)")
	runs := flag.Int("runs", 10, "repetitions (startup)")
	flag.Parse()
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" {
		key, secret = "testing", "testing"
	}
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint:     endpoint,
		HTTPClient:       &http.Client{Transport: tr, Timeout: 5 * time.Minute},
		RetryMaxAttempts: 3,
	}
	ctx := context.Background()
	var err error
	switch *suite {
	case "cfn500":
		err = runCFN(ctx, cfg, *peer, *n, *drift)
	case "ssmget":
		err = runSSMGet(ctx, cfg, *peer, *dur, *conc)
	case "startup":
		err = runStartup(*peer, *command, *readyURL, *runs)
	default:
		err = fmt.Errorf("unknown suite %q", *suite)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
}

// runStartup starts cmd runs times and reports the median time until
// readyURL answers, and the resident memory two seconds after that.
func runStartup(peer, command, readyURL string, runs int) error {
	var ready []float64
	var rss []float64
	hc := &http.Client{Timeout: time.Second}
	for i := 0; i < runs; i++ {
		cmd := exec.Command("sh", "-c", "exec "+command)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		cmd.Env = append(os.Environ(), "RUN="+strconv.Itoa(i))
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		for {
			resp, err := hc.Get(readyURL)
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Since(t0) > 60*time.Second {
				cmd.Process.Kill()
				return fmt.Errorf("%s never became ready", command)
			}
			time.Sleep(500 * time.Microsecond)
		}
		ready = append(ready, time.Since(t0).Seconds()*1000)
		time.Sleep(2 * time.Second)
		rss = append(rss, rssMiB(cmd.Process.Pid))
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	emit(peer, "ready_ms_median", median(ready))
	emit(peer, "idle_rss_mib_median", median(rss))
	return nil
}

// rssMiB reads a process's resident set (and its children's: moto_server
// may run as a wrapper) from /proc.
func rssMiB(pid int) float64 {
	total := 0.0
	pids := []int{pid}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); err == nil {
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
	}
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				f := strings.Fields(line)
				if len(f) >= 2 {
					kb, _ := strconv.ParseFloat(f[1], 64)
					total += kb / 1024
				}
			}
		}
	}
	return total
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func emit(peer, what string, v any) {
	b, _ := json.Marshal(map[string]any{"peer": peer, "measure": what, "value": v})
	fmt.Println(string(b))
}

func template500(n int, value string) string {
	var b strings.Builder
	b.WriteString(`{"AWSTemplateFormatVersion":"2010-09-09","Resources":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		// Short ids and names keep 500 resources under the 51,200-byte
		// TemplateBody limit AWS enforces. Names are explicit: moto's
		// CloudFormation cannot create a parameter without one.
		fmt.Fprintf(&b, `"P%d":{"Type":"AWS::SSM::Parameter","Properties":{"Name":"/b/%d","Type":"String","Value":"%s-%d"}}`, i, i, value, i)
	}
	b.WriteString(`}}`)
	return b.String()
}

// waitStack polls until the stack leaves *_IN_PROGRESS and returns its
// status; a deleted stack reports DELETE_COMPLETE.
func waitStack(ctx context.Context, c *cfn.Client, id string) (string, error) {
	for {
		out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: &id})
		if err != nil {
			if strings.Contains(err.Error(), "does not exist") {
				return "DELETE_COMPLETE", nil
			}
			return "", err
		}
		st := string(out.Stacks[0].StackStatus)
		if !strings.HasSuffix(st, "_IN_PROGRESS") {
			return st, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func runCFN(ctx context.Context, cfg aws.Config, peer string, n int, drift bool) error {
	c := cfn.NewFromConfig(cfg)
	name := fmt.Sprintf("bench%d", time.Now().UnixNano())
	t0 := time.Now()
	id := ""
	out, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: &name, TemplateBody: aws.String(template500(n, "v1"))})
	switch {
	case err != nil && strings.Contains(err.Error(), "AlreadyExists"):
		// A slow peer answered after the SDK's timeout and the retry found
		// the stack the first attempt made.
		d, derr := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: &name})
		if derr != nil {
			return fmt.Errorf("create: %w", err)
		}
		id = aws.ToString(d.Stacks[0].StackId)
	case err != nil:
		return fmt.Errorf("create: %w", err)
	default:
		id = aws.ToString(out.StackId)
	}
	st, err := waitStack(ctx, c, id)
	if err != nil || st != "CREATE_COMPLETE" {
		return fmt.Errorf("create ended %s: %v", st, err)
	}
	create := time.Since(t0)
	emit(peer, "create_s", create.Seconds())

	t0 = time.Now()
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: &id, TemplateBody: aws.String(template500(n, "v2"))}); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	st, err = waitStack(ctx, c, id)
	if err != nil || st != "UPDATE_COMPLETE" {
		return fmt.Errorf("update ended %s: %v", st, err)
	}
	emit(peer, "update_s", time.Since(t0).Seconds())

	if drift {
		// Change one parameter behind the stack's back, so detection has
		// something to find.
		s := ssm.NewFromConfig(cfg)
		r, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: &id, LogicalResourceId: aws.String("P7")})
		if err != nil {
			return fmt.Errorf("describe-stack-resource: %w", err)
		}
		if _, err := s.PutParameter(ctx, &ssm.PutParameterInput{Name: r.StackResourceDetail.PhysicalResourceId, Value: aws.String("changed"), Overwrite: aws.Bool(true)}); err != nil {
			return fmt.Errorf("put-parameter: %w", err)
		}
		t0 = time.Now()
		d, err := c.DetectStackDrift(ctx, &cfn.DetectStackDriftInput{StackName: &id})
		if err != nil {
			return fmt.Errorf("detect drift: %w", err)
		}
		for {
			s, err := c.DescribeStackDriftDetectionStatus(ctx, &cfn.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: d.StackDriftDetectionId})
			if err != nil {
				return err
			}
			if s.DetectionStatus != cfntypes.StackDriftDetectionStatusDetectionInProgress {
				if s.StackDriftStatus != cfntypes.StackDriftStatusDrifted || aws.ToInt32(s.DriftedStackResourceCount) != 1 {
					return fmt.Errorf("drift: %s with %d drifted, want DRIFTED with 1", s.StackDriftStatus, aws.ToInt32(s.DriftedStackResourceCount))
				}
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		emit(peer, "drift_s", time.Since(t0).Seconds())
	}

	t0 = time.Now()
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: &id}); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	st, err = waitStack(ctx, c, id)
	if err != nil || st != "DELETE_COMPLETE" {
		return fmt.Errorf("delete ended %s: %v", st, err)
	}
	del := time.Since(t0)
	emit(peer, "delete_s", del.Seconds())
	emit(peer, "create_plus_delete_s", (create + del).Seconds())
	return nil
}

func runSSMGet(ctx context.Context, cfg aws.Config, peer string, dur time.Duration, conc int) error {
	s := ssm.NewFromConfig(cfg)
	if _, err := s.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/bench/get"), Value: aws.String("value"), Type: "String", Overwrite: aws.Bool(true)}); err != nil {
		return fmt.Errorf("put-parameter: %w", err)
	}
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	var firstErr atomic.Value
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				_, err := s.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/bench/get")})
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ok.Add(1)
			}
		}()
	}
	t0 := time.Now()
	wg.Wait()
	el := time.Since(t0).Seconds()
	emit(peer, "ssm_getparameter_rps", float64(ok.Load())/el)
	emit(peer, "ssm_getparameter_errors", failed.Load())
	if failed.Load() > 0 {
		return errors.New(fmt.Sprint("errors during load, first: ", firstErr.Load()))
	}
	return nil
}
