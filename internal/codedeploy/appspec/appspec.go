// Package appspec parses the AppSpec file of the EC2/on-premises (Server)
// compute platform, as the CodeDeploy agent does
// (lib/instance_agent/plugins/codedeploy/application_specification in
// aws/aws-codedeploy-agent), with the agent's validation messages.
//
//	version: 0.0                      the only version (a number; the string "0.0" is refused, as Ruby's YAML loader refuses it)
//	os: linux                         windows is refused: skiff runs hooks on this host
//	files: [{source, destination}]    source relative to the revision ("/" = all of it); destination absolute
//	file_exists_behavior: DISALLOW | OVERWRITE | RETAIN
//	permissions: [{object, pattern, except, owner, group, mode, acls, context, type}]
//	hooks: {<event>: [{location, timeout, runas}]}
//
// Differences from the agent, each friendlier and none accepting a file the
// agent would run differently: a hook event with an empty list is allowed
// (the agent fails on it); a mode is read from the text as written, so
// "mode: 0755" means 755 rather than YAML's octal 493; a destination that is
// not absolute and a source that climbs out of the revision ("../x") are
// refused here rather than failing later while copying.
package appspec

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// AppSpec is a parsed appspec.yml.
type AppSpec struct {
	Version            string       `json:"version"`
	OS                 string       `json:"os"`
	Files              []File       `json:"files,omitempty"`
	FileExistsBehavior string       `json:"fileExistsBehavior,omitempty"`
	Permissions        []Permission `json:"permissions,omitempty"`
	// Hooks maps a lifecycle event name to its scripts, in file order.
	Hooks map[string][]Script `json:"hooks,omitempty"`
	// Warnings are things the agent ignores silently (hooks for events
	// that never run scripts, unknown top-level keys).
	Warnings []string `json:"warnings,omitempty"`
}

// File is one entry of the files section. Source is cleaned and relative
// to the revision root ("" is the whole revision); Destination is a clean
// absolute path.
type File struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// Script is one hook script.
type Script struct {
	Location string        `json:"location"`
	Timeout  time.Duration `json:"-"`
	RunAs    string        `json:"runas,omitempty"`
}

// MarshalJSON shows the timeout in seconds, as the file gives it.
func (s Script) MarshalJSON() ([]byte, error) {
	type view struct {
		Location string `json:"location"`
		Timeout  int64  `json:"timeout"`
		RunAs    string `json:"runas,omitempty"`
	}
	return json.Marshal(view{s.Location, int64(s.Timeout / time.Second), s.RunAs})
}

// Permission is one entry of the permissions section.
type Permission struct {
	Object  string          `json:"object"`
	Pattern string          `json:"pattern"`
	Except  []string        `json:"except,omitempty"`
	Owner   string          `json:"owner,omitempty"`
	Group   string          `json:"group,omitempty"`
	Mode    string          `json:"mode,omitempty"` // octal digits, 3 or 4
	ACLs    []string        `json:"acls,omitempty"`
	Context *SELinuxContext `json:"context,omitempty"`
	Type    []string        `json:"type"` // file, directory
}

// SELinuxContext is a permission's context (recorded, not applied).
type SELinuxContext struct {
	User  string `json:"user,omitempty"`
	Type  string `json:"type"`
	Range string `json:"range,omitempty"`
}

// File exists behaviors.
const (
	Disallow  = "DISALLOW"
	Overwrite = "OVERWRITE"
	Retain    = "RETAIN"
)

// DefaultTimeout is a script's timeout when none is given, and the most a
// lifecycle event may take in total.
const DefaultTimeout = time.Hour

// Scriptable lists the lifecycle events whose hooks run scripts on the
// server platform. Install, DownloadBundle, BlockTraffic and AllowTraffic
// are reserved: CodeDeploy performs them itself.
var Scriptable = []string{
	"BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop", "BeforeInstall", "AfterInstall",
	"ApplicationStart", "ValidateService", "BeforeAllowTraffic", "AfterAllowTraffic",
}

