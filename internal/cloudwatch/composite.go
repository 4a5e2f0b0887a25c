package cloudwatch

import (
	"fmt"
	"strings"
)

// The composite alarm rule language: ALARM(x), OK(x), INSUFFICIENT_DATA(x)
// where x is an alarm name or ARN (quoted or not), TRUE, FALSE, AND, OR,
// NOT and parentheses. NOT binds tighter than AND, which binds tighter
// than OR.

type ruleNode struct {
	op    string // AND, OR, NOT, STATE, CONST
	kids  []*ruleNode
	state string // for STATE
	ref   string // alarm name or ARN, for STATE
	val   bool   // for CONST
}

type ruleParser struct {
	src string
	pos int
}

// parseRule parses an AlarmRule.
func parseRule(src string) (*ruleNode, error) {
	p := &ruleParser{src: src}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.pos < len(p.src) {
		return nil, fmt.Errorf("unexpected %q at position %d", p.rest(10), p.pos+1)
	}
	return n, nil
}

func (p *ruleParser) skip() {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *ruleParser) rest(n int) string {
	r := p.src[p.pos:]
	if len(r) > n {
		r = r[:n]
	}
	return r
}

// word reads an upper-case keyword at the cursor without consuming it.
func (p *ruleParser) word() string {
	p.skip()
	j := p.pos
	for j < len(p.src) && (p.src[j] >= 'A' && p.src[j] <= 'Z' || p.src[j] == '_') {
		j++
	}
	return p.src[p.pos:j]
}

func (p *ruleParser) or() (*ruleNode, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.word() == "OR" {
		p.pos += 2
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &ruleNode{op: "OR", kids: []*ruleNode{l, r}}
	}
	return l, nil
}

func (p *ruleParser) and() (*ruleNode, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.word() == "AND" {
		p.pos += 3
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &ruleNode{op: "AND", kids: []*ruleNode{l, r}}
	}
	return l, nil
}

func (p *ruleParser) not() (*ruleNode, error) {
	if p.word() == "NOT" {
		p.pos += 3
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &ruleNode{op: "NOT", kids: []*ruleNode{x}}, nil
	}
	return p.primary()
}

func (p *ruleParser) primary() (*ruleNode, error) {
	p.skip()
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("unexpected end of the rule")
	}
	if p.src[p.pos] == '(' {
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		p.skip()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, fmt.Errorf("expected ')' at position %d", p.pos+1)
		}
		p.pos++
		return n, nil
	}
	w := p.word()
	switch w {
	case "TRUE", "FALSE":
		p.pos += len(w)
		return &ruleNode{op: "CONST", val: w == "TRUE"}, nil
	case "ALARM", "OK", "INSUFFICIENT_DATA":
		p.pos += len(w)
		p.skip()
		if p.pos >= len(p.src) || p.src[p.pos] != '(' {
			return nil, fmt.Errorf("expected '(' after %s at position %d", w, p.pos+1)
		}
		p.pos++
		p.skip()
		var ref string
		if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
			q := p.src[p.pos]
			end := strings.IndexByte(p.src[p.pos+1:], q)
			if end < 0 {
				return nil, fmt.Errorf("unterminated alarm name at position %d", p.pos+1)
			}
			ref = p.src[p.pos+1 : p.pos+1+end]
			p.pos += end + 2
		} else {
			end := strings.IndexByte(p.src[p.pos:], ')')
			if end < 0 {
				return nil, fmt.Errorf("expected ')' after the alarm name at position %d", p.pos+1)
			}
			ref = strings.TrimSpace(p.src[p.pos : p.pos+end])
			p.pos += end
		}
		p.skip()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, fmt.Errorf("expected ')' at position %d", p.pos+1)
		}
		p.pos++
		if ref == "" {
			return nil, fmt.Errorf("empty alarm name in %s()", w)
		}
		return &ruleNode{op: "STATE", state: w, ref: ref}, nil
	}
	if w == "" {
		return nil, fmt.Errorf("unexpected %q at position %d", p.rest(10), p.pos+1)
	}
	return nil, fmt.Errorf("unknown function or keyword %s at position %d", w, p.pos+1)
}

// refs returns the alarm references of a rule in order of appearance.
func (n *ruleNode) refs(out []string) []string {
	if n.op == "STATE" {
		return append(out, n.ref)
	}
	for _, k := range n.kids {
		out = k.refs(out)
	}
	return out
}

// eval evaluates the rule with the states of its alarms.
func (n *ruleNode) eval(state func(ref string) string) bool {
	switch n.op {
	case "CONST":
		return n.val
	case "STATE":
		return state(n.ref) == n.state
	case "NOT":
		return !n.kids[0].eval(state)
	case "AND":
		return n.kids[0].eval(state) && n.kids[1].eval(state)
	case "OR":
		return n.kids[0].eval(state) || n.kids[1].eval(state)
	}
	return false
}

// refName turns a rule reference (name or alarm ARN) into an alarm name.
func refName(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 7)
		if len(parts) == 7 && parts[5] == "alarm" {
			return parts[6]
		}
	}
	return ref
}
