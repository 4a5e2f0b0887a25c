package iam

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"
)

type awsManagedPolicy struct {
	name, path  string
	allow, deny []string
}

// awsPolicyDocument renders a catalogue entry's document.
func awsPolicyDocument(p awsManagedPolicy) string {
	stmt := []map[string]any{{"Effect": "Allow", "Action": p.allow, "Resource": "*"}}
	if len(p.deny) > 0 {
		stmt = append(stmt, map[string]any{"Effect": "Deny", "Action": p.deny, "Resource": "*"})
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmt})
	return string(b)
}

// awsPolicyID derives a stable 21-character policy id (ANPA + 17) from the
// name, so every skiff reports the same id for the same policy.
func awsPolicyID(name string) string {
	h := sha256.Sum256([]byte("aws-managed-policy/" + name))
	return "ANPA" + strings.TrimRight(base32.StdEncoding.EncodeToString(h[:]), "=")[:17]
}

// AWSAccount is the account segment of AWS managed policy ARNs.
const AWSAccount = "aws"

var awsCatalogue = sync.OnceValue(func() *catalogue {
	created := time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)
	c := &catalogue{byName: map[string]*ManagedPolicy{}}
	for _, r := range awsManaged {
		p := &ManagedPolicy{
			Name: r.name, Path: r.path, ID: awsPolicyID(r.name), Account: AWSAccount,
			CreateDate: created, UpdateDate: created, DefaultVersionID: "v1",
			Versions: []PolicyVersion{{VersionID: "v1", Document: awsPolicyDocument(r), CreateDate: created}},
		}
		c.list = append(c.list, p)
		c.byName[lower(p.Name)] = p
	}
	sort.Slice(c.list, func(i, j int) bool { return lower(c.list[i].Name) < lower(c.list[j].Name) })
	return c
})

type catalogue struct {
	list   []*ManagedPolicy
	byName map[string]*ManagedPolicy
}

// awsPolicy returns a copy of the catalogued AWS managed policy with this
// path and name.
func awsPolicy(path, name string) (*ManagedPolicy, bool) {
	p, ok := awsCatalogue().byName[lower(name)]
	if !ok || p.Path != path || p.Name != name {
		return nil, false
	}
	cp := *p
	cp.Versions = append([]PolicyVersion(nil), p.Versions...)
	return &cp, true
}

// AWSManagedPolicyARNs lists the ARNs of every catalogued AWS managed
// policy.
func AWSManagedPolicyARNs() []string {
	var out []string
	for _, p := range awsCatalogue().list {
		out = append(out, p.ARN())
	}
	return out
}