// Error is an invalid AppSpec file.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (appspec line %d)", e.Msg, e.Line)
	}
	return e.Msg
}

func errAt(n *yaml.Node, format string, args ...any) *Error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses an AppSpec file (YAML or JSON).
func Parse(data []byte) (spec *AppSpec, err error) {
	// The YAML library is robust, but a malformed revision must never take
	// skiff down: any panic is reported as an invalid file.
	defer func() {
		if r := recover(); r != nil {
			spec, err = nil, &Error{Msg: fmt.Sprintf("The deployment failed because the AppSpec file could not be read: %v", r)}
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return nil, &Error{Msg: "The deployment failed because the AppSpec file is not valid YAML: " + msg}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{Msg: "The deployment failed because the AppSpec file is empty."}
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root, "The deployment failed because the AppSpec file is not a mapping of sections (version, os, files, hooks).")
	}
	s := &AppSpec{}
	top := pairs(root)
	if v, ok := top["Resources"]; ok {
		return nil, errAt(v.key, "The deployment failed because the AppSpec file has a Resources section, which belongs to the ECS and Lambda compute platforms; the Server platform's AppSpec has files and hooks.")
	}
	ver, ok := top["version"]
	if !ok || isNull(ver.val) {
		return nil, errAt(root, "unsupported version: (the AppSpec file must start with version: 0.0)")
	}
	if ver.val.Kind != yaml.ScalarNode || (ver.val.Tag != "!!float" && ver.val.Tag != "!!int") {
		return nil, errAt(ver.val, "unsupported version: %q (the only supported version is the number 0.0)", ver.val.Value)
	}
	if f, err := strconv.ParseFloat(ver.val.Value, 64); err != nil || f != 0 {
		return nil, errAt(ver.val, "unsupported version: %s (the only supported version is 0.0)", ver.val.Value)
	}
	s.Version = "0.0"
	osn, ok := top["os"]
	if !ok || osn.val.Kind != yaml.ScalarNode || isNull(osn.val) {
		return nil, errAt(root, "unsupported os: (the AppSpec file must say os: linux)")
	}
	switch osn.val.Value {
	case "linux":
		s.OS = "linux"
	case "windows":
		return nil, errAt(osn.val, "unsupported os: windows (skiff runs instances on this host, which runs Linux hooks only)")
	default:
		return nil, errAt(osn.val, "unsupported os: %s", osn.val.Value)
	}
	if n, ok := top["files"]; ok && !isNull(n.val) {
		if s.Files, err = parseFiles(n.val); err != nil {
			return nil, err
		}
	}
	if n, ok := top["file_exists_behavior"]; ok && !isNull(n.val) {
		v := strings.ToUpper(scalar(n.val))
		if v != Disallow && v != Overwrite && v != Retain {
			return nil, errAt(n.val, "The deployment failed because an invalid option was specified for fileExistsBehavior: %s. Valid options include OVERWRITE, RETAIN, and DISALLOW.", n.val.Value)
		}
		s.FileExistsBehavior = v
	}
	if n, ok := top["permissions"]; ok && !isNull(n.val) {
		if s.Permissions, err = parsePermissions(n.val); err != nil {
			return nil, err
		}
	}
	if n, ok := top["hooks"]; ok && !isNull(n.val) {
		if s.Hooks, s.Warnings, err = parseHooks(n.val); err != nil {
			return nil, err
		}
	} else if n, ok := top["Hooks"]; ok {
		return nil, errAt(n.key, "The deployment failed because the AppSpec file has a Hooks section (the ECS and Lambda form); the Server platform's section is hooks, a mapping of lifecycle events to scripts.")
	}
	known := map[string]bool{"version": true, "os": true, "files": true, "file_exists_behavior": true, "permissions": true, "hooks": true}
	var unknown []string
	for k := range top {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		s.Warnings = append(s.Warnings, fmt.Sprintf("unknown section %q ignored", k))
	}
	return s, nil
}

type pair struct{ key, val *yaml.Node }

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

