// Package buildspec parses CodeBuild build specifications (versions 0.1 and
// 0.2) into a typed Spec.
//
// Parsing is strict in the way CodeBuild is: YAML errors, unknown keys, an
// unsupported version, unknown phase names and values of the wrong type are
// reported with the line they occur on, in the wording CodeBuild's agent
// uses where it is known ("did not find expected ',' or ']' at line 19",
// "Expected Commands[2] to be of string type: found subkeys instead at line
// 40, value of the key tag on line 39 might be empty"). Every problem is
// collected, not just the first. Parse never panics; the fuzz test holds it
// to that.
//
// The parser walks yaml.v3 nodes rather than decoding into structs so that
// it can keep scalars exactly as written (a variable "1.10" stays "1.10",
// never the float 1.1), accept YAML 1.1 booleans (yes/no/on/off) as CodeBuild
// does, and report positions.
package buildspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Versions CodeBuild accepts.
const (
	Version01 = "0.1"
	Version02 = "0.2"
)

// Phase names in the order they run.
const (
	PhaseInstall   = "install"
	PhasePreBuild  = "pre_build"
	PhaseBuild     = "build"
	PhasePostBuild = "post_build"
)

// PhaseNames lists the buildspec phases in run order.
var PhaseNames = []string{PhaseInstall, PhasePreBuild, PhaseBuild, PhasePostBuild}

// Spec is a parsed buildspec.
type Spec struct {
	Version   string     `json:"version"`
	RunAs     string     `json:"runAs,omitempty"`
	Env       Env        `json:"env"`
	Proxy     Proxy      `json:"proxy"`
	Batch     *Batch     `json:"batch,omitempty"`
	Phases    Phases     `json:"phases"`
	Reports   []Report   `json:"reports,omitempty"`
	Artifacts *Artifacts `json:"artifacts,omitempty"`
	Cache     *Cache     `json:"cache,omitempty"`
}

// KV is one name/value pair, kept in the order the file declares it.
type KV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Env is the env section.
type Env struct {
	Shell               string   `json:"shell,omitempty"`
	Variables           []KV     `json:"variables,omitempty"`
	ParameterStore      []KV     `json:"parameterStore,omitempty"`
	SecretsManager      []KV     `json:"secretsManager,omitempty"`
	ExportedVariables   []string `json:"exportedVariables,omitempty"`
	GitCredentialHelper bool     `json:"gitCredentialHelper,omitempty"`
}

// Proxy is the proxy section (recorded; skiff runs no proxy server).
type Proxy struct {
	UploadArtifacts bool `json:"uploadArtifacts,omitempty"`
	Logs            bool `json:"logs,omitempty"`
}

// Phases holds the four command phases; a nil phase is absent.
type Phases struct {
	Install   *Phase `json:"install,omitempty"`
	PreBuild  *Phase `json:"pre_build,omitempty"`
	Build     *Phase `json:"build,omitempty"`
	PostBuild *Phase `json:"post_build,omitempty"`
}

// Get returns the phase by buildspec name.
func (p *Phases) Get(name string) *Phase {
	switch name {
	case PhaseInstall:
		return p.Install
	case PhasePreBuild:
		return p.PreBuild
	case PhaseBuild:
		return p.Build
	case PhasePostBuild:
		return p.PostBuild
	}
	return nil
}

func (p *Phases) set(name string, ph *Phase) {
	switch name {
	case PhaseInstall:
		p.Install = ph
	case PhasePreBuild:
		p.PreBuild = ph
	case PhaseBuild:
		p.Build = ph
	case PhasePostBuild:
		p.PostBuild = ph
	}
}

// Count is the number of phases present.
func (p *Phases) Count() int {
	n := 0
	for _, name := range PhaseNames {
		if p.Get(name) != nil {
			n++
		}
	}
	return n
}

// Phase is one command phase.
type Phase struct {
	RunAs           string     `json:"runAs,omitempty"`
	OnFailure       *OnFailure `json:"onFailure,omitempty"`
	RuntimeVersions []KV       `json:"runtimeVersions,omitempty"`
	Commands        []string   `json:"commands,omitempty"`
	Finally         []string   `json:"finally,omitempty"`
}

// OnFailure is a phase's on-failure setting.
type OnFailure struct {
	// Mode is ABORT, CONTINUE or RETRY.
	Mode string `json:"mode"`
	// Retries is how many times a RETRY phase is retried (default 3).
	Retries int `json:"retries,omitempty"`
	// Pattern, for RETRY, restricts retries to runs whose output matches.
	Pattern string `json:"pattern,omitempty"`
	// Raw is the value as written.
	Raw string `json:"raw"`
}

// Report is one entry of the reports section.
type Report struct {
	// Group is the report group name or ARN as written.
	Group         string   `json:"group"`
	Files         []string `json:"files"`
	BaseDirectory string   `json:"baseDirectory,omitempty"`
	DiscardPaths  bool     `json:"discardPaths,omitempty"`
	// FileFormat is upper-cased; JUNITXML when absent.
	FileFormat string `json:"fileFormat"`
}

// Report file formats.
var (
	TestFormats     = []string{"CUCUMBERJSON", "JUNITXML", "NUNITXML", "NUNIT3XML", "TESTNGXML", "VISUALSTUDIOTRX"}
	CoverageFormats = []string{"CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV"}
)

// IsCoverageFormat reports whether a file format is a code coverage format.
func IsCoverageFormat(f string) bool { return contains(CoverageFormats, f) }

