package codedeploy

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMinimumHealthyHostsMath(t *testing.T) {
	for _, c := range []struct {
		name     string
		mhh      *MinimumHealthyHosts
		n        int
		ok       bool
		min, bat int
		need     int
	}{
		// The API reference's example: nine instances.
		{"HOST_COUNT 6 of 9", &MinimumHealthyHosts{HostCount, 6}, 9, true, 6, 3, 6},
		{"FLEET_PERCENT 40 of 9 rounds up", &MinimumHealthyHosts{FleetPercent, 40}, 9, true, 4, 5, 4},
		{"AllAtOnce", predefined["CodeDeployDefault.AllAtOnce"].MinimumHealthyHosts, 5, true, 0, 5, 1},
		{"AllAtOnce one instance", predefined["CodeDeployDefault.AllAtOnce"].MinimumHealthyHosts, 1, true, 0, 1, 1},
		{"HalfAtATime 4", predefined["CodeDeployDefault.HalfAtATime"].MinimumHealthyHosts, 4, true, 2, 2, 2},
		{"HalfAtATime 5: half rounded down at a time, half rounded up healthy", predefined["CodeDeployDefault.HalfAtATime"].MinimumHealthyHosts, 5, true, 3, 2, 3},
		{"HalfAtATime 1 cannot deploy", predefined["CodeDeployDefault.HalfAtATime"].MinimumHealthyHosts, 1, false, 1, 0, 1},
		{"OneAtATime 3", predefined["CodeDeployDefault.OneAtATime"].MinimumHealthyHosts, 3, true, 2, 1, 2},
		{"OneAtATime 1", predefined["CodeDeployDefault.OneAtATime"].MinimumHealthyHosts, 1, true, 0, 1, 1},
		{"HOST_COUNT equal to fleet", &MinimumHealthyHosts{HostCount, 3}, 3, false, 3, 0, 3},
		{"HOST_COUNT above fleet", &MinimumHealthyHosts{HostCount, 5}, 3, false, 5, -2, 5},
		{"FLEET_PERCENT 99 of 10", &MinimumHealthyHosts{FleetPercent, 99}, 10, false, 10, 0, 10},
		{"FLEET_PERCENT 50 of 10", &MinimumHealthyHosts{FleetPercent, 50}, 10, true, 5, 5, 5},
		{"HOST_COUNT 0", &MinimumHealthyHosts{HostCount, 0}, 2, true, 0, 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, ok := planFor(c.mhh, c.n)
			if ok != c.ok || p.Min != c.min || p.MaxBatch != c.bat || p.Need != c.need {
				t.Fatalf("plan %+v ok=%v, want min %d batch %d need %d ok=%v", p, ok, c.min, c.bat, c.need, c.ok)
			}
		})
	}
}