// pairs returns a mapping's members by key (the last one wins, as in Ruby).
func pairs(m *yaml.Node) map[string]pair {
	out := map[string]pair{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		out[k.Value] = pair{k, v}
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && (n.Tag == "!!null")
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func seq(n *yaml.Node, what string) ([]*yaml.Node, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(n, "The deployment failed because the %s section of the AppSpec file is not a list.", what)
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out, nil
}

func parseFiles(n *yaml.Node) ([]File, error) {
	items, err := seq(n, "files")
	if err != nil {
		return nil, err
	}
	var out []File
	for _, it := range items {
		if it.Kind != yaml.MappingNode {
			return nil, errAt(it, "The deployment failed because an entry of the files section of the AppSpec file is not a mapping with source and destination.")
		}
		m := pairs(it)
		src, hasSrc := m["source"]
		dst, hasDst := m["destination"]
		if !hasSrc || isNull(src.val) {
			return nil, errAt(it, "The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.")
		}
		if !hasDst || isNull(dst.val) {
			return nil, errAt(it, "The deployment failed because the application specification file specifies only a source file (%s). Add the name of the destination file to the files section of the AppSpec file, and then try again.", scalar(src.val))
		}
		source, dest := scalar(src.val), scalar(dst.val)
		if src.val.Kind != yaml.ScalarNode || dst.val.Kind != yaml.ScalarNode {
			return nil, errAt(it, "The deployment failed because a source or destination in the files section of the AppSpec file is not a string.")
		}
		rel := path.Clean(source)
		if strings.HasPrefix(rel, "/") {
			// "/" and absolute sources name the revision's root.
			rel = path.Clean(rel)[1:]
		} else if rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, errAt(src.val, "The deployment failed because the source %s in the files section of the AppSpec file points outside the revision.", source)
		}
		if rel == "." {
			rel = ""
		}
		if !strings.HasPrefix(dest, "/") {
			return nil, errAt(dst.val, "The deployment failed because the destination %s in the files section of the AppSpec file is not an absolute path.", dest)
		}
		out = append(out, File{Source: rel, Destination: path.Clean(dest)})
	}
	return out, nil
}

func parsePermissions(n *yaml.Node) ([]Permission, error) {
	items, err := seq(n, "permissions")
	if err != nil {
		return nil, err
	}
	var out []Permission
	for _, it := range items {
		if it.Kind != yaml.MappingNode {
			return nil, errAt(it, "The deployment failed because an entry of the permissions section of the AppSpec file is not a mapping.")
		}
		m := pairs(it)
		obj, ok := m["object"]
		if !ok || isNull(obj.val) {
			return nil, errAt(it, "permission provided without a object value")
		}
		p := Permission{Object: strings.TrimSpace(scalar(obj.val)), Pattern: "**", Type: []string{"file", "directory"}}
		if p.Object == "" {
			return nil, errAt(obj.val, "The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.")
		}
		if !strings.HasPrefix(p.Object, "/") {
			return nil, errAt(obj.val, "The deployment failed because the permission object %s in the AppSpec file is not an absolute path.", p.Object)
		}
		p.Object = path.Clean(p.Object)
		if v, ok := m["pattern"]; ok && !isNull(v.val) {
			p.Pattern = scalar(v.val)
		}
		if v, ok := m["except"]; ok && !isNull(v.val) {
			l, err := scalarList(v.val, "except")
			if err != nil {
				return nil, err
			}
			p.Except = l
		}
		if v, ok := m["type"]; ok && !isNull(v.val) {
			l, err := scalarList(v.val, "type")
			if err != nil {
				return nil, err
			}
			for _, t := range l {
				if t != "file" && t != "directory" {
					return nil, errAt(v.val, "assigning permissions to objects of type %s not supported", t)
				}
			}
			p.Type = l
		}
		p.Owner = scalar(m["owner"].val)
		p.Group = scalar(m["group"].val)
		if v, ok := m["mode"]; ok && !isNull(v.val) {
			mode := scalar(v.val)
			for len(mode) < 3 {
				mode = "0" + mode
			}
			if len(mode) > 4 {
				return nil, errAt(v.val, "The deployment failed because the length of a permissions mode (%s) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.", mode)
			}
			for _, c := range mode {
				if c < '0' || c > '7' {
					return nil, errAt(v.val, "The deployment failed because the permissions mode (%s) in the application specification file contains an invalid character (%c). Update the permissions section of the AppSpec file, and then try again.", mode, c)
				}
			}
			p.Mode = mode
		}
		if v, ok := m["acls"]; ok && !isNull(v.val) {
			l, err := scalarList(v.val, "acls")
			if err != nil {
				return nil, err
			}
			p.ACLs = l
		}
		if v, ok := m["context"]; ok && !isNull(v.val) {
			if v.val.Kind != yaml.MappingNode {
				return nil, errAt(v.val, "The deployment failed because a permission's context in the AppSpec file is not a mapping of user, type and range.")
			}
			cm := pairs(v.val)
			c := &SELinuxContext{User: scalar(cm["user"].val), Type: scalar(cm["type"].val), Range: scalar(cm["range"].val)}
			if c.Type == "" {
				return nil, errAt(v.val, "The deployment failed because a permission's context in the AppSpec file has no type.")
			}
			p.Context = c
		}
		out = append(out, p)
	}
	return out, nil
}

func scalarList(n *yaml.Node, what string) ([]string, error) {
	items, err := seq(n, what)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if it.Kind != yaml.ScalarNode {
			return nil, errAt(it, "The deployment failed because an entry of %s in the AppSpec file is not a string.", what)
		}
		out = append(out, it.Value)
	}
	return out, nil
}

