package codedeploy_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codedeploy/codedeploytest"
)

func providerOf(t *testing.T, e *codedeploy.Engine, typ string) provider.Provider {
	t.Helper()
	for _, p := range e.Providers() {
		if p.Type() == typ {
			return p
		}
	}
	t.Fatalf("no provider for %s", typ)
	return nil
}

// num gives template numbers the shape the CloudFormation engine passes.
func num(s string) json.Number { return json.Number(s) }

func TestApplicationProvider(t *testing.T) {
	v := newEnv(t, 0.01)
	providertest.Run(t, providerOf(t, v.e, "AWS::CodeDeploy::Application"), providertest.Case{
		Create:  map[string]any{"ApplicationName": "cfn-app", "ComputePlatform": "Server", "Tags": []any{map[string]any{"Key": "team", "Value": "web"}}},
		Update:  map[string]any{"ApplicationName": "cfn-app", "ComputePlatform": "Server", "Tags": []any{map[string]any{"Key": "team", "Value": "api"}, map[string]any{"Key": "env", "Value": "dev"}}},
		Replace: map[string]any{"ApplicationName": "cfn-app-2"},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			if _, err := v.e.GetApplication(ctx, id); err != nil {
				t.Fatal(err)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := v.e.GetApplication(ctx, id); !codedeploy.ErrApplicationDoesNotExist.Is(err) {
				t.Fatalf("still there: %v", err)
			}
		},
	})
}

