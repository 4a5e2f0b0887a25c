package codepipeline

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/clock"
)

// RuleProvider evaluates one rule type of stage conditions.
type RuleProvider interface {
	Type() RuleTypeID
	Properties() []ConfigProperty
	// Evaluate returns whether the rule passed and a summary. It may wait
	// (a deployment window, an alarm's wait time); waits go through the
	// clock's scale and end with ctx. An error is an Errored rule.
	Evaluate(ctx context.Context, rc *RuleContext) (passed bool, summary string, err error)
}

// RuleContext is one rule evaluation.
type RuleContext struct {
	Account, Region, Pipeline, ExecutionID, Stage string
	// Kind is BEFORE_ENTRY, ON_SUCCESS or ON_FAILURE.
	Kind string
	// Config is the configuration with variables resolved.
	Config map[string]string
	// Start is when the evaluation first started (before any restart).
	Start time.Time
	// Timeout is the rule's timeoutInMinutes (0 when unset).
	Timeout time.Duration
	Deps    *Deps
	Clock   *clock.Clock
}

const (
	condBeforeEntry = "BEFORE_ENTRY"
	condOnSuccess   = "ON_SUCCESS"
	condOnFailure   = "ON_FAILURE"
)

func builtinRules() []RuleProvider {
	return []RuleProvider{variableCheckRule{}, deploymentWindowRule{}, alarmRule{}}
}

// --- VariableCheck ---

type variableCheckRule struct{}

func (variableCheckRule) Type() RuleTypeID {
	return RuleTypeID{Category: "Rule", Owner: "AWS", Provider: "VariableCheck", Version: "1"}
}

func (variableCheckRule) Properties() []ConfigProperty {
	return []ConfigProperty{
		{Name: "Variable", Required: true, Description: "The pipeline variable to check", Type: "String"},
		{Name: "Value", Required: true, Description: "The value to check against", Type: "String"},
		{Name: "Operator", Required: true, Description: "EQ, NE, CONTAINS or MATCHES", Type: "String"},
	}
}

func (variableCheckRule) Evaluate(_ context.Context, rc *RuleContext) (bool, string, error) {
	v, want, op := rc.Config["Variable"], rc.Config["Value"], rc.Config["Operator"]
	var ok bool
	switch op {
	case "EQ":
		ok = v == want
	case "NE":
		ok = v != want
	case "CONTAINS":
		ok = strings.Contains(v, want)
	case "MATCHES":
		re, err := regexp.Compile(want)
		if err != nil {
			return false, "", fmt.Errorf("invalid regular expression %q: %v", want, err)
		}
		ok = re.MatchString(v)
	default:
		return false, "", fmt.Errorf("unsupported operator %q: use EQ, NE, CONTAINS or MATCHES", op)
	}
	if ok {
		return true, fmt.Sprintf("Variable value %q satisfies %s %q", v, op, want), nil
	}
	return false, fmt.Sprintf("Variable value %q does not satisfy %s %q", v, op, want), nil
}

// --- DeploymentWindow ---

// deploymentWindowRule passes while the current time (in TimeZone) is in
// the Cron window. Outside it, the rule waits for the window to open (the
// wait passes through the clock's scale), up to the rule's
// timeoutInMinutes or, when unset, 7 days; it fails if the window does
// not open in time.
type deploymentWindowRule struct{}

func (deploymentWindowRule) Type() RuleTypeID {
	return RuleTypeID{Category: "Rule", Owner: "AWS", Provider: "DeploymentWindow", Version: "1"}
}

func (deploymentWindowRule) Properties() []ConfigProperty {
	return []ConfigProperty{
		{Name: "Cron", Required: true, Description: "The days and times deployments are allowed", Type: "String"},
		{Name: "TimeZone", Description: "The time zone of the window (default UTC)", Type: "String"},
	}
}

const maxWindowWait = 7 * 24 * time.Hour

