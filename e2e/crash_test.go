package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// gate is a wait condition that is never signalled, holding the operation
// open until skiff is killed.
const gate = `  H: {Type: AWS::CloudFormation::WaitConditionHandle}
  G:
    Type: AWS::CloudFormation::WaitCondition
    Properties: {Handle: !Ref H, Timeout: "3600"}
`

func countParams(t *testing.T, c *ssm.Client) (map[string]string, error) {
	out := map[string]string{}
	p := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String("/c"), Recursive: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, prm := range page.Parameters {
			out[*prm.Name] = *prm.Value
		}
	}
	return out, nil
}

func stackStatus(c *cfn.Client, name string) (string, error) {
	out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return "", err
	}
	return string(out.Stacks[0].StackStatus), nil
}

// TestKill9DuringCreateRollsBack kills skiff in the middle of a
// 500-resource create: after a restart the stack finishes rolling back and
// no parameter is left behind.
func TestKill9DuringCreateRollsBack(t *testing.T) {
	data := t.TempDir()
	p := start(t, data)
	c, s := cfn.NewFromConfig(p.config()), ssm.NewFromConfig(p.config())
	body := paramsTemplate(498, "v1", gate)
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("crash"), TemplateURL: nil, TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	// Wait until the first half exists and the gate is waiting.
	waitFor(t, "half the parameters and a waiting gate", 30*time.Second, func() (bool, error) {
		m, err := countParams(t, s)
		if err != nil || len(m) < 249 {
			return false, err
		}
		r, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("crash"), LogicalResourceId: aws.String("G")})
		return err == nil && r.StackResourceDetail.ResourceStatus == "CREATE_IN_PROGRESS", err
	})
	if st, _ := stackStatus(c, "crash"); st != "CREATE_IN_PROGRESS" {
		t.Fatalf("before the kill the stack is %s", st)
	}
	p.kill9()

	p = start(t, data)
	c, s = cfn.NewFromConfig(p.config()), ssm.NewFromConfig(p.config())
	waitFor(t, "the rollback to finish", 60*time.Second, func() (bool, error) {
		st, err := stackStatus(c, "crash")
		return st == "ROLLBACK_COMPLETE", err
	})
	if m, err := countParams(t, s); err != nil || len(m) != 0 {
		t.Fatalf("after recovery %d parameters are left (%v)", len(m), err)
	}
	var reasons []string
	for pg := cfn.NewDescribeStackEventsPaginator(c, &cfn.DescribeStackEventsInput{StackName: aws.String("crash")}); pg.HasMorePages(); {
		ev, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ev.StackEvents {
			if aws.ToString(e.LogicalResourceId) == "crash" {
				reasons = append(reasons, string(e.ResourceStatus)+": "+aws.ToString(e.ResourceStatusReason))
			}
		}
	}
	if !strings.Contains(strings.Join(reasons, "\n"), "ROLLBACK_IN_PROGRESS") {
		t.Fatalf("stack events:\n%s", strings.Join(reasons, "\n"))
	}
}

// TestKill9DuringUpdateRollsBack kills skiff in the middle of an update of
// every resource: after a restart every parameter has its old value again.
func TestKill9DuringUpdateRollsBack(t *testing.T) {
	data := t.TempDir()
	p := start(t, data)
	c, s := cfn.NewFromConfig(p.config()), ssm.NewFromConfig(p.config())
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("upd"), TemplateBody: aws.String(plain(498, "v1"))}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "create", 60*time.Second, func() (bool, error) {
		st, err := stackStatus(c, "upd")
		return st == "CREATE_COMPLETE", err
	})
	// The update changes every value and adds a gate everything new waits for.
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("upd"), TemplateBody: aws.String(paramsTemplate(498, "v2", gate))}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "half the values changed and the gate waiting", 30*time.Second, func() (bool, error) {
		r, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("upd"), LogicalResourceId: aws.String("G")})
		return err == nil && r.StackResourceDetail.ResourceStatus == "CREATE_IN_PROGRESS", err
	})
	m, _ := countParams(t, s)
	changed := 0
	for _, v := range m {
		if strings.HasPrefix(v, "v2-") {
			changed++
		}
	}
	if changed < 249 {
		t.Fatalf("only %d values changed before the kill", changed)
	}
	p.kill9()

	p = start(t, data)
	c, s = cfn.NewFromConfig(p.config()), ssm.NewFromConfig(p.config())
	waitFor(t, "the update rollback to finish", 60*time.Second, func() (bool, error) {
		st, err := stackStatus(c, "upd")
		return st == "UPDATE_ROLLBACK_COMPLETE", err
	})
	m, err := countParams(t, s)
	if err != nil || len(m) != 498 {
		t.Fatalf("%d parameters after recovery (%v)", len(m), err)
	}
	for i := 0; i < 498; i++ {
		if v := m[fmt.Sprintf("/c/%d", i)]; v != fmt.Sprintf("v1-%d", i) {
			t.Fatalf("/c/%d = %q after rollback, want v1-%d", i, v, i)
		}
	}
	// The stack works normally afterwards.
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("upd")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delete", 60*time.Second, func() (bool, error) {
		_, err := stackStatus(c, "upd")
		return err != nil && strings.Contains(err.Error(), "does not exist"), nil
	})
	if m, _ := countParams(t, s); len(m) != 0 {
		t.Fatalf("%d parameters left after delete", len(m))
	}
}

func plain(n int, value string) string {
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  P%d: {Type: AWS::SSM::Parameter, Properties: {Name: /c/%d, Type: String, Value: %s-%d}}\n", i, i, value, i)
	}
	return b.String()
}
