package buildspec

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxSize bounds the buildspec file size Parse accepts.
const MaxSize = 1 << 20

// nodeBudget bounds how many nodes one parse visits, so aliases of aliases
// ("billion laughs") cannot make a small file expensive.
const nodeBudget = 200000

// Parse parses a buildspec. The error, when not nil, is Errors.
func Parse(src []byte) (spec *Spec, err error) {
	if len(src) > MaxSize {
		return nil, Errors{{Msg: fmt.Sprintf("buildspec is too large: %d bytes, the limit is %d", len(src), MaxSize)}}
	}
	defer func() {
		// yaml.v3 has panicked on hostile input in the past; a buildspec
		// must never take skiff down.
		if r := recover(); r != nil {
			spec, err = nil, Errors{{Msg: fmt.Sprintf("invalid YAML: %v", r)}}
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, yamlError(err)
	}
	p := &parser{budget: nodeBudget}
	spec = p.document(&doc)
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	return spec, nil
}

var yamlLineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError rewrites yaml.v3's "yaml: line 19: did not find expected ','"
// in CodeBuild's wording, "did not find expected ',' at line 19".
func yamlError(err error) Errors {
	var out Errors
	msgs := []string{err.Error()}
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	}
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: unmarshal errors:\n")
		for _, line := range strings.Split(m, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if sub := yamlLineRe.FindStringSubmatch(line); sub != nil {
				n, _ := strconv.Atoi(sub[1])
				out = append(out, Error{Line: n, Msg: sub[2]})
				continue
			}
			out = append(out, Error{Msg: strings.TrimPrefix(line, "yaml: ")})
		}
	}
	if len(out) == 0 {
		out = Errors{{Msg: "invalid YAML"}}
	}
	return out
}

type parser struct {
	errs    Errors
	budget  int
	version string
}

func (p *parser) fail(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, Error{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows aliases and charges the node budget.
func (p *parser) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	p.budget--
	if n == nil || n.Kind == yaml.AliasNode || p.budget < 0 {
		return nil
	}
	return n
}

func (p *parser) exhausted() bool { return p.budget < 0 }

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "subkeys"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a string"
}

// entry is one key of a mapping.
type entry struct {
	key   string
	kn, v *yaml.Node
}

// mapping returns the keys of a mapping node, checking them against
// allowed (nil allows any key). where names the section in messages.
func (p *parser) mapping(n *yaml.Node, where string, allowed []string) []entry {
	n = p.resolve(n)
	if n == nil {
		return nil
	}
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, "Expected %s to be of map type: found %s instead", where, kindName(n))
		return nil
	}
	var out []entry
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn := p.resolve(n.Content[i])
		vn := n.Content[i+1]
		if kn == nil || vn == nil {
			return out
		}
		if kn.Kind != yaml.ScalarNode {
			p.fail(kn, "Expected keys of %s to be strings: found %s instead", where, kindName(kn))
			continue
		}
		if kn.Tag == "!!merge" {
			// "<<: *anchor" merges another mapping's keys.
			out = append(out, p.mapping(vn, where, allowed)...)
			continue
		}
		if first, dup := seen[kn.Value]; dup {
			p.errs = append(p.errs, Error{Line: kn.Line, lineInMsg: true,
				Msg: fmt.Sprintf("mapping key '%s' at line %d already defined at line %d", kn.Value, kn.Line, first)})
			continue
		}
		seen[kn.Value] = kn.Line
		if allowed != nil && !contains(allowed, kn.Value) {
			p.fail(kn, "Unknown key '%s' in %s", kn.Value, where)
			continue
		}
		out = append(out, entry{key: kn.Value, kn: kn, v: vn})
	}
	return out
}

// scalar reads a string value. Null ("key:" with nothing) is "".
func (p *parser) scalar(n *yaml.Node, what string) string {
	n = p.resolve(n)
	if n == nil || isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.fail(n, "Expected %s to be of string type: found %s instead", what, kindName(n))
		return ""
	}
	return n.Value
}