func TestDeploymentConfigProvider(t *testing.T) {
	v := newEnv(t, 0.01)
	providertest.Run(t, providerOf(t, v.e, "AWS::CodeDeploy::DeploymentConfig"), providertest.Case{
		Create: map[string]any{"DeploymentConfigName": "TwoAtLeast", "MinimumHealthyHosts": map[string]any{"Type": "HOST_COUNT", "Value": num("2")}},
		Replace: map[string]any{"ComputePlatform": "Server", "TrafficRoutingConfig": map[string]any{"Type": "TimeBasedLinear",
			"TimeBasedLinear": map[string]any{"LinearPercentage": num("25"), "LinearInterval": num("1")}}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			if _, err := v.e.GetDeploymentConfig(ctx, id); err != nil {
				t.Fatal(err)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := v.e.GetDeploymentConfig(ctx, id); !codedeploy.ErrDeploymentConfigDoesNotExist.Is(err) {
				t.Fatalf("still there: %v", err)
			}
		},
	})
	// Percentages out of range are refused before anything is created.
	p := providerOf(t, v.e, "AWS::CodeDeploy::DeploymentConfig")
	_, err := p.PhysicalID(&provider.Request{LogicalID: "Bad", Properties: map[string]any{"MinimumHealthyHosts": map[string]any{"Type": "FLEET_PERCENT", "Value": num("101")}}})
	if err == nil || !strings.Contains(err.Error(), "between 0 and 99") {
		t.Fatalf("101%%: %v", err)
	}
}

func TestDeploymentGroupProvider(t *testing.T) {
	v := newEnv(t, 0.01)
	if _, err := v.e.CreateApplication(v.ctx, "cfn", "", nil); err != nil {
		t.Fatal(err)
	}
	filter := func(k, val string) any { return map[string]any{"Key": k, "Value": val, "Type": "KEY_AND_VALUE"} }
	create := map[string]any{
		"ApplicationName": "cfn", "DeploymentGroupName": "prod", "ServiceRoleArn": role,
		"DeploymentConfigName":         "CodeDeployDefault.AllAtOnce",
		"OnPremisesInstanceTagFilters": []any{filter("app", "cfn")},
		"AutoRollbackConfiguration":    map[string]any{"Enabled": true, "Events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}},
		"AlarmConfiguration":           map[string]any{"Enabled": true, "IgnorePollAlarmFailure": false, "Alarms": []any{map[string]any{"Name": "cfn-5xx"}}},
		"DeploymentStyle":              map[string]any{"DeploymentType": "IN_PLACE", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
		"LoadBalancerInfo":             map[string]any{"TargetGroupInfoList": []any{map[string]any{"Name": "web-blue"}}},
		"TriggerConfigurations":        []any{map[string]any{"TriggerName": "t", "TriggerTargetArn": "arn:aws:sns:us-east-1:123456789012:t", "TriggerEvents": []any{"DeploymentFailure"}}},
		"Tags":                         []any{map[string]any{"Key": "team", "Value": "web"}},
	}
	update := map[string]any{
		"ApplicationName": "cfn", "DeploymentGroupName": "prod", "ServiceRoleArn": role,
		"DeploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
		"OnPremisesTagSet": map[string]any{"OnPremisesTagSetList": []any{
			map[string]any{"OnPremisesTagGroup": []any{filter("app", "cfn")}},
			map[string]any{"OnPremisesTagGroup": []any{filter("env", "prod"), filter("env", "staging")}}}},
		"DeploymentStyle": map[string]any{"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
		"BlueGreenDeploymentConfiguration": map[string]any{
			"TerminateBlueInstancesOnDeploymentSuccess": map[string]any{"Action": "KEEP_ALIVE", "TerminationWaitTimeInMinutes": num("5")},
			"DeploymentReadyOption":                     map[string]any{"ActionOnTimeout": "STOP_DEPLOYMENT", "WaitTimeInMinutes": num("30")},
			"GreenFleetProvisioningOption":              map[string]any{"Action": "COPY_AUTO_SCALING_GROUP"}},
		"LoadBalancerInfo": map[string]any{"TargetGroupPairInfoList": []any{map[string]any{
			"TargetGroups":     []any{map[string]any{"Name": "web-blue"}, map[string]any{"Name": "web-green"}},
			"ProdTrafficRoute": map[string]any{"ListenerArns": []any{v.listener}}}}},
		"OutdatedInstancesStrategy": "IGNORE",
		"TerminationHookEnabled":    false,
	}
	replace := map[string]any{"ApplicationName": "cfn", "DeploymentGroupName": "prod-2", "ServiceRoleArn": role,
		"Ec2TagSet": map[string]any{"Ec2TagSetList": []any{map[string]any{"Ec2TagGroup": []any{filter("Name", "web")}}}}}
	providertest.Run(t, providerOf(t, v.e, "AWS::CodeDeploy::DeploymentGroup"), providertest.Case{
		Create: create, Update: update, Replace: replace,
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			g, err := v.e.GetDeploymentGroup(ctx, "cfn", id)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := props["DeploymentConfigName"].(string); want != "" && g.DeploymentConfigName != want {
				t.Fatalf("config %s, want %s", g.DeploymentConfigName, want)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := v.e.GetDeploymentGroup(ctx, "cfn", id); !codedeploy.ErrDeploymentGroupDoesNotExist.Is(err) {
				t.Fatalf("still there: %v", err)
			}
		},
	})
}

// TestDeploymentGroupInitialDeployment: a group declared with Deployment
// deploys the revision when it is created, and the resource is created
// only once the deployment succeeded (as CloudFormation does); a failing
// revision fails the create.
func TestDeploymentGroupInitialDeployment(t *testing.T) {
	v := newEnv(t, 0.01)
	if _, err := v.e.CreateApplication(v.ctx, "cfn", "", nil); err != nil {
		t.Fatal(err)
	}
	instances := providerOf(t, v.e, codedeploy.InstancesType)
	stack := provider.StackInfo{Name: "demo", AccountID: testScope.AccountID, Region: testScope.Region}
	ireq := &provider.Request{LogicalID: "Fleet", Stack: stack, Suffix: "ABC", Properties: map[string]any{"Count": num("2"),
		"Tags": []any{map[string]any{"Key": "app", "Value": "cfn"}}}}
	ires, err := instances.Create(v.ctx, ireq)
	if err != nil {
		t.Fatal(err)
	}
	if names := ires.Attributes["InstanceNames"].([]any); len(names) != 2 {
		t.Fatalf("instances %v", ires.Attributes)
	}
	v.objects.Put("artifacts", "cfn.zip", codedeploytest.WebApp("cfn v1\n", 200))
	v.objects.Put("artifacts", "broken.zip", []byte("nope"))
	p := providerOf(t, v.e, "AWS::CodeDeploy::DeploymentGroup")
	props := func(key string) map[string]any {
		return map[string]any{"ApplicationName": "cfn", "ServiceRoleArn": role,
			"OnPremisesInstanceTagFilters": []any{map[string]any{"Key": "app", "Value": "cfn", "Type": "KEY_AND_VALUE"}},
			"Deployment": map[string]any{"Description": "initial", "Revision": map[string]any{"RevisionType": "S3",
				"S3Location": map[string]any{"Bucket": "artifacts", "Key": key, "BundleType": "zip"}}}}
	}
	req := &provider.Request{LogicalID: "Group", Stack: stack, Suffix: "XYZ", Properties: props("cfn.zip")}
	start := time.Now()
	res, err := p.Create(v.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	ids, _, _ := v.e.ListDeployments(v.ctx, codedeploy.ListDeploymentsInput{ApplicationName: "cfn", DeploymentGroupName: res.PhysicalID})
	if len(ids) != 1 {
		t.Fatalf("deployments %v", ids)
	}
	d, _ := v.e.GetDeployment(v.ctx, ids[0])
	if d.Status != codedeploy.StatusSucceeded || d.Creator != "CloudFormation" || d.CompleteTime.Before(start) {
		t.Fatalf("initial deployment %+v", d)
	}
	bad := &provider.Request{LogicalID: "Broken", Stack: stack, Suffix: "QRS", Properties: props("broken.zip")}
	if _, err := p.Create(v.ctx, bad); err == nil || !strings.Contains(err.Error(), "INVALID_REVISION") {
		t.Fatalf("broken revision: %v", err)
	}
	// The instances resource scales and retags.
	ureq := *ireq
	ureq.PhysicalID, ureq.OldProperties = ires.PhysicalID, ireq.Properties
	ureq.Properties = map[string]any{"Count": num("1"), "Tags": []any{map[string]any{"Key": "app", "Value": "other"}}}
	ures, err := instances.Update(v.ctx, &ureq)
	if err != nil {
		t.Fatal(err)
	}
	if names := ures.Attributes["InstanceNames"].([]any); len(names) != 1 || names[0] != ires.Attributes["InstanceNames"].([]any)[0] {
		t.Fatalf("after update %v", ures.Attributes)
	}
}

func TestInstancesProvider(t *testing.T) {
	v := newEnv(t, 0.01)
	providertest.Run(t, providerOf(t, v.e, codedeploy.InstancesType), providertest.Case{
		Create:  map[string]any{"Count": num("2"), "Tags": []any{map[string]any{"Key": "app", "Value": "web"}}},
		Update:  map[string]any{"Count": num("3"), "Tags": []any{map[string]any{"Key": "app", "Value": "api"}}},
		Replace: map[string]any{"Name": "fleet-b", "Count": num("1")},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			insts, err := v.e.ListInstances(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := strconv.Atoi(props["Count"].(json.Number).String())
			if len(insts) < want {
				t.Fatalf("%d instances, want at least %d", len(insts), want)
			}
			if tags := tagList(props["Tags"]); len(tags) > 0 {
				n := 0
				for _, in := range insts {
					if in.Tags["app"] == tags["app"] {
						n++
					}
				}
				if n != want {
					t.Fatalf("%d instances tagged %v, want %d", n, tags, want)
				}
			}
		},
	})
	if insts, _ := v.e.ListInstances(v.ctx, false); len(insts) != 0 {
		t.Fatalf("instances left: %+v", insts)
	}
}

func tagList(v any) map[string]string {
	out := map[string]string{}
	l, _ := v.([]any)
	for _, x := range l {
		m := x.(map[string]any)
		out[m["Key"].(string)] = m["Value"].(string)
	}
	return out
}