// TestBatchSizing walks deployments through failures: the next batch never
// takes the fleet below the minimum, and a deployment stops when it would.
func TestBatchSizing(t *testing.T) {
	type step struct{ pending, healthy, want int }
	for _, c := range []struct {
		name  string
		mhh   *MinimumHealthyHosts
		n     int
		steps []step
	}{
		{"OneAtATime: a failure before the last instance stops it", predefined["CodeDeployDefault.OneAtATime"].MinimumHealthyHosts, 3,
			[]step{{3, 3, 1}, {2, 2, 0}}},
		{"OneAtATime: the last instance may fail", predefined["CodeDeployDefault.OneAtATime"].MinimumHealthyHosts, 3,
			[]step{{3, 3, 1}, {2, 3, 1}, {1, 3, 1}}},
		{"HOST_COUNT 6 of 9: batches shrink after a failure", &MinimumHealthyHosts{HostCount, 6}, 9,
			[]step{{9, 9, 3}, {6, 8, 2}, {4, 8, 2}, {2, 8, 2}}},
		{"AllAtOnce: everything at once", predefined["CodeDeployDefault.AllAtOnce"].MinimumHealthyHosts, 4,
			[]step{{4, 4, 4}}},
		{"HalfAtATime 4: two, then two", predefined["CodeDeployDefault.HalfAtATime"].MinimumHealthyHosts, 4,
			[]step{{4, 4, 2}, {2, 4, 2}}},
		{"HalfAtATime 4: one failure in the first batch stops it", predefined["CodeDeployDefault.HalfAtATime"].MinimumHealthyHosts, 4,
			[]step{{4, 4, 2}, {2, 3, 1}, {1, 3, 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, ok := planFor(c.mhh, c.n)
			if !ok {
				t.Fatal("plan refused")
			}
			for i, s := range c.steps {
				if got := p.nextBatch(s.pending, s.healthy); got != s.want {
					t.Fatalf("step %d (pending %d, healthy %d): batch %d, want %d", i, s.pending, s.healthy, got, s.want)
				}
			}
		})
	}
}

// TestHookOrder checks the lifecycle of each role against the hook
// availability table of the CodeDeploy user guide and the agent's
// DEFAULT_ORDERED_LIFECYCLE_EVENTS.
func TestHookOrder(t *testing.T) {
	for _, c := range []struct {
		name   string
		role   string
		withLB bool
		want   string
	}{
		{"in-place without a load balancer", roleInPlace, false, "ApplicationStop DownloadBundle BeforeInstall Install AfterInstall ApplicationStart ValidateService"},
		{"in-place with a load balancer", roleInPlace, true, "BeforeBlockTraffic BlockTraffic AfterBlockTraffic ApplicationStop DownloadBundle BeforeInstall Install AfterInstall ApplicationStart ValidateService BeforeAllowTraffic AllowTraffic AfterAllowTraffic"},
		{"blue/green replacement", roleGreen, true, "ApplicationStop DownloadBundle BeforeInstall Install AfterInstall ApplicationStart ValidateService BeforeAllowTraffic AllowTraffic AfterAllowTraffic"},
		{"blue/green original", roleBlue, true, "BeforeBlockTraffic BlockTraffic AfterBlockTraffic"},
		{"blue/green rollback, original", roleRollbackOld, true, "BeforeAllowTraffic AllowTraffic AfterAllowTraffic"},
		{"blue/green rollback, replacement", roleRollbackNew, true, "BeforeBlockTraffic BlockTraffic AfterBlockTraffic"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(lifecycleFor(c.role, c.withLB), " "); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	// The agent's order of scriptable events is preserved in every list.
	agent := []string{"BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService", "BeforeAllowTraffic", "AfterAllowTraffic"}
	pos := map[string]int{}
	for i, e := range agent {
		pos[e] = i
	}
	events := lifecycleFor(roleInPlace, true)
	last := -1
	for _, e := range events {
		if p, ok := pos[e]; ok {
			if p < last {
				t.Fatalf("%s out of the agent's order", e)
			}
			last = p
		}
	}
}

func TestShiftSteps(t *testing.T) {
	for _, c := range []struct {
		name     string
		cfg      string
		steps    string
		interval time.Duration
	}{
		{"all at once", "CodeDeployDefault.ECSAllAtOnce", "[100]", 0},
		{"no routing (server config)", "CodeDeployDefault.OneAtATime", "[100]", 0},
		{"canary", "CodeDeployDefault.ECSCanary10Percent5Minutes", "[10 100]", 5 * time.Minute},
		{"canary 15", "CodeDeployDefault.ECSCanary10Percent15Minutes", "[10 100]", 15 * time.Minute},
		{"linear", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "[10 20 30 40 50 60 70 80 90 100]", time.Minute},
		{"linear 3", "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "[10 20 30 40 50 60 70 80 90 100]", 3 * time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := predefined[c.cfg]
			steps, iv := shiftSteps(cfg.TrafficRoutingConfig)
			if fmt.Sprint(steps) != c.steps || iv != c.interval {
				t.Fatalf("%v every %v", steps, iv)
			}
		})
	}
	steps, _ := shiftSteps(linear(33, 2))
	if fmt.Sprint(steps) != "[33 66 99 100]" {
		t.Fatalf("linear 33: %v", steps)
	}
	steps, _ = shiftSteps(canary(25, 1))
	if fmt.Sprint(steps) != "[25 100]" {
		t.Fatalf("canary 25: %v", steps)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []struct {
		name string
		in   CreateDeploymentConfigInput
		code string
	}{
		{"host count", CreateDeploymentConfigInput{DeploymentConfigName: "a", MinimumHealthyHosts: &MinimumHealthyHosts{HostCount, 2}}, ""},
		{"fleet percent", CreateDeploymentConfigInput{DeploymentConfigName: "a", MinimumHealthyHosts: &MinimumHealthyHosts{FleetPercent, 75}}, ""},
		{"fleet percent 100", CreateDeploymentConfigInput{DeploymentConfigName: "a", MinimumHealthyHosts: &MinimumHealthyHosts{FleetPercent, 100}}, "InvalidMinimumHealthyHostValueException"},
		{"fleet percent negative", CreateDeploymentConfigInput{DeploymentConfigName: "a", MinimumHealthyHosts: &MinimumHealthyHosts{FleetPercent, -1}}, "InvalidMinimumHealthyHostValueException"},
		{"host count negative", CreateDeploymentConfigInput{DeploymentConfigName: "a", MinimumHealthyHosts: &MinimumHealthyHosts{HostCount, -3}}, "InvalidMinimumHealthyHostValueException"},
		{"bad type", CreateDeploymentConfigInput{DeploymentConfigName: "a", MinimumHealthyHosts: &MinimumHealthyHosts{"MOST_CONCURRENCY", 1}}, "InvalidMinimumHealthyHostValueException"},
		{"server without anything", CreateDeploymentConfigInput{DeploymentConfigName: "a"}, "InvalidMinimumHealthyHostValueException"},
		{"no name", CreateDeploymentConfigInput{MinimumHealthyHosts: &MinimumHealthyHosts{HostCount, 1}}, "DeploymentConfigNameRequiredException"},
		{"reserved prefix", CreateDeploymentConfigInput{DeploymentConfigName: "CodeDeployDefault.Mine", MinimumHealthyHosts: &MinimumHealthyHosts{HostCount, 1}}, "InvalidDeploymentConfigNameException"},
		{"bad name", CreateDeploymentConfigInput{DeploymentConfigName: "a b", MinimumHealthyHosts: &MinimumHealthyHosts{HostCount, 1}}, "InvalidDeploymentConfigNameException"},
		{"server canary (skiff extension)", CreateDeploymentConfigInput{DeploymentConfigName: "a", TrafficRoutingConfig: canary(20, 2)}, ""},
		{"ecs canary", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS", TrafficRoutingConfig: canary(20, 2)}, ""},
		{"canary 0%", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS", TrafficRoutingConfig: canary(0, 2)}, "InvalidTrafficRoutingConfigurationException"},
		{"canary 100%", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS", TrafficRoutingConfig: canary(100, 2)}, "InvalidTrafficRoutingConfigurationException"},
		{"canary interval 0", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS", TrafficRoutingConfig: canary(10, 0)}, "InvalidTrafficRoutingConfigurationException"},
		{"linear 150%", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "Lambda", TrafficRoutingConfig: linear(150, 1)}, "InvalidTrafficRoutingConfigurationException"},
		{"canary without canary", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS", TrafficRoutingConfig: &TrafficRoutingConfig{Type: TimeBasedCanaryType}}, "InvalidTrafficRoutingConfigurationException"},
		{"unknown routing", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS", TrafficRoutingConfig: &TrafficRoutingConfig{Type: "Sometimes"}}, "InvalidTrafficRoutingConfigurationException"},
		{"ecs without routing", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS"}, "InvalidTrafficRoutingConfigurationException"},
		{"ecs with hosts", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "ECS", MinimumHealthyHosts: &MinimumHealthyHosts{HostCount, 1}, TrafficRoutingConfig: canary(10, 1)}, "InvalidMinimumHealthyHostValueException"},
		{"bad platform", CreateDeploymentConfigInput{DeploymentConfigName: "a", ComputePlatform: "Mainframe"}, "InvalidComputePlatformException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := validateConfig(&c.in)
			got := ""
			if err != nil {
				got = strings.SplitN(err.Error(), ":", 2)[0]
			}
			if got != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
		})
	}
}

func TestTagSelection(t *testing.T) {
	tags := map[string]string{"app": "web", "env": "prod"}
	for _, c := range []struct {
		name string
		g    DeploymentGroupInfo
		want bool
	}{
		{"key and value", DeploymentGroupInfo{OnPremisesInstanceTagFilters: []TagFilter{{Key: "app", Value: "web", Type: "KEY_AND_VALUE"}}}, true},
		{"wrong value", DeploymentGroupInfo{OnPremisesInstanceTagFilters: []TagFilter{{Key: "app", Value: "api", Type: "KEY_AND_VALUE"}}}, false},
		{"key only", DeploymentGroupInfo{EC2TagFilters: []TagFilter{{Key: "env", Type: "KEY_ONLY"}}}, true},
		{"value only", DeploymentGroupInfo{EC2TagFilters: []TagFilter{{Value: "prod", Type: "VALUE_ONLY"}}}, true},
		{"any filter of a list", DeploymentGroupInfo{OnPremisesInstanceTagFilters: []TagFilter{{Key: "x", Type: "KEY_ONLY"}, {Key: "app", Value: "web"}}}, true},
		{"tag set: every group", DeploymentGroupInfo{OnPremisesTagSet: &OnPremisesTagSet{List: [][]TagFilter{{{Key: "app", Value: "web"}}, {{Key: "env", Value: "prod"}}}}}, true},
		{"tag set: one group misses", DeploymentGroupInfo{EC2TagSet: &EC2TagSet{List: [][]TagFilter{{{Key: "app", Value: "web"}}, {{Key: "env", Value: "dev"}}}}}, false},
		{"nothing configured", DeploymentGroupInfo{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := selects(&c.g, tags); got != c.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}