// Artifacts is the artifacts section (or one secondary artifact).
type Artifacts struct {
	Files          []string `json:"files,omitempty"`
	Name           string   `json:"name,omitempty"`
	DiscardPaths   bool     `json:"discardPaths,omitempty"`
	BaseDirectory  string   `json:"baseDirectory,omitempty"`
	ExcludePaths   []string `json:"excludePaths,omitempty"`
	EnableSymlinks bool     `json:"enableSymlinks,omitempty"`
	S3Prefix       string   `json:"s3Prefix,omitempty"`
	// Secondary artifacts by artifactIdentifier, in file order.
	Secondary []SecondaryArtifact `json:"secondaryArtifacts,omitempty"`
}

// SecondaryArtifact is one entry of artifacts.secondary-artifacts.
type SecondaryArtifact struct {
	Identifier string `json:"identifier"`
	Artifacts
}

// Cache is the cache section.
type Cache struct {
	Key          string   `json:"key,omitempty"`
	FallbackKeys []string `json:"fallbackKeys,omitempty"`
	// Action is "", "restore" or "save" ("" does both).
	Action string   `json:"action,omitempty"`
	Paths  []string `json:"paths"`
}

// Batch is the batch section.
type Batch struct {
	FastFail    bool         `json:"fastFail,omitempty"`
	BuildList   []BatchBuild `json:"buildList,omitempty"`
	BuildGraph  []BatchBuild `json:"buildGraph,omitempty"`
	BuildMatrix *BuildMatrix `json:"buildMatrix,omitempty"`
	BuildFanout *BuildFanout `json:"buildFanout,omitempty"`
}

// BatchBuild is one build of a build-list or build-graph.
type BatchBuild struct {
	Identifier    string   `json:"identifier"`
	Buildspec     string   `json:"buildspec,omitempty"`
	Env           BatchEnv `json:"env"`
	IgnoreFailure bool     `json:"ignoreFailure,omitempty"`
	DependOn      []string `json:"dependOn,omitempty"`
	DebugSession  bool     `json:"debugSession,omitempty"`
}

// BatchEnv overrides a batch build's environment.
type BatchEnv struct {
	ComputeType    string `json:"computeType,omitempty"`
	Image          string `json:"image,omitempty"`
	Type           string `json:"type,omitempty"`
	PrivilegedMode bool   `json:"privilegedMode,omitempty"`
	Variables      []KV   `json:"variables,omitempty"`
}

// BuildMatrix is batch.build-matrix.
type BuildMatrix struct {
	Static  MatrixStatic  `json:"static"`
	Dynamic MatrixDynamic `json:"dynamic"`
}

// MatrixStatic holds settings shared by every matrix build.
type MatrixStatic struct {
	IgnoreFailure bool     `json:"ignoreFailure,omitempty"`
	Env           BatchEnv `json:"env"`
}

// MatrixDynamic holds the dimensions of the matrix.
type MatrixDynamic struct {
	Buildspec   []string `json:"buildspec,omitempty"`
	ComputeType []string `json:"computeType,omitempty"`
	Image       []string `json:"image,omitempty"`
	// Variables are dimensions: each name has a list of values.
	Variables []MatrixVar `json:"variables,omitempty"`
}

// MatrixVar is one variable dimension.
type MatrixVar struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// BuildFanout is batch.build-fanout (parallel test splitting).
type BuildFanout struct {
	Parallelism   int  `json:"parallelism"`
	IgnoreFailure bool `json:"ignoreFailure,omitempty"`
}

// Error is one problem in a buildspec.
type Error struct {
	Line int
	Msg  string
	// lineInMsg marks messages that already name their line.
	lineInMsg bool
}

func (e Error) String() string {
	if e.Line > 0 && !e.lineInMsg {
		return fmt.Sprintf("%s at line %d", e.Msg, e.Line)
	}
	return e.Msg
}

// Errors are all problems found in a buildspec, in file order.
type Errors []Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, "; ")
}

// onFailure parses ABORT, CONTINUE, RETRY, RETRY-<n>, RETRY-<regex> and
// RETRY-<n>-<regex>.
func parseOnFailure(s string) (*OnFailure, string) {
	switch s {
	case "ABORT", "CONTINUE":
		return &OnFailure{Mode: s, Raw: s}, ""
	case "RETRY":
		return &OnFailure{Mode: "RETRY", Retries: 3, Raw: s}, ""
	}
	rest, ok := strings.CutPrefix(s, "RETRY-")
	if !ok || rest == "" {
		return nil, fmt.Sprintf("invalid on-failure value %q: expected ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex> or RETRY-<count>-<regex>", s)
	}
	of := &OnFailure{Mode: "RETRY", Retries: 3, Raw: s}
	num, pat, hasPat := strings.Cut(rest, "-")
	if n, err := strconv.Atoi(num); err == nil && isDigits(num) {
		if n < 0 || n > 100 {
			return nil, fmt.Sprintf("invalid on-failure value %q: retry count must be between 0 and 100", s)
		}
		of.Retries = n
		if hasPat {
			of.Pattern = pat
		}
	} else {
		of.Pattern = rest
	}
	if of.Pattern != "" {
		if _, err := regexp.Compile(of.Pattern); err != nil {
			return nil, fmt.Sprintf("invalid on-failure value %q: %v", s, err)
		}
	}
	return of, ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
