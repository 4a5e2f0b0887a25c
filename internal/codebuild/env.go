package codebuild

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/codebuild/buildspec"
)

// envList is an ordered environment where later sets replace earlier ones.
type envList struct {
	names []string
	vals  map[string]string
}

func newEnvList() *envList { return &envList{vals: map[string]string{}} }

func (l *envList) set(k, v string) {
	if _, ok := l.vals[k]; !ok {
		l.names = append(l.names, k)
	}
	l.vals[k] = v
}

func (l *envList) list() []string {
	out := make([]string, 0, len(l.names))
	for _, k := range l.names {
		out = append(out, k+"="+l.vals[k])
	}
	return out
}

// baseEnv is what every build starts from: PATH and HOME (and LANG) of
// skiff's own environment unless Deps.BaseEnv says otherwise.
func (e *Engine) baseEnv() []string {
	if e.deps.BaseEnv != nil {
		return e.deps.BaseEnv
	}
	var out []string
	for _, k := range []string{"PATH", "HOME", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	if _, ok := os.LookupEnv("PATH"); !ok {
		out = append(out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	return out
}

// userVar is one variable a user defined, with where it came from.
type userVar struct {
	name, value string
	// secret marks resolved PARAMETER_STORE / SECRETS_MANAGER values.
	secret bool
}

// resolveUserVars resolves the buildspec's and the build's (project plus
// StartBuild overrides) variables, lowest precedence first: buildspec
// variables, parameter-store and secrets-manager, then the build's.
// CODEBUILD_ names are reserved and skipped. The error, if any, is a
// phase context (Decrypted Variables Error / Secrets Manager Error).
func (x *execution) resolveUserVars(spec *buildspec.Spec) ([]userVar, *PhaseContext) {
	var out []userVar
	add := func(name, value string, secret bool) {
		if strings.HasPrefix(name, "CODEBUILD_") {
			x.sink.container(fmt.Sprintf("Skipping environment variable %s: names starting with CODEBUILD_ are reserved", name))
			return
		}
		out = append(out, userVar{name, value, secret})
	}
	for _, kv := range spec.Env.Variables {
		add(kv.Name, kv.Value, false)
	}
	for _, kv := range spec.Env.ParameterStore {
		v, pc := x.parameter(kv.Value)
		if pc != nil {
			return nil, pc
		}
		add(kv.Name, v, true)
	}
	for _, kv := range spec.Env.SecretsManager {
		v, pc := x.secret(kv.Value)
		if pc != nil {
			return nil, pc
		}
		add(kv.Name, v, true)
	}
	for _, ev := range x.rec.Build.Environment.EnvironmentVariables {
		switch ev.Type {
		case "PARAMETER_STORE":
			v, pc := x.parameter(ev.Value)
			if pc != nil {
				return nil, pc
			}
			add(ev.Name, v, true)
		case "SECRETS_MANAGER":
			v, pc := x.secret(ev.Value)
			if pc != nil {
				return nil, pc
			}
			add(ev.Name, v, true)
		default:
			add(ev.Name, ev.Value, false)
		}
	}
	return out, nil
}

func (x *execution) parameter(name string) (string, *PhaseContext) {
	if x.e.deps.Params == nil {
		return "", &PhaseContext{StatusCode: "Decrypted Variables Error", Message: "parameter store is not available: " + name}
	}
	v, err := x.e.deps.Params.GetParameter(x.ctx, name)
	if err != nil {
		return "", &PhaseContext{StatusCode: "Decrypted Variables Error", Message: fmt.Sprintf("parameter %s: %v", name, err)}
	}
	return v, nil
}

// secret resolves "secret-id:json-key:version-stage:version-id".
func (x *execution) secret(ref string) (string, *PhaseContext) {
	fail := func(format string, args ...any) (string, *PhaseContext) {
		return "", &PhaseContext{StatusCode: "Secrets Manager Error", Message: fmt.Sprintf(format, args...)}
	}
	r, err := buildspec.ParseSecretRef(ref)
	if err != nil {
		return fail("invalid secret reference %s: %v", ref, err)
	}
	if x.e.deps.Secrets == nil {
		return fail("secrets manager is not available: %s", r.SecretID)
	}
	v, err := x.e.deps.Secrets.GetSecretValue(x.ctx, r.SecretID, r.VersionID, r.VersionStage)
	if err != nil {
		return fail("%v", err)
	}
	if r.JSONKey == "" {
		return v, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return fail("secret %s is not a JSON object, so json-key %s cannot be read", r.SecretID, r.JSONKey)
	}
	val, ok := m[r.JSONKey]
	if !ok {
		return fail("json-key %s not found in secret %s", r.JSONKey, r.SecretID)
	}
	switch t := val.(type) {
	case string:
		return t, nil
	default:
		b, _ := json.Marshal(t)
		return string(b), nil
	}
}

// buildEnv assembles the environment new shells start with: the base,
// CodeBuild's variables, then user variables with precedence StartBuild
// override > project > buildspec (resolveUserVars orders them). CodeBuild's
// CODEBUILD_* values always win; AWS_* values it provides (region,
// endpoint, credentials) may be replaced by the user's.
func (x *execution) buildEnv(user []userVar) []string {
	l := newEnvList()
	for _, kv := range x.e.baseEnv() {
		k, v, _ := strings.Cut(kv, "=")
		l.set(k, v)
	}
	for _, kv := range x.awsEnv() {
		l.set(kv[0], kv[1])
	}
	for _, u := range user {
		l.set(u.name, u.value)
	}
	for _, kv := range x.codebuildEnv() {
		l.set(kv[0], kv[1])
	}
	return l.list()
}

func (x *execution) awsEnv() [][2]string {
	r := x.rec
	out := [][2]string{{"AWS_DEFAULT_REGION", r.Region}, {"AWS_REGION", r.Region}}
	if x.e.deps.Endpoint != nil {
		if u := x.e.deps.Endpoint(); u != "" {
			out = append(out, [2]string{"AWS_ENDPOINT_URL", u})
		}
	}
	if x.creds[0] != "" {
		out = append(out, [2]string{"AWS_ACCESS_KEY_ID", x.creds[0]}, [2]string{"AWS_SECRET_ACCESS_KEY", x.creds[1]})
		if x.creds[2] != "" {
			out = append(out, [2]string{"AWS_SESSION_TOKEN", x.creds[2]})
		}
	}
	if x.spec != nil && x.spec.Env.GitCredentialHelper {
		// The CodeCommit credential helper of the AWS CLI, scoped to this
		// build's processes (no global git configuration is touched).
		out = append(out,
			[2]string{"GIT_CONFIG_COUNT", "2"},
			[2]string{"GIT_CONFIG_KEY_0", "credential.helper"},
			[2]string{"GIT_CONFIG_VALUE_0", "!aws codecommit credential-helper $@"},
			[2]string{"GIT_CONFIG_KEY_1", "credential.UseHttpPath"},
			[2]string{"GIT_CONFIG_VALUE_1", "true"},
		)
	}
	return out
}

// codebuildEnv is the CODEBUILD_* set (reference §1.3).
func (x *execution) codebuildEnv() [][2]string {
	b := &x.rec.Build
	out := [][2]string{
		{"CODEBUILD_BUILD_ARN", b.ARN},
		{"CODEBUILD_BUILD_ID", b.ID},
		{"CODEBUILD_BUILD_IMAGE", b.Environment.Image},
		{"CODEBUILD_BUILD_NUMBER", strconv.FormatInt(b.BuildNumber, 10)},
		{"CODEBUILD_BUILD_SUCCEEDING", "1"},
		{"CODEBUILD_INITIATOR", b.Initiator},
		{"CODEBUILD_KMS_KEY_ID", b.EncryptionKey},
		{"CODEBUILD_PROJECT_ARN", projectARN(x.rec.Region, x.rec.Account, b.ProjectName)},
		{"CODEBUILD_SRC_DIR", x.buildSrc},
		{"CODEBUILD_START_TIME", strconv.FormatInt(b.StartTime.UnixMilli(), 10)},
		{"CODEBUILD_CI", "true"},
	}
	if b.Logs != nil && b.Logs.StreamName != "" {
		out = append(out, [2]string{"CODEBUILD_LOG_PATH", b.Logs.StreamName})
	}
	if x.rec.Batch != nil {
		out = append(out, [2]string{"CODEBUILD_BATCH_BUILD_IDENTIFIER", x.rec.Batch.Identifier})
	}
	if b.ResolvedSourceVersion != "" {
		out = append(out, [2]string{"CODEBUILD_RESOLVED_SOURCE_VERSION", b.ResolvedSourceVersion})
	}
	if b.SourceVersion != "" {
		out = append(out, [2]string{"CODEBUILD_SOURCE_VERSION", b.SourceVersion})
	}
	if b.Source.Location != "" {
		out = append(out, [2]string{"CODEBUILD_SOURCE_REPO_URL", b.Source.Location})
	}
	ids := make([]string, 0, len(x.secondary))
	for id := range x.secondary {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := x.secondary[id]
		out = append(out, [2]string{"CODEBUILD_SRC_DIR_" + id, s.buildDir})
		if s.version != "" {
			out = append(out, [2]string{"CODEBUILD_SOURCE_VERSION_" + id, s.version})
		}
		if s.location != "" {
			out = append(out, [2]string{"CODEBUILD_SOURCE_REPO_URL_" + id, s.location})
		}
		if s.resolved != "" {
			out = append(out, [2]string{"CODEBUILD_RESOLVED_SOURCE_VERSION_" + id, s.resolved})
		}
	}
	return out
}

// succeedingEnv is exported before each command.
func (x *execution) succeedingEnv() []string {
	if x.failed {
		return []string{"CODEBUILD_BUILD_SUCCEEDING=0"}
	}
	return []string{"CODEBUILD_BUILD_SUCCEEDING=1"}
}
