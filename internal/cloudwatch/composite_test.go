package cloudwatch

import (
	"strings"
	"testing"
)

func TestCompositeRules(t *testing.T) {
	states := map[string]string{"a": StateAlarm, "b": StateOK, "c": StateInsufficientData, "my alarm": StateAlarm}
	state := func(ref string) string { return states[refName(ref)] }
	cases := []struct {
		rule string
		want bool
	}{
		{`ALARM("a")`, true},
		{`ALARM(a)`, true},
		{`ALARM( a )`, true},
		{`ALARM('a')`, true},
		{`ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a")`, true},
		{`ALARM(b)`, false},
		{`OK(b)`, true},
		{`INSUFFICIENT_DATA(c)`, true},
		{`INSUFFICIENT_DATA(a)`, false},
		{`TRUE`, true},
		{`FALSE`, false},
		{`ALARM(a) AND OK(b)`, true},
		{`ALARM(a) AND ALARM(b)`, false},
		{`ALARM(b) OR ALARM(a)`, true},
		{`NOT ALARM(b)`, true},
		{`NOT NOT ALARM(b)`, false},
		{`ALARM(b) OR ALARM(a) AND FALSE`, false}, // AND binds tighter
		{`(ALARM(b) OR ALARM(a)) AND TRUE`, true},
		{`NOT (ALARM(a) AND OK(b))`, false},
		{`ALARM("my alarm") AND NOT INSUFFICIENT_DATA(a)`, true},
		{"ALARM(a)\nAND\tOK(b)", true},
		{`ALARM("x) OR y")`, false},
	}
	for _, c := range cases {
		n, err := parseRule(c.rule)
		if err != nil {
			t.Errorf("%s: %v", c.rule, err)
			continue
		}
		if got := n.eval(state); got != c.want {
			t.Errorf("%s = %v, want %v", c.rule, got, c.want)
		}
	}
	n, _ := parseRule(`ALARM(a) OR (OK("b") AND NOT INSUFFICIENT_DATA(arn:aws:cloudwatch:us-east-1:1:alarm:c))`)
	if refs := strings.Join(n.refs(nil), ","); refs != "a,b,arn:aws:cloudwatch:us-east-1:1:alarm:c" {
		t.Errorf("refs %s", refs)
	}
	errs := []struct{ rule, want string }{
		{``, "unexpected end"},
		{`ALARM(a) AND`, "unexpected end"},
		{`ALARM(a`, "expected ')'"},
		{`ALARM "a"`, "expected '('"},
		{`ALARM("a)`, "unterminated"},
		{`ALARM()`, "empty alarm name"},
		{`MAYBE(a)`, "unknown function or keyword MAYBE"},
		{`ALARM(a) XOR ALARM(b)`, "unexpected"},
		{`(ALARM(a)`, "expected ')'"},
		{`ALARM(a))`, "unexpected"},
		{`alarm(a)`, "unexpected"},
	}
	for _, c := range errs {
		_, err := parseRule(c.rule)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want error containing %q", c.rule, err, c.want)
		}
	}
}