// boolean reads yes/no, true/false, on/off in any case (YAML 1.1 booleans,
// which CodeBuild's documentation uses: "discard-paths: yes").
func (p *parser) boolean(n *yaml.Node, what string) bool {
	s := p.scalar(n, what)
	switch strings.ToLower(s) {
	case "yes", "true", "on", "y":
		return true
	case "no", "false", "off", "n", "":
		return false
	}
	p.fail(n, "Expected %s to be yes or no: found '%s' instead", what, s)
	return false
}

// strings reads a list of strings; a single string is a one-item list.
// what is the CodeBuild-style name used in messages ("Commands").
func (p *parser) strings(n *yaml.Node, what string) []string {
	n = p.resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "Expected %s to be of list type: found %s instead", what, kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		c = p.resolve(c)
		if c == nil {
			return out
		}
		if c.Kind != yaml.ScalarNode {
			// CodeBuild's message for "- echo a: b", whose colon makes the
			// item a mapping.
			p.errs = append(p.errs, Error{Line: c.Line, Msg: fmt.Sprintf(
				"Expected %s[%d] to be of string type: found %s instead at line %d, value of the key tag on line %d might be empty",
				what, i, kindName(c), c.Line, max(c.Line-1, 1)), lineInMsg: true})
			continue
		}
		if isNull(c) {
			p.fail(c, "Expected %s[%d] to be of string type: found an empty value instead", what, i)
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

// kvs reads a mapping of names to string values, in file order.
func (p *parser) kvs(n *yaml.Node, where string) []KV {
	var out []KV
	for _, e := range p.mapping(n, where, nil) {
		v := p.scalar(e.v, where+"."+e.key)
		out = append(out, KV{Name: e.key, Value: v})
	}
	return out
}

func (p *parser) document(doc *yaml.Node) *Spec {
	if doc.Kind == 0 || (doc.Kind == yaml.DocumentNode && len(doc.Content) == 0) {
		p.fail(nil, "buildspec is empty")
		return nil
	}
	root := doc
	if doc.Kind == yaml.DocumentNode {
		root = doc.Content[0]
	}
	root = p.resolve(root)
	if root == nil || root.Kind != yaml.MappingNode {
		if root != nil {
			p.fail(root, "Expected the buildspec to be of map type: found %s instead", kindName(root))
		}
		return nil
	}
	spec := &Spec{}
	entries := p.mapping(root, "buildspec", []string{"version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache"})
	var haveVersion bool
	for _, e := range entries {
		if e.key == "version" {
			haveVersion = true
			v := p.scalar(e.v, "version")
			switch {
			case v == Version01 || v == Version02:
				spec.Version = v
			case v == "0.10" || v == "0.20" || v == ".1" || v == ".2":
				// The same numbers written differently.
				spec.Version = "0." + strings.Trim(strings.TrimPrefix(v, "0"), ".0")
			default:
				p.fail(e.v, "invalid buildspec version '%s': expected 0.1 or 0.2", v)
			}
		}
	}
	if !haveVersion {
		p.fail(root, "buildspec has no version: expected 'version: 0.2'")
	}
	p.version = spec.Version
	for _, e := range entries {
		if p.exhausted() {
			break
		}
		switch e.key {
		case "run-as":
			spec.RunAs = p.scalar(e.v, "run-as")
		case "env":
			p.env(e.v, &spec.Env)
		case "proxy":
			for _, pe := range p.mapping(e.v, "proxy", []string{"upload-artifacts", "logs"}) {
				switch pe.key {
				case "upload-artifacts":
					spec.Proxy.UploadArtifacts = p.boolean(pe.v, "proxy.upload-artifacts")
				case "logs":
					spec.Proxy.Logs = p.boolean(pe.v, "proxy.logs")
				}
			}
		case "batch":
			spec.Batch = p.batch(e.v)
		case "phases":
			p.phases(e.v, &spec.Phases)
		case "reports":
			spec.Reports = p.reports(e.v)
		case "artifacts":
			spec.Artifacts = p.artifacts(e.kn, e.v)
		case "cache":
			spec.Cache = p.cache(e.kn, e.v)
		}
	}
	if p.exhausted() {
		p.errs = append(p.errs, Error{Msg: "buildspec is too complex: too many nodes after expanding aliases"})
	}
	return spec
}

var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (p *parser) env(n *yaml.Node, env *Env) {
	for _, e := range p.mapping(n, "env", []string{"shell", "variables", "parameter-store", "secrets-manager", "exported-variables", "git-credential-helper"}) {
		switch e.key {
		case "shell":
			env.Shell = p.scalar(e.v, "env.shell")
			switch env.Shell {
			case "", "bash", "/bin/bash", "sh", "/bin/sh", "powershell.exe", "cmd.exe", "pwsh", "pwsh.exe":
			default:
				p.fail(e.v, "invalid shell '%s': expected bash, /bin/sh, powershell.exe or cmd.exe", env.Shell)
			}
		case "variables":
			env.Variables = p.kvs(e.v, "env.variables")
		case "parameter-store":
			env.ParameterStore = p.kvs(e.v, "env.parameter-store")
		case "secrets-manager":
			env.SecretsManager = p.kvs(e.v, "env.secrets-manager")
			for _, kv := range env.SecretsManager {
				if _, err := ParseSecretRef(kv.Value); err != nil {
					p.fail(e.v, "invalid secrets-manager reference for %s: %v", kv.Name, err)
				}
			}
		case "exported-variables":
			env.ExportedVariables = p.strings(e.v, "ExportedVariables")
			for _, name := range env.ExportedVariables {
				if strings.HasPrefix(name, "AWS_") {
					p.fail(e.v, "invalid exported variable '%s': names starting with AWS_ cannot be exported", name)
				} else if !envNameRe.MatchString(name) {
					p.fail(e.v, "invalid exported variable name '%s'", name)
				}
			}
		case "git-credential-helper":
			env.GitCredentialHelper = p.boolean(e.v, "env.git-credential-helper")
		}
	}
}

func (p *parser) phases(n *yaml.Node, out *Phases) {
	nn := p.resolve(n)
	if nn != nil && nn.Kind == yaml.MappingNode {
		// Report unknown phase names in CodeBuild's own terms.
		for i := 0; i+1 < len(nn.Content); i += 2 {
			k := p.resolve(nn.Content[i])
			if k != nil && k.Kind == yaml.ScalarNode && k.Tag != "!!merge" && !contains(PhaseNames, k.Value) {
				p.fail(k, "Unknown phase name '%s': expected install, pre_build, build or post_build", k.Value)
			}
		}
	}
	for _, e := range p.mapping(n, "phases", nil) {
		if !contains(PhaseNames, e.key) {
			continue
		}
		out.set(e.key, p.phase(e.key, e.v))
	}
}

func (p *parser) phase(name string, n *yaml.Node) *Phase {
	ph := &Phase{}
	for _, e := range p.mapping(n, "phases."+name, []string{"run-as", "on-failure", "runtime-versions", "commands", "finally"}) {
		switch e.key {
		case "run-as":
			ph.RunAs = p.scalar(e.v, "run-as")
		case "on-failure":
			s := p.scalar(e.v, "on-failure")
			of, msg := parseOnFailure(s)
			if msg != "" {
				p.fail(e.v, "%s", msg)
			}
			ph.OnFailure = of
		case "runtime-versions":
			ph.RuntimeVersions = p.kvs(e.v, "runtime-versions")
		case "commands":
			ph.Commands = p.strings(e.v, "Commands")
		case "finally":
			ph.Finally = p.strings(e.v, "Finally")
		}
	}
	return ph
}

// maxReportGroups is CodeBuild's limit of report groups per buildspec.
const maxReportGroups = 5

func (p *parser) reports(n *yaml.Node) []Report {
	var out []Report
	entries := p.mapping(n, "reports", nil)
	if len(entries) > maxReportGroups {
		p.fail(entries[maxReportGroups].kn, "too many report groups: at most %d may be specified", maxReportGroups)
	}
	for _, e := range entries {
		r := Report{Group: e.key, FileFormat: "JUNITXML"}
		var haveFiles bool
		for _, re := range p.mapping(e.v, "reports."+e.key, []string{"files", "base-directory", "discard-paths", "file-format"}) {
			switch re.key {
			case "files":
				haveFiles = true
				r.Files = p.strings(re.v, "Files")
			case "base-directory":
				r.BaseDirectory = p.scalar(re.v, "base-directory")
			case "discard-paths":
				r.DiscardPaths = p.boolean(re.v, "discard-paths")
			case "file-format":
				f := strings.ToUpper(p.scalar(re.v, "file-format"))
				if !contains(TestFormats, f) && !contains(CoverageFormats, f) {
					p.fail(re.v, "invalid report file format '%s': expected one of %s", f, strings.Join(append(append([]string{}, TestFormats...), CoverageFormats...), ", "))
				}
				r.FileFormat = f
			}
		}
		if !haveFiles {
			p.fail(e.kn, "report group '%s' has no files", e.key)
		}
		out = append(out, r)
	}
	return out
}

var artifactKeys = []string{"files", "name", "discard-paths", "base-directory", "exclude-paths", "enable-symlinks", "s3-prefix"}

func (p *parser) artifactFields(e entry, a *Artifacts) {
	switch e.key {
	case "files":
		a.Files = p.strings(e.v, "Files")
	case "name":
		a.Name = p.scalar(e.v, "artifacts.name")
	case "discard-paths":
		a.DiscardPaths = p.boolean(e.v, "discard-paths")
	case "base-directory":
		a.BaseDirectory = p.scalar(e.v, "base-directory")
	case "exclude-paths":
		a.ExcludePaths = p.strings(e.v, "ExcludePaths")
	case "enable-symlinks":
		a.EnableSymlinks = p.boolean(e.v, "enable-symlinks")
	case "s3-prefix":
		a.S3Prefix = p.scalar(e.v, "s3-prefix")
	}
}

var identifierRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,127}$`)

func (p *parser) artifacts(kn, n *yaml.Node) *Artifacts {
	a := &Artifacts{}
	var haveFiles bool
	for _, e := range p.mapping(n, "artifacts", append(append([]string{}, artifactKeys...), "secondary-artifacts")) {
		if e.key == "files" {
			haveFiles = true
		}
		if e.key != "secondary-artifacts" {
			p.artifactFields(e, a)
			continue
		}
		for _, se := range p.mapping(e.v, "secondary-artifacts", nil) {
			if !identifierRe.MatchString(se.key) {
				p.fail(se.kn, "invalid artifact identifier '%s': it must contain only alphanumeric characters and underscores and be less than 128 characters in length", se.key)
			}
			sa := SecondaryArtifact{Identifier: se.key}
			var has bool
			for _, f := range p.mapping(se.v, "secondary-artifacts."+se.key, artifactKeys) {
				if f.key == "files" {
					has = true
				}
				p.artifactFields(f, &sa.Artifacts)
			}
			if !has {
				p.fail(se.kn, "secondary artifact '%s' has no files", se.key)
			}
			a.Secondary = append(a.Secondary, sa)
		}
	}
	if !haveFiles && len(a.Secondary) == 0 {
		p.fail(kn, "artifacts has no files")
	}
	return a
}

func (p *parser) cache(kn, n *yaml.Node) *Cache {
	c := &Cache{}
	var havePaths bool
	for _, e := range p.mapping(n, "cache", []string{"key", "fallback-keys", "action", "paths"}) {
		switch e.key {
		case "key":
			c.Key = p.scalar(e.v, "cache.key")
		case "fallback-keys":
			c.FallbackKeys = p.strings(e.v, "FallbackKeys")
			if len(c.FallbackKeys) > 5 {
				p.fail(e.v, "too many cache fallback-keys: at most 5 may be specified")
			}
		case "action":
			c.Action = strings.ToLower(p.scalar(e.v, "cache.action"))
			if c.Action != "restore" && c.Action != "save" {
				p.fail(e.v, "invalid cache action '%s': expected restore or save", c.Action)
			}
		case "paths":
			havePaths = true
			c.Paths = p.strings(e.v, "Paths")
		}
	}
	if !havePaths {
		p.fail(kn, "cache has no paths")
	}
	return c
}

func (p *parser) batch(n *yaml.Node) *Batch {
	b := &Batch{}
	kinds := 0
	var where *yaml.Node
	for _, e := range p.mapping(n, "batch", []string{"fast-fail", "build-list", "build-graph", "build-matrix", "build-fanout"}) {
		switch e.key {
		case "fast-fail":
			b.FastFail = p.boolean(e.v, "batch.fast-fail")
		case "build-list":
			kinds++
			b.BuildList = p.batchBuilds(e.v, "build-list", false)
		case "build-graph":
			kinds++
			b.BuildGraph = p.batchBuilds(e.v, "build-graph", true)
			p.checkGraph(e.v, b.BuildGraph)
		case "build-matrix":
			kinds++
			b.BuildMatrix = p.matrix(e.v)
		case "build-fanout":
			kinds++
			f := &BuildFanout{}
			for _, fe := range p.mapping(e.v, "build-fanout", []string{"parallelism", "ignore-failure"}) {
				switch fe.key {
				case "parallelism":
					s := p.scalar(fe.v, "parallelism")
					n, err := strconv.Atoi(s)
					if err != nil || n < 1 || n > 100 {
						p.fail(fe.v, "invalid build-fanout parallelism '%s': expected a number from 1 to 100", s)
					}
					f.Parallelism = n
				case "ignore-failure":
					f.IgnoreFailure = p.boolean(fe.v, "ignore-failure")
				}
			}
			b.BuildFanout = f
		}
		if kinds > 1 && where == nil {
			where = e.kn
		}
	}
	if kinds > 1 {
		p.fail(where, "batch may define only one of build-list, build-graph, build-matrix and build-fanout")
	}
	return b
}

func (p *parser) batchEnv(n *yaml.Node, where string) BatchEnv {
	var env BatchEnv
	for _, e := range p.mapping(n, where, []string{"compute-type", "image", "type", "privileged-mode", "variables", "fleet"}) {
		switch e.key {
		case "compute-type":
			env.ComputeType = p.scalar(e.v, "compute-type")
		case "image":
			env.Image = p.scalar(e.v, "image")
		case "type":
			env.Type = p.scalar(e.v, "type")
		case "privileged-mode":
			env.PrivilegedMode = p.boolean(e.v, "privileged-mode")
		case "variables":
			env.Variables = p.kvs(e.v, where+".variables")
		}
	}
	return env
}

func (p *parser) batchBuilds(n *yaml.Node, where string, graph bool) []BatchBuild {
	n = p.resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "Expected %s to be of list type: found %s instead", where, kindName(n))
		return nil
	}
	keys := []string{"identifier", "buildspec", "env", "ignore-failure", "debug-session"}
	if graph {
		keys = append(keys, "depend-on")
	}
	var out []BatchBuild
	seen := map[string]bool{}
	for _, item := range n.Content {
		var b BatchBuild
		var line *yaml.Node = p.resolve(item)
		for _, e := range p.mapping(item, where, keys) {
			switch e.key {
			case "identifier":
				b.Identifier = p.scalar(e.v, "identifier")
			case "buildspec":
				b.Buildspec = p.scalar(e.v, "buildspec")
			case "env":
				b.Env = p.batchEnv(e.v, where+".env")
			case "ignore-failure":
				b.IgnoreFailure = p.boolean(e.v, "ignore-failure")
			case "debug-session":
				b.DebugSession = p.boolean(e.v, "debug-session")
			case "depend-on":
				b.DependOn = p.strings(e.v, "DependOn")
			}
		}
		if !identifierRe.MatchString(b.Identifier) {
			p.fail(line, "invalid batch build identifier '%s': it must contain only alphanumeric characters and underscores and be less than 128 characters in length", b.Identifier)
		} else if seen[b.Identifier] {
			p.fail(line, "duplicate batch build identifier '%s'", b.Identifier)
		}
		seen[b.Identifier] = true
		out = append(out, b)
	}
	return out
}

// checkGraph verifies depend-on names and that the graph has no cycle.
func (p *parser) checkGraph(n *yaml.Node, builds []BatchBuild) {
	idx := map[string]int{}
	for i, b := range builds {
		idx[b.Identifier] = i
	}
	for _, b := range builds {
		for _, d := range b.DependOn {
			if _, ok := idx[d]; !ok {
				p.fail(n, "build '%s' depends on unknown build '%s'", b.Identifier, d)
			}
		}
	}
	state := make([]int, len(builds)) // 0 new, 1 visiting, 2 done
	var visit func(i int) bool
	visit = func(i int) bool {
		if state[i] == 1 {
			return false
		}
		if state[i] == 2 {
			return true
		}
		state[i] = 1
		for _, d := range builds[i].DependOn {
			if j, ok := idx[d]; ok && !visit(j) {
				return false
			}
		}
		state[i] = 2
		return true
	}
	for i := range builds {
		if !visit(i) {
			p.fail(n, "build-graph has a dependency cycle through '%s'", builds[i].Identifier)
			return
		}
	}
}

func (p *parser) matrix(n *yaml.Node) *BuildMatrix {
	m := &BuildMatrix{}
	for _, e := range p.mapping(n, "build-matrix", []string{"static", "dynamic"}) {
		switch e.key {
		case "static":
			for _, se := range p.mapping(e.v, "build-matrix.static", []string{"ignore-failure", "env", "debug-session"}) {
				switch se.key {
				case "ignore-failure":
					m.Static.IgnoreFailure = p.boolean(se.v, "ignore-failure")
				case "env":
					m.Static.Env = p.batchEnv(se.v, "build-matrix.static.env")
				}
			}
		case "dynamic":
			for _, de := range p.mapping(e.v, "build-matrix.dynamic", []string{"buildspec", "env"}) {
				switch de.key {
				case "buildspec":
					m.Dynamic.Buildspec = p.strings(de.v, "Buildspec")
				case "env":
					for _, ee := range p.mapping(de.v, "build-matrix.dynamic.env", []string{"compute-type", "image", "variables"}) {
						switch ee.key {
						case "compute-type":
							m.Dynamic.ComputeType = p.strings(ee.v, "ComputeType")
						case "image":
							m.Dynamic.Image = p.strings(ee.v, "Image")
						case "variables":
							for _, ve := range p.mapping(ee.v, "build-matrix.dynamic.env.variables", nil) {
								m.Dynamic.Variables = append(m.Dynamic.Variables, MatrixVar{Name: ve.key, Values: p.strings(ve.v, "Variables."+ve.key)})
							}
						}
					}
				}
			}
		}
	}
	return m
}

// SecretRef is a parsed secrets-manager reference
// "secret-id:json-key:version-stage:version-id".
type SecretRef struct {
	SecretID, JSONKey, VersionStage, VersionID string
}

// ParseSecretRef splits a secrets-manager reference. The secret id may be
// an ARN, whose own colons are kept.
func ParseSecretRef(s string) (SecretRef, error) {
	var id string
	rest := s
	if strings.HasPrefix(s, "arn:") {
		// arn:partition:secretsmanager:region:account:secret:name
		parts := strings.SplitN(s, ":", 8)
		if len(parts) < 7 {
			return SecretRef{}, fmt.Errorf("invalid secret ARN %q", s)
		}
		id = strings.Join(parts[:7], ":")
		rest = ""
		if len(parts) == 8 {
			rest = parts[7]
		}
		parts = strings.SplitN(rest, ":", 3)
		ref := SecretRef{SecretID: id}
		if len(parts) > 0 {
			ref.JSONKey = parts[0]
		}
		if len(parts) > 1 {
			ref.VersionStage = parts[1]
		}
		if len(parts) > 2 {
			ref.VersionID = parts[2]
		}
		return ref, ref.check()
	}
	parts := strings.SplitN(rest, ":", 4)
	ref := SecretRef{SecretID: parts[0]}
	if len(parts) > 1 {
		ref.JSONKey = parts[1]
	}
	if len(parts) > 2 {
		ref.VersionStage = parts[2]
	}
	if len(parts) > 3 {
		ref.VersionID = parts[3]
	}
	return ref, ref.check()
}

func (r SecretRef) check() error {
	if r.SecretID == "" {
		return fmt.Errorf("secret id is empty")
	}
	if r.VersionStage != "" && r.VersionID != "" {
		return fmt.Errorf("specify version-stage or version-id, not both")
	}
	return nil
}
