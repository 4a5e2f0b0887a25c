package ssm_test

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/skiff-dev/skiff/internal/skifftest"
)

func awsCLI(t *testing.T, srv *skifftest.Server, args ...string) (map[string]any, string, error) {
	t.Helper()
	return srv.AWSCLI(t, args...)
}

// cliEnv is srv.Env() without the empty AWS_PROFILE, which AWS CLI v1
// reads as a profile named "" and fails with "The config profile () could
// not be found".
func cliEnv(srv *skifftest.Server) []string {
	var env []string
	for _, kv := range srv.Env() {
		if strings.HasPrefix(kv, "AWS_PROFILE=") || strings.HasPrefix(kv, "AWS_SESSION_TOKEN=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// parallelCLI runs independent commands at once and returns their outputs
// in order.
func parallelCLI(t *testing.T, srv *skifftest.Server, cmds ...[]string) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(cmds))
	errs := make([]string, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, stderr, err := awsCLI(t, srv, c...)
			if err != nil {
				errs[i] = fmt.Sprintf("aws %v: %v\n%s", c, err, stderr)
			}
			out[i] = m
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	return out
}

func mustCLI(t *testing.T, srv *skifftest.Server, args ...string) map[string]any {
	t.Helper()
	m, stderr, err := awsCLI(t, srv, args...)
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	return m
}

func TestCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	_, srv, _ := startSSM(t)
	// Independent commands run concurrently: the CLI's start-up dominates.
	puts := parallelCLI(t, srv,
		[]string{"ssm", "put-parameter", "--name", "/cli/db/host", "--value", "db.local", "--type", "String"},
		[]string{"ssm", "put-parameter", "--name", "/cli/db/password", "--value", "s3cret", "--type", "SecureString"},
		[]string{"ssm", "put-parameter", "--name", "/cli/app/list", "--value", "a,b,c", "--type", "StringList"})
	if out := puts[0]; out["Version"] != float64(1) || out["Tier"] != "Standard" {
		t.Fatalf("put-parameter: %v", out)
	}
	out := mustCLI(t, srv, "ssm", "put-parameter", "--name", "/cli/db/host", "--value", "db2.local", "--overwrite")
	if out["Version"] != float64(2) {
		t.Fatalf("overwrite: %v", out)
	}

	gets := parallelCLI(t, srv,
		[]string{"ssm", "get-parameter", "--name", "/cli/db/host"},
		[]string{"ssm", "get-parameter", "--name", "/cli/db/password", "--with-decryption"},
		[]string{"ssm", "get-parameter", "--name", "/cli/db/password"},
		[]string{"ssm", "get-parameters-by-path", "--path", "/cli", "--recursive", "--with-decryption"},
		[]string{"ssm", "get-parameters-by-path", "--path", "/cli/db", "--page-size", "1"})
	p := gets[0]["Parameter"].(map[string]any)
	if p["Name"] != "/cli/db/host" || p["Value"] != "db2.local" || p["Version"] != float64(2) || p["Type"] != "String" ||
		p["ARN"] != "arn:aws:ssm:us-east-1:123456789012:parameter/cli/db/host" || p["DataType"] != "text" {
		t.Fatalf("get-parameter: %v", p)
	}
	// AWS CLI v1 prints awsJson timestamps as it received them: epoch seconds.
	if d, ok := p["LastModifiedDate"].(float64); !ok || d < 1.7e9 {
		t.Fatalf("LastModifiedDate: %v", p["LastModifiedDate"])
	}
	if v := gets[1]["Parameter"].(map[string]any)["Value"]; v != "s3cret" {
		t.Fatalf("decrypted: %v", v)
	}
	if v := gets[2]["Parameter"].(map[string]any)["Value"]; v == "s3cret" {
		t.Fatal("SecureString returned in clear without --with-decryption")
	}
	ps := gets[3]["Parameters"].([]any)
	var names []string
	for _, x := range ps {
		m := x.(map[string]any)
		names = append(names, m["Name"].(string)+"="+m["Value"].(string))
	}
	if strings.Join(names, " ") != "/cli/app/list=a,b,c /cli/db/host=db2.local /cli/db/password=s3cret" {
		t.Fatalf("get-parameters-by-path: %v", names)
	}
	// The CLI paginates by itself; a page size of 1 still returns all.
	if len(gets[4]["Parameters"].([]any)) != 2 {
		t.Fatalf("paginated: %v", gets[4])
	}

	mustCLI(t, srv, "ssm", "delete-parameter", "--name", "/cli/db/host")
	_, stderr, err := awsCLI(t, srv, "ssm", "get-parameter", "--name", "/cli/db/host")
	if err == nil || !strings.Contains(stderr, "(ParameterNotFound) when calling the GetParameter operation") {
		t.Fatalf("get after delete: %v %s", err, stderr)
	}
	_, stderr, err = awsCLI(t, srv, "ssm", "put-parameter", "--name", "/cli/app/list", "--value", "x", "--type", "String")
	if err == nil || !strings.Contains(stderr, "(ParameterAlreadyExists)") || !strings.Contains(stderr, "set the overwrite option in the request to true") {
		t.Fatalf("already exists: %v %s", err, stderr)
	}
}