func (deploymentWindowRule) Evaluate(ctx context.Context, rc *RuleContext) (bool, string, error) {
	c, err := parseCron(rc.Config["Cron"])
	if err != nil {
		return false, "", err
	}
	loc, err := windowLocation(rc.Config["TimeZone"])
	if err != nil {
		return false, "", err
	}
	now := rc.Clock.Now()
	if c.matches(now.In(loc)) {
		return true, "The current time is within the deployment window", nil
	}
	limit := maxWindowWait
	if rc.Timeout > 0 {
		limit = rc.Timeout
	}
	// The window's opening in AWS time; the wait is scaled. A restart
	// keeps the original deadline (Start is the first evaluation).
	next, ok := c.next(now.In(loc), now.Add(limit))
	if !ok {
		return false, fmt.Sprintf("The deployment window does not open within %s", limit), nil
	}
	// The window opens at next in AWS time; skiff waits the scaled
	// difference. (A restart recomputes from the current time.)
	wait := rc.Clock.Scale(next.Sub(now))
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false, "", ctx.Err()
		}
	}
	return true, "The deployment window opened at " + next.Format(time.RFC3339), nil
}

func windowLocation(tz string) (*time.Location, error) {
	if tz == "" || strings.EqualFold(tz, "UTC") {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("invalid TimeZone %q", tz)
	}
	return loc, nil
}

// --- CloudWatchAlarm ---

// alarmRule fails while the alarm is in one of AlarmStates (default
// ALARM). Before entry it waits up to WaitTime minutes for the alarm to
// leave those states; on success it watches the alarm for WaitTime minutes
// and fails as soon as the alarm enters one. Both waits are scaled.
type alarmRule struct{}

func (alarmRule) Type() RuleTypeID {
	return RuleTypeID{Category: "Rule", Owner: "AWS", Provider: "CloudWatchAlarm", Version: "1"}
}

func (alarmRule) Properties() []ConfigProperty {
	return []ConfigProperty{
		{Name: "AlarmName", Required: true, Description: "The CloudWatch alarm (comma-separated for several)", Type: "String"},
		{Name: "AlarmStates", Description: "The alarm states that fail the rule (default ALARM)", Type: "String"},
		{Name: "WaitTime", Description: "Minutes to wait for a state change", Type: "Number"},
	}
}

func (alarmRule) Evaluate(ctx context.Context, rc *RuleContext) (bool, string, error) {
	if rc.Deps.Alarms == nil {
		return false, "", errNoService("CloudWatch alarms")
	}
	names := splitList(rc.Config["AlarmName"])
	bad := map[string]bool{}
	for _, s := range splitList(rc.Config["AlarmStates"]) {
		bad[strings.ToUpper(s)] = true
	}
	if len(bad) == 0 {
		bad["ALARM"] = true
	}
	var wait time.Duration
	if w := rc.Config["WaitTime"]; w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 {
			return false, "", fmt.Errorf("invalid WaitTime %q", w)
		}
		wait = time.Duration(n) * time.Minute
	}
	deadline := rc.Start.Add(rc.Clock.Scale(wait))
	poll := rc.Clock.Scale(time.Minute)
	if poll > 5*time.Second {
		poll = 5 * time.Second
	}
	check := func() (string, string, error) {
		for _, n := range names {
			st, err := rc.Deps.Alarms.AlarmState(ctx, n)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					return "", "", fmt.Errorf("CloudWatch alarm %s does not exist", n)
				}
				return "", "", err
			}
			if bad[st] {
				return n, st, nil
			}
		}
		return "", "", nil
	}
	for {
		name, st, err := check()
		if err != nil {
			return false, "", err
		}
		if rc.Kind == condBeforeEntry && name == "" {
			return true, "No monitored alarm is in a failing state", nil
		}
		if rc.Kind != condBeforeEntry && name != "" {
			return false, fmt.Sprintf("CloudWatch alarm %s is in state %s", name, st), nil
		}
		if !rc.Clock.Now().Before(deadline) {
			if name != "" {
				return false, fmt.Sprintf("CloudWatch alarm %s is in state %s", name, st), nil
			}
			return true, "No monitored alarm entered a failing state", nil
		}
		t := time.NewTimer(min(poll, time.Until(deadline)+time.Millisecond))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false, "", ctx.Err()
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