func parseHooks(n *yaml.Node) (map[string][]Script, []string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, errAt(n, "The deployment failed because the hooks section of the AppSpec file is not a mapping of lifecycle events to scripts.")
	}
	scriptable := map[string]bool{}
	for _, e := range Scriptable {
		scriptable[e] = true
	}
	out := map[string][]Script{}
	var warnings []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		event := k.Value
		var scripts []Script
		if !isNull(v) {
			items, err := seq(v, "hooks "+event)
			if err != nil {
				return nil, nil, err
			}
			for _, it := range items {
				if it.Kind != yaml.MappingNode {
					return nil, nil, errAt(it, "script provided without a location value")
				}
				m := pairs(it)
				loc, ok := m["location"]
				if !ok || isNull(loc.val) {
					return nil, nil, errAt(it, "script provided without a location value")
				}
				sc := Script{Location: strings.TrimSpace(scalar(loc.val)), Timeout: DefaultTimeout}
				if sc.Location == "" {
					return nil, nil, errAt(loc.val, "The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.")
				}
				if t, ok := m["timeout"]; ok && !isNull(t.val) {
					secs := rubyToI(scalar(t.val))
					if secs <= 0 {
						return nil, nil, errAt(t.val, "The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.")
					}
					sc.Timeout = time.Duration(secs) * time.Second
				}
				if r, ok := m["runas"]; ok && !isNull(r.val) {
					sc.RunAs = strings.TrimSpace(scalar(r.val))
				}
				scripts = append(scripts, sc)
			}
		}
		if !scriptable[event] {
			warnings = append(warnings, fmt.Sprintf("hooks for %s are ignored: it is not a lifecycle event that runs scripts", event))
		}
		out[event] = append(out[event], scripts...)
	}
	return out, warnings, nil
}

// rubyToI is Ruby's String#to_i for the timeout: leading digits after
// optional spaces and sign; anything else is 0.
func rubyToI(s string) int64 {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
		if n > 1<<40 {
			break
		}
	}
	if neg {
		return -n
	}
	return n
}

// ScriptsFor returns the scripts of a lifecycle event (nil when none).
func (s *AppSpec) ScriptsFor(event string) []Script {
	if s == nil {
		return nil
	}
	return s.Hooks[event]
}
