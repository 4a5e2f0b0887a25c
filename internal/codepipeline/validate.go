package codepipeline

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// Declaration validation, as CreatePipeline and UpdatePipeline do it:
// first the model's constraints (all violations in one ValidationException,
// in AWS's wording and 'pipeline.stages.1.member.name' paths), then the
// structural rules, where the first problem is reported with the exception
// AWS uses. AWS's structural messages do not say where the problem is;
// skiff appends the path to the bad field in brackets: "… [at
// pipeline.stages[1].actions[0].inputArtifacts[0].name]".
//
// Nothing here is checked at run time instead, and nothing panics on any
// input (see FuzzValidate).

var (
	reName         = regexp.MustCompile(`^[A-Za-z0-9.@\-_]+$`)
	reRoleArn      = regexp.MustCompile(`^arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*$`)
	reStoreLoc     = regexp.MustCompile(`^[a-zA-Z0-9\-\.]+$`)
	reProvider     = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)
	reArtifactName = regexp.MustCompile(`^[a-zA-Z0-9_\-]+$`)
	reNamespace    = regexp.MustCompile(`^[A-Za-z0-9@\-_]+$`)
	reEnvName      = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

const (
	patName       = `[A-Za-z0-9.@\-_]+`
	patRoleArn    = `arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*`
	patStoreLoc   = `[a-zA-Z0-9\-\.]+`
	patProvider   = `[0-9A-Za-z_-]+`
	patArtifact   = `[a-zA-Z0-9_\-]+`
	patNamespace  = `[A-Za-z0-9@\-_]+`
	maxStages     = 50
	maxActions    = 50
	maxPipelines  = 1000
	maxVariables  = 50
	maxTriggers   = 50
	maxTagsPerRes = 50
)

// constraints collects model-constraint violations.
type constraints []constraint

func (cs *constraints) add(value, path, rule string) {
	*cs = append(*cs, constraint{value, path, rule})
}

func (cs *constraints) str(v, path string, min, max int, re *regexp.Regexp, pat string) {
	if v == "" {
		// Absent and empty look the same here; required members are
		// checked by required.
		return
	}
	if len(v) < min {
		cs.add(v, path, fmt.Sprintf("Member must have length greater than or equal to %d", min))
		return
	}
	if max > 0 && len(v) > max {
		cs.add(v, path, fmt.Sprintf("Member must have length less than or equal to %d", max))
		return
	}
	if re != nil && v != "" && !re.MatchString(v) {
		cs.add(v, path, "Member must satisfy regular expression pattern: "+pat)
	}
}

func (cs *constraints) required(missing bool, path string) {
	if missing {
		cs.add("null", path, "Member must not be null")
	}
}

func (cs *constraints) enum(v, path string, values ...string) {
	if v == "" {
		return
	}
	for _, x := range values {
		if v == x {
			return
		}
	}
	cs.add(v, path, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

func (cs *constraints) intRange(v *int, path string, min, max int) {
	if v == nil {
		return
	}
	if *v < min {
		cs.add(strconv.Itoa(*v), path, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	} else if max > 0 && *v > max {
		cs.add(strconv.Itoa(*v), path, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

func (cs *constraints) listLen(n int, isNil bool, path string, min, max int) {
	if isNil {
		return
	}
	if n < min {
		cs.add("[]", path, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	} else if max > 0 && n > max {
		cs.add(fmt.Sprintf("[%d items]", n), path, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func m(path string, i int) string { return fmt.Sprintf("%s.%d.member", path, i+1) }

func checkConstraints(d *PipelineDeclaration) constraints {
	var cs constraints
	p := "pipeline"
	cs.required(d.Name == "", p+".name")
	cs.str(d.Name, p+".name", 1, 100, reName, patName)
	cs.required(d.RoleArn == "", p+".roleArn")
	cs.str(d.RoleArn, p+".roleArn", 0, 1024, reRoleArn, patRoleArn)
	if s := d.ArtifactStore; s != nil {
		checkStore(&cs, s, p+".artifactStore")
	}
	regions := make([]string, 0, len(d.ArtifactStores))
	for r := range d.ArtifactStores {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		s := d.ArtifactStores[r]
		cs.str(r, p+".artifactStores.key", 4, 30, nil, "")
		checkStore(&cs, &s, p+".artifactStores."+r)
	}
	cs.required(d.Stages == nil, p+".stages")
	cs.enum(d.ExecutionMode, p+".executionMode", ModeQueued, ModeSuperseded, ModeParallel)
	cs.enum(d.PipelineType, p+".pipelineType", PipelineV1, PipelineV2)
	cs.listLen(len(d.Variables), d.Variables == nil, p+".variables", 0, maxVariables)
	for i, v := range d.Variables {
		vp := m(p+".variables", i)
		cs.required(v.Name == "", vp+".name")
		cs.str(v.Name, vp+".name", 1, 128, reNamespace, patNamespace)
		cs.str(v.DefaultValue, vp+".defaultValue", 0, 1000, nil, "")
		cs.str(v.Description, vp+".description", 0, 200, nil, "")
	}
	cs.listLen(len(d.Triggers), d.Triggers == nil, p+".triggers", 0, maxTriggers)
	for i, t := range d.Triggers {
		tp := m(p+".triggers", i)
		cs.required(t.ProviderType == "", tp+".providerType")
		cs.enum(t.ProviderType, tp+".providerType", "CodeStarSourceConnection")
		cs.required(t.GitConfiguration == nil, tp+".gitConfiguration")
		if g := t.GitConfiguration; g != nil {
			gp := tp + ".gitConfiguration"
			cs.required(g.SourceActionName == "", gp+".sourceActionName")
			cs.str(g.SourceActionName, gp+".sourceActionName", 1, 100, reName, patName)
			cs.listLen(len(g.Push), g.Push == nil, gp+".push", 1, 3)
			for j, f := range g.Push {
				fp := m(gp+".push", j)
				checkCriteria(&cs, f.Tags, fp+".tags")
				checkCriteria(&cs, f.Branches, fp+".branches")
				checkCriteria(&cs, f.FilePaths, fp+".filePaths")
			}
			cs.listLen(len(g.PullRequest), g.PullRequest == nil, gp+".pullRequest", 1, 3)
			for j, f := range g.PullRequest {
				fp := m(gp+".pullRequest", j)
				cs.listLen(len(f.Events), f.Events == nil, fp+".events", 1, 3)
				for k, e := range f.Events {
					cs.enum(e, m(fp+".events", k), "OPEN", "UPDATED", "CLOSED")
				}
				checkCriteria(&cs, f.Branches, fp+".branches")
				checkCriteria(&cs, f.FilePaths, fp+".filePaths")
			}
		}
	}
	for i := range d.Stages {
		checkStageConstraints(&cs, &d.Stages[i], m(p+".stages", i))
	}
	return cs
}

func checkStore(cs *constraints, s *ArtifactStore, path string) {
	cs.required(s.Type == "", path+".type")
	cs.enum(s.Type, path+".type", "S3")
	cs.required(s.Location == "", path+".location")
	if s.Location != "" {
		cs.str(s.Location, path+".location", 3, 63, reStoreLoc, patStoreLoc)
	}
	if k := s.EncryptionKey; k != nil {
		cs.required(k.ID == "", path+".encryptionKey.id")
		cs.str(k.ID, path+".encryptionKey.id", 0, 400, nil, "")
		cs.required(k.Type == "", path+".encryptionKey.type")
		cs.enum(k.Type, path+".encryptionKey.type", "KMS")
	}
}

func checkCriteria(cs *constraints, c *FilterCriteria, path string) {
	if c == nil {
		return
	}
	for _, side := range []struct {
		name string
		list []string
	}{{"includes", c.Includes}, {"excludes", c.Excludes}} {
		cs.listLen(len(side.list), side.list == nil, path+"."+side.name, 1, 8)
		for k, pat := range side.list {
			cs.str(pat, m(path+"."+side.name, k), 1, 255, nil, "")
		}
	}
}

func checkStageConstraints(cs *constraints, s *StageDeclaration, sp string) {
	cs.required(s.Name == "", sp+".name")
	cs.str(s.Name, sp+".name", 1, 100, reName, patName)
	cs.required(s.Actions == nil, sp+".actions")
	for j, b := range s.Blockers {
		bp := m(sp+".blockers", j)
		cs.required(b.Name == "", bp+".name")
		cs.str(b.Name, bp+".name", 1, 100, nil, "")
		cs.required(b.Type == "", bp+".type")
		cs.enum(b.Type, bp+".type", "Schedule")
	}
	for j := range s.Actions {
		checkActionConstraints(cs, &s.Actions[j], m(sp+".actions", j))
	}
	if s.BeforeEntry != nil {
		checkConditions(cs, s.BeforeEntry.Conditions, s.BeforeEntry.Conditions == nil, sp+".beforeEntry.conditions", true)
	}
	if s.OnSuccess != nil {
		checkConditions(cs, s.OnSuccess.Conditions, s.OnSuccess.Conditions == nil, sp+".onSuccess.conditions", true)
	}
	if f := s.OnFailure; f != nil {
		cs.enum(f.Result, sp+".onFailure.result", "ROLLBACK", "FAIL", "RETRY", "SKIP")
		if f.RetryConfiguration != nil {
			cs.enum(f.RetryConfiguration.RetryMode, sp+".onFailure.retryConfiguration.retryMode", "FAILED_ACTIONS", "ALL_ACTIONS")
		}
		checkConditions(cs, f.Conditions, f.Conditions == nil, sp+".onFailure.conditions", false)
	}
}

func checkConditions(cs *constraints, conds []Condition, isNil bool, path string, required bool) {
	if required {
		cs.required(isNil, path)
	}
	cs.listLen(len(conds), isNil, path, 1, 1)
	for i, c := range conds {
		cp := m(path, i)
		cs.enum(c.Result, cp+".result", "ROLLBACK", "FAIL", "RETRY", "SKIP")
		cs.listLen(len(c.Rules), c.Rules == nil, cp+".rules", 1, 5)
		for j := range c.Rules {
			r := &c.Rules[j]
			rp := m(cp+".rules", j)
			cs.required(r.Name == "", rp+".name")
			cs.str(r.Name, rp+".name", 1, 100, reName, patName)
			cs.required(r.RuleTypeID == nil, rp+".ruleTypeId")
			if t := r.RuleTypeID; t != nil {
				cs.required(t.Category == "", rp+".ruleTypeId.category")
				cs.enum(t.Category, rp+".ruleTypeId.category", "Rule")
				cs.enum(t.Owner, rp+".ruleTypeId.owner", "AWS")
				cs.required(t.Provider == "", rp+".ruleTypeId.provider")
				cs.str(t.Provider, rp+".ruleTypeId.provider", 1, 35, reProvider, patProvider)
				cs.str(t.Version, rp+".ruleTypeId.version", 0, 9, reProvider, patProvider)
			}
			if len(r.Configuration) > 200 {
				cs.add(fmt.Sprintf("{%d entries}", len(r.Configuration)), rp+".configuration", "Member must have length less than or equal to 200")
			}
			for _, k := range sortedKeys(r.Configuration) {
				cs.str(k, rp+".configuration.key", 1, 50, nil, "")
				cs.str(r.Configuration[k], rp+".configuration."+k, 1, 10000, nil, "")
			}
			checkCommands(cs, r.Commands, r.Commands == nil, rp+".commands")
			for k, in := range r.InputArtifacts {
				ip := m(rp+".inputArtifacts", k)
				cs.required(in.Name == "", ip+".name")
				cs.str(in.Name, ip+".name", 1, 100, reArtifactName, patArtifact)
			}
			cs.str(r.RoleArn, rp+".roleArn", 0, 1024, reRoleArn, patRoleArn)
			if r.Region != "" {
				cs.str(r.Region, rp+".region", 4, 30, nil, "")
			}
			cs.intRange(r.TimeoutInMinutes, rp+".timeoutInMinutes", 5, 86400)
		}
	}
}

func checkCommands(cs *constraints, cmds []string, isNil bool, path string) {
	cs.listLen(len(cmds), isNil, path, 1, 50)
	for i, c := range cmds {
		cs.str(c, m(path, i), 1, 1000, nil, "")
	}
}

func checkActionConstraints(cs *constraints, a *ActionDeclaration, ap string) {
	cs.required(a.Name == "", ap+".name")
	cs.str(a.Name, ap+".name", 1, 100, reName, patName)
	cs.required(a.ActionTypeID == nil, ap+".actionTypeId")
	if t := a.ActionTypeID; t != nil {
		tp := ap + ".actionTypeId"
		cs.required(t.Category == "", tp+".category")
		cs.enum(t.Category, tp+".category", "Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute")
		cs.required(t.Owner == "", tp+".owner")
		cs.enum(t.Owner, tp+".owner", "AWS", "ThirdParty", "Custom")
		cs.required(t.Provider == "", tp+".provider")
		cs.str(t.Provider, tp+".provider", 1, 35, reProvider, patProvider)
		cs.required(t.Version == "", tp+".version")
		cs.str(t.Version, tp+".version", 1, 9, reProvider, patProvider)
	}
	cs.intRange(a.RunOrder, ap+".runOrder", 1, 999)
	for _, k := range sortedKeys(a.Configuration) {
		cs.str(k, ap+".configuration.key", 1, 50, nil, "")
		cs.str(a.Configuration[k], ap+".configuration."+k, 1, 1000, nil, "")
	}
	checkCommands(cs, a.Commands, a.Commands == nil, ap+".commands")
	for k, o := range a.OutputArtifacts {
		op := m(ap+".outputArtifacts", k)
		cs.required(o.Name == "", op+".name")
		cs.str(o.Name, op+".name", 1, 100, reArtifactName, patArtifact)
		cs.listLen(len(o.Files), o.Files == nil, op+".files", 1, 10)
		for f, fn := range o.Files {
			cs.str(fn, m(op+".files", f), 1, 128, nil, "")
		}
	}
	for k, in := range a.InputArtifacts {
		ip := m(ap+".inputArtifacts", k)
		cs.required(in.Name == "", ip+".name")
		cs.str(in.Name, ip+".name", 1, 100, reArtifactName, patArtifact)
	}
	cs.listLen(len(a.OutputVariables), a.OutputVariables == nil, ap+".outputVariables", 1, 15)
	for k, v := range a.OutputVariables {
		cs.str(v, m(ap+".outputVariables", k), 1, 128, nil, "")
	}
	cs.str(a.RoleArn, ap+".roleArn", 0, 1024, reRoleArn, patRoleArn)
	if a.Region != "" {
		cs.str(a.Region, ap+".region", 4, 30, nil, "")
	}
	if a.Namespace != "" {
		cs.str(a.Namespace, ap+".namespace", 1, 100, reNamespace, patNamespace)
	}
	cs.intRange(a.TimeoutInMinutes, ap+".timeoutInMinutes", 5, 86400)
	cs.listLen(len(a.EnvironmentVariables), a.EnvironmentVariables == nil, ap+".environmentVariables", 1, 10)
	for k, ev := range a.EnvironmentVariables {
		ep := m(ap+".environmentVariables", k)
		cs.required(ev.Name == "", ep+".name")
		cs.str(ev.Name, ep+".name", 1, 128, reEnvName, "[A-Za-z0-9_]+")
		cs.required(ev.Value == "", ep+".value")
		cs.str(ev.Value, ep+".value", 1, 2000, nil, "")
		cs.enum(ev.Type, ep+".type", "PLAINTEXT", "SECRETS_MANAGER")
	}
}

func sortedKeys[V any](mp map[string]V) []string {
	keys := make([]string, 0, len(mp))
	for k := range mp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// --- structure ---

// declProblem is a structural problem and where it is.
type declProblem struct {
	code apierr.Code
	msg  string
	path string
}

func (p *declProblem) err() *apierr.Error {
	if p.path == "" {
		return p.code.New("%s", p.msg)
	}
	return p.code.New("%s [at %s]", p.msg, p.path)
}

func problem(code apierr.Code, path, format string, args ...any) *declProblem {
	return &declProblem{code: code, msg: fmt.Sprintf(format, args...), path: path}
}

// regionName is the region as AWS writes it in "not available in region"
// messages (US_EAST_1).
func regionName(r string) string { return strings.ToUpper(strings.ReplaceAll(r, "-", "_")) }

// validateDeclaration checks a declaration as CreatePipeline does; region is
// the pipeline's.
func validateDeclaration(d *PipelineDeclaration, reg *registry, region string) error {
	if cs := checkConstraints(d); len(cs) > 0 {
		return validationError(cs)
	}
	if p := checkStructure(d, reg, region); p != nil {
		return p.err()
	}
	return nil
}

// placed is an action with where it runs.
type placed struct {
	stage, index int
	a            *ActionDeclaration
	path         string
}

func checkStructure(d *PipelineDeclaration, reg *registry, region string) *declProblem {
	v2 := d.PipelineType == PipelineV2
	mode := d.ExecutionMode
	if mode == "" {
		mode = ModeSuperseded
	}
	// Artifact stores.
	switch {
	case d.ArtifactStore == nil && len(d.ArtifactStores) == 0:
		return problem(errInvalidStructure, "pipeline.artifactStore", "Pipeline must contain either an artifactStore or artifactStores")
	case d.ArtifactStore != nil && len(d.ArtifactStores) > 0:
		return problem(errInvalidStructure, "pipeline.artifactStores", "Pipeline cannot contain both artifactStore and artifactStores")
	case len(d.ArtifactStores) > 0:
		if _, ok := d.ArtifactStores[region]; !ok {
			return problem(errInvalidStructure, "pipeline.artifactStores", "Your pipeline must have an artifact store, such as an artifact bucket, for each region where you have an action. The following region is missing in 'pipeline.artifactStores': %s.", region)
		}
	}
	// V1 restrictions.
	if !v2 {
		if mode == ModeQueued || mode == ModeParallel {
			return problem(errInvalidStructure, "pipeline.executionMode", "QUEUED or PARALLEL mode can only be used with V2 pipelines")
		}
		if len(d.Variables) > 0 {
			return problem(errInvalidStructure, "pipeline.variables", "Pipeline variable can only be used with V2 pipelines")
		}
		if len(d.Triggers) > 0 {
			return problem(errInvalidStructure, "pipeline.triggers", "Triggers on tag can only be used with V2 pipelines")
		}
		for i, s := range d.Stages {
			if s.BeforeEntry != nil || s.OnSuccess != nil || s.OnFailure != nil {
				return problem(errInvalidStage, fmt.Sprintf("pipeline.stages[%d]", i), "Stage level conditions can only be used with V2 pipelines.")
			}
		}
	}
	// Stages.
	if n := len(d.Stages); n < 2 {
		return problem(errInvalidStructure, "pipeline.stages", "Pipeline has only %d stage(s). There should be a minimum of 2 stages in a pipeline", n)
	} else if n > maxStages {
		return problem(errInvalidStructure, "pipeline.stages", "Pipeline has too many stages. There can only be up to %d stages in a pipeline", maxStages)
	}
	stageNames := map[string]bool{}
	for i, s := range d.Stages {
		sp := fmt.Sprintf("pipeline.stages[%d]", i)
		if stageNames[s.Name] {
			return problem(errInvalidStage, sp+".name", "Stage name '%s' is used more than once", s.Name)
		}
		stageNames[s.Name] = true
		if len(s.Blockers) > 0 {
			return problem(errInvalidBlocker, sp+".blockers", "Stage '%s' declares blockers, which CodePipeline reserves for future use", s.Name)
		}
		if len(s.Actions) == 0 {
			return problem(errInvalidStage, sp+".actions", "Stage '%s' must contain at least one action", s.Name)
		}
		if len(s.Actions) > maxActions {
			return problem(errInvalidStage, sp+".actions", "Stage '%s' has too many actions. There can only be up to %d actions in a stage", s.Name, maxActions)
		}
		actionNames := map[string]bool{}
		for j, a := range s.Actions {
			if actionNames[a.Name] {
				return problem(errInvalidStage, fmt.Sprintf("%s.actions[%d].name", sp, j), "Action name '%s' is used more than once in stage '%s'", a.Name, s.Name)
			}
			actionNames[a.Name] = true
		}
	}
	// Source actions: all of the first stage, none elsewhere, and
	// something else to run.
	nonSource := false
	for i, s := range d.Stages {
		for j, a := range s.Actions {
			p := fmt.Sprintf("pipeline.stages[%d].actions[%d].actionTypeId.category", i, j)
			src := a.ActionTypeID.Category == "Source"
			if i == 0 && !src {
				return problem(errInvalidStructure, p, "Pipeline should start with a stage that only contains source actions")
			}
			if i > 0 && src {
				return problem(errInvalidStructure, p, "Source actions can only be included in the first stage of the pipeline")
			}
			nonSource = nonSource || !src
		}
	}
	if !nonSource {
		return problem(errInvalidStructure, "pipeline.stages", "Pipeline should contain at least 1 action whose category is not Source")
	}
	// Pipeline variables.
	varNames := map[string]bool{}
	for i, v := range d.Variables {
		if varNames[v.Name] {
			return problem(errInvalidStructure, fmt.Sprintf("pipeline.variables[%d].name", i), "Variable names must be unique. The following variable name is already in use: %s", v.Name)
		}
		varNames[v.Name] = true
	}
	// Output artifacts are unique across the pipeline; namespaces too.
	order := executionOrder(d)
	outputs := map[string]string{}
	namespaces := map[string]string{}
	for _, pa := range order {
		for k, o := range pa.a.OutputArtifacts {
			if prev, dup := outputs[o.Name]; dup {
				return problem(errInvalidStructure, fmt.Sprintf("%s.outputArtifacts[%d].name", pa.path, k), "Output artifact name '%s' in action '%s' is already used by action '%s'. Every output artifact in the pipeline must have a unique name", o.Name, pa.a.Name, prev)
			}
			outputs[o.Name] = pa.a.Name
		}
		if ns := pa.a.Namespace; ns != "" {
			if ns == nsPipeline || ns == nsVariables {
				return problem(errInvalidAction, pa.path+".namespace", "Namespace '%s' in action '%s' is reserved", ns, pa.a.Name)
			}
			if prev, dup := namespaces[ns]; dup {
				return problem(errInvalidAction, pa.path+".namespace", "Namespace '%s' in action '%s' is already used by action '%s'. Namespaces must be unique in a pipeline", ns, pa.a.Name, prev)
			}
			namespaces[ns] = pa.a.Name
		}
	}
	// Actions in the order they run: type, configuration, artifacts and
	// variable references against what ran before.
	produced := map[string]bool{}
	visible := map[string]bool{}
	for i := 0; i < len(order); {
		// One run-order group of one stage at a time: artifacts and
		// namespaces of the same group are not visible to each other.
		j := i
		for j < len(order) && order[j].stage == order[i].stage && order[j].a.runOrder() == order[i].a.runOrder() {
			j++
		}
		for _, pa := range order[i:j] {
			if p := checkAction(d, reg, region, pa, produced, visible, varNames, v2); p != nil {
				return p
			}
		}
		for _, pa := range order[i:j] {
			for _, o := range pa.a.OutputArtifacts {
				produced[o.Name] = true
			}
			if pa.a.Namespace != "" {
				visible[pa.a.Namespace] = true
			}
		}
		i = j
	}
	// Triggers.
	triggered := map[string]bool{}
	for i, t := range d.Triggers {
		tp := fmt.Sprintf("pipeline.triggers[%d].gitConfiguration", i)
		g := t.GitConfiguration
		var src *ActionDeclaration
		for k := range d.Stages[0].Actions {
			if a := &d.Stages[0].Actions[k]; a.Name == g.SourceActionName {
				src = a
			}
		}
		if src == nil || src.ActionTypeID.Provider != "CodeStarSourceConnection" {
			return problem(errInvalidStructure, tp+".sourceActionName", "Triggers for connections must reference a CodeStarSourceConnection action.")
		}
		if triggered[g.SourceActionName] {
			return problem(errInvalidStructure, tp+".sourceActionName", "Only one trigger configuration is allowed per source action. Source action '%s' has more than one", g.SourceActionName)
		}
		triggered[g.SourceActionName] = true
		if len(g.Push) == 0 && len(g.PullRequest) == 0 {
			return problem(errInvalidStructure, tp, "A trigger for source action '%s' must specify push or pull request filters", g.SourceActionName)
		}
		for j, f := range g.Push {
			fp := fmt.Sprintf("%s.push[%d]", tp, j)
			if f.Tags == nil && f.Branches == nil && f.FilePaths == nil {
				return problem(errInvalidStructure, fp, "A push filter must specify branches, file paths or tags")
			}
			if f.Tags != nil && (f.Branches != nil || f.FilePaths != nil) {
				return problem(errInvalidStructure, fp, "A push filter cannot specify tags together with branches or file paths")
			}
			if p := checkGlobs(fp, f.Tags, f.Branches, f.FilePaths); p != nil {
				return p
			}
		}
		for j, f := range g.PullRequest {
			fp := fmt.Sprintf("%s.pullRequest[%d]", tp, j)
			if p := checkGlobs(fp, nil, f.Branches, f.FilePaths); p != nil {
				return p
			}
		}
	}
	// Stage conditions.
	for i := range d.Stages {
		if p := checkStageConditions(d, reg, i, mode, varNames, namespacesThrough(d, i)); p != nil {
			return p
		}
	}
	return nil
}

func checkGlobs(path string, tags, branches, files *FilterCriteria) *declProblem {
	for _, c := range []struct {
		name string
		c    *FilterCriteria
	}{{"tags", tags}, {"branches", branches}, {"filePaths", files}} {
		if c.c == nil {
			continue
		}
		for _, pat := range append(append([]string{}, c.c.Includes...), c.c.Excludes...) {
			if !validGlob(pat) {
				return problem(errInvalidStructure, path+"."+c.name, "The glob pattern '%s' is not valid", pat)
			}
		}
	}
	return nil
}

// executionOrder lists the actions stage by stage, by run order (stable).
func executionOrder(d *PipelineDeclaration) []placed {
	var out []placed
	for i := range d.Stages {
		s := &d.Stages[i]
		var st []placed
		for j := range s.Actions {
			st = append(st, placed{stage: i, index: j, a: &s.Actions[j], path: fmt.Sprintf("pipeline.stages[%d].actions[%d]", i, j)})
		}
		sort.SliceStable(st, func(x, y int) bool { return st[x].a.runOrder() < st[y].a.runOrder() })
		out = append(out, st...)
	}
	return out
}

// namespacesThrough lists the action namespaces declared in stages 0..i.
func namespacesThrough(d *PipelineDeclaration, i int) map[string]bool {
	out := map[string]bool{}
	for k := 0; k <= i && k < len(d.Stages); k++ {
		for _, a := range d.Stages[k].Actions {
			if a.Namespace != "" {
				out[a.Namespace] = true
			}
		}
	}
	return out
}

func typeString(t *ActionTypeID) string {
	return fmt.Sprintf("(Category: '%s', Provider: '%s', Owner: '%s', Version: '%s')", t.Category, t.Provider, t.Owner, t.Version)
}

func checkAction(d *PipelineDeclaration, reg *registry, region string, pa placed, produced, visible, varNames map[string]bool, v2 bool) *declProblem {
	a := pa.a
	prov, ok := reg.action(a.ActionTypeID)
	if !ok {
		return problem(errInvalidAction, pa.path+".actionTypeId", "ActionType %s in action '%s' is not available in region '%s'", typeString(a.ActionTypeID), a.Name, regionName(region))
	}
	if a.Region != "" && a.Region != region {
		if d.ArtifactStore != nil {
			return problem(errInvalidStructure, pa.path+".region", "Your pipeline contains actions in more than one region. Use 'pipeline.artifactStores' instead of 'pipeline.artifactStore' to declare an artifact store, such as an artifact bucket, for each region where you have an action.")
		}
		if _, ok := d.ArtifactStores[a.Region]; !ok {
			return problem(errInvalidStructure, "pipeline.artifactStores", "Your pipeline must have an artifact store, such as an artifact bucket, for each region where you have an action. The following region is missing in 'pipeline.artifactStores': %s.", a.Region)
		}
	}
	spec := prov.Spec()
	known := map[string]bool{}
	for _, p := range spec.Properties {
		known[p.Name] = true
		if p.Required && a.Configuration[p.Name] == "" {
			return problem(errInvalidAction, pa.path+".configuration", "Action configuration for action '%s' is missing required configuration '%s'", a.Name, p.Name)
		}
	}
	for _, k := range sortedKeys(a.Configuration) {
		if !known[k] {
			return problem(errInvalidAction, pa.path+".configuration."+k, "Action configuration for action '%s' contains unknown configuration '%s'", a.Name, k)
		}
	}
	if n := len(a.InputArtifacts); n < spec.MinInputs {
		return problem(errInvalidAction, pa.path+".inputArtifacts", "Action %s declares %d input artifacts which is less than the minimum count (%d)", a.Name, n, spec.MinInputs)
	} else if n > spec.MaxInputs {
		return problem(errInvalidAction, pa.path+".inputArtifacts", "Action %s declares %d input artifacts which is greater than the maximum count (%d)", a.Name, n, spec.MaxInputs)
	}
	if n := len(a.OutputArtifacts); n < spec.MinOutputs {
		return problem(errInvalidAction, pa.path+".outputArtifacts", "Action %s declares %d output artifacts which is less than the minimum count (%d)", a.Name, n, spec.MinOutputs)
	} else if n > spec.MaxOutputs {
		return problem(errInvalidAction, pa.path+".outputArtifacts", "Action %s declares %d output artifacts which is greater than the maximum count (%d)", a.Name, n, spec.MaxOutputs)
	}
	compute := a.ActionTypeID.Category == "Compute"
	if len(a.Commands) > 0 && !compute {
		return problem(errInvalidAction, pa.path+".commands", "The following action cannot contain a commands field: %s. To use the commands field, use a compute action.", a.Name)
	}
	for k, o := range a.OutputArtifacts {
		if len(o.Files) > 0 && !compute {
			return problem(errInvalidAction, fmt.Sprintf("%s.outputArtifacts[%d].files", pa.path, k), "The following action cannot contain a files field in its output artifacts: %s. To use the files field, use a compute action.", a.Name)
		}
	}
	seenIn := map[string]bool{}
	for k, in := range a.InputArtifacts {
		ip := fmt.Sprintf("%s.inputArtifacts[%d].name", pa.path, k)
		if seenIn[in.Name] {
			return problem(errInvalidAction, ip, "Input artifact '%s' is declared more than once in action '%s'", in.Name, a.Name)
		}
		seenIn[in.Name] = true
		if !produced[in.Name] {
			return problem(errInvalidAction, ip, "Input Artifact Bundle %s in action %s is not declared as Output Artifact Bundle in any of the preceding actions", in.Name, a.Name)
		}
	}
	if len(a.OutputVariables) > 0 && !compute {
		return problem(errInvalidAction, pa.path+".outputVariables", "The following action cannot contain an outputVariables field: %s. To use the outputVariables field, use a compute action.", a.Name)
	}
	// Variable references.
	for _, k := range sortedKeys(a.Configuration) {
		if p := checkRefs(a.Configuration[k], pa.path+".configuration."+k, a.Name, visible, varNames, v2); p != nil {
			return p
		}
	}
	for k, ev := range a.EnvironmentVariables {
		if p := checkRefs(ev.Value, fmt.Sprintf("%s.environmentVariables[%d].value", pa.path, k), a.Name, visible, varNames, v2); p != nil {
			return p
		}
	}
	if cc, ok := prov.(ConfigChecker); ok {
		if err := cc.CheckConfig(a); err != nil {
			return problem(errInvalidAction, pa.path+".configuration", "%s", err.Error())
		}
	}
	return nil
}

// checkRefs checks the variable references in a value: the namespace must
// be codepipeline, variables (a declared pipeline variable, V2) or one
// declared by an action that runs before.
func checkRefs(val, path, action string, visible, varNames map[string]bool, v2 bool) *declProblem {
	for _, r := range varRefs(val) {
		switch {
		case r.Namespace == nsPipeline:
			if r.Key != "PipelineExecutionId" {
				return problem(errInvalidAction, path, "Action '%s' references variable '%s', but the codepipeline namespace only provides PipelineExecutionId", action, r.Text)
			}
		case r.Namespace == nsVariables:
			if !v2 || !varNames[r.Key] {
				return problem(errInvalidAction, path, "Action '%s' references pipeline variable '%s', which is not declared in the pipeline", action, r.Text)
			}
		case !reNamespace.MatchString(r.Namespace) || r.Key == "":
			return problem(errInvalidAction, path, "Action '%s' has an invalid variable reference '%s'", action, r.Text)
		case !visible[r.Namespace]:
			return problem(errInvalidAction, path, "Action '%s' references variable '%s' in namespace '%s', which is not declared by any action that runs before it", action, r.Text, r.Namespace)
		}
	}
	return nil
}

// condKind is one of a stage's condition sets, what results it allows and
// which namespaces its rules may reference.
type condKind struct {
	kind    string
	conds   []Condition
	path    string
	allowed []string
	ns      map[string]bool
}

func checkStageConditions(d *PipelineDeclaration, reg *registry, i int, mode string, varNames map[string]bool, nsIncl map[string]bool) *declProblem {
	s := &d.Stages[i]
	sp := fmt.Sprintf("pipeline.stages[%d]", i)
	nsBefore := namespacesThrough(d, i-1)
	var kinds []condKind
	if s.BeforeEntry != nil {
		kinds = append(kinds, condKind{condBeforeEntry, s.BeforeEntry.Conditions, sp + ".beforeEntry", []string{"FAIL", "SKIP"}, nsBefore})
	}
	if s.OnSuccess != nil {
		kinds = append(kinds, condKind{condOnSuccess, s.OnSuccess.Conditions, sp + ".onSuccess", []string{"ROLLBACK", "FAIL"}, nsIncl})
	}
	if f := s.OnFailure; f != nil {
		if f.Result != "" && len(f.Conditions) > 0 {
			return problem(errInvalidStage, sp+".onFailure", "The following stage cannot have a failure exit gate configured with both top level result and conditions: '%s'", s.Name)
		}
		switch f.Result {
		case "", "ROLLBACK", "RETRY":
		default:
			return problem(errInvalidStage, sp+".onFailure.result", "The result '%s' is not supported for failure conditions of stage '%s'. Supported results: ROLLBACK, RETRY", f.Result, s.Name)
		}
		if f.Result == "" && len(f.Conditions) == 0 {
			return problem(errInvalidStage, sp+".onFailure", "The failure conditions of stage '%s' must specify a result or conditions", s.Name)
		}
		if f.RetryConfiguration != nil && f.Result != "RETRY" {
			return problem(errInvalidStage, sp+".onFailure.retryConfiguration", "The failure conditions of stage '%s' can only specify a retryConfiguration with the RETRY result", s.Name)
		}
		kinds = append(kinds, condKind{condOnFailure, f.Conditions, sp + ".onFailure", []string{"ROLLBACK"}, nsIncl})
		rollback := f.Result == "ROLLBACK"
		for _, c := range f.Conditions {
			rollback = rollback || c.Result == "ROLLBACK"
		}
		if rollback && mode == ModeParallel {
			return problem(errInvalidStage, sp+".onFailure", "Failure conditions with rollback result type cannot be added to a PARALLEL pipeline.")
		}
		if rollback && i == 0 {
			return problem(errInvalidStage, sp+".onFailure", "The source stage '%s' cannot be rolled back", s.Name)
		}
	}
	if s.OnSuccess != nil && i == 0 {
		for _, c := range s.OnSuccess.Conditions {
			if c.Result == "ROLLBACK" {
				return problem(errInvalidStage, sp+".onSuccess", "The source stage '%s' cannot be rolled back", s.Name)
			}
		}
	}
	for _, k := range kinds {
		for ci, c := range k.conds {
			cp := fmt.Sprintf("%s.conditions[%d]", k.path, ci)
			if c.Result == "" {
				return problem(errInvalidStage, cp+".result", "A condition of stage '%s' must specify a result", s.Name)
			}
			ok := false
			for _, a := range k.allowed {
				ok = ok || c.Result == a
			}
			if !ok {
				return problem(errInvalidStage, cp+".result", "The result '%s' is not supported for %s conditions of stage '%s'. Supported results: %s", c.Result, strings.ToLower(strings.ReplaceAll(k.kind, "_", " ")), s.Name, strings.Join(k.allowed, ", "))
			}
			if c.Result == "ROLLBACK" && mode == ModeParallel {
				return problem(errInvalidStage, cp+".result", "Conditions with rollback result type cannot be added to a PARALLEL pipeline.")
			}
			if len(c.Rules) == 0 {
				return problem(errInvalidStage, cp+".rules", "A condition of stage '%s' must have at least one rule", s.Name)
			}
			names := map[string]bool{}
			for ri := range c.Rules {
				r := &c.Rules[ri]
				rp := fmt.Sprintf("%s.rules[%d]", cp, ri)
				if names[r.Name] {
					return problem(errInvalidStage, rp+".name", "Rule name '%s' is used more than once in a condition of stage '%s'", r.Name, s.Name)
				}
				names[r.Name] = true
				prov, ok := reg.rule(r.RuleTypeID)
				if !ok {
					t := r.RuleTypeID
					return problem(errInvalidStage, rp+".ruleTypeId", "RuleType (Category: '%s', Provider: '%s', Owner: '%s', Version: '%s') in rule '%s' is not available in region", t.Category, t.Provider, orDefault(t.Owner, "AWS"), orDefault(t.Version, "1"), r.Name)
				}
				if k.kind == condBeforeEntry && c.Result == "SKIP" && r.RuleTypeID.Provider != "VariableCheck" && r.RuleTypeID.Provider != "LambdaInvoke" {
					return problem(errInvalidStage, rp+".ruleTypeId", "Entry conditions with the SKIP result only support the LambdaInvoke and VariableCheck rules; rule '%s' uses %s", r.Name, r.RuleTypeID.Provider)
				}
				known := map[string]bool{}
				for _, p := range prov.Properties() {
					known[p.Name] = true
					if p.Required && r.Configuration[p.Name] == "" {
						return problem(errInvalidStage, rp+".configuration", "Rule configuration for rule '%s' is missing required configuration '%s'", r.Name, p.Name)
					}
				}
				for _, key := range sortedKeys(r.Configuration) {
					if !known[key] {
						return problem(errInvalidStage, rp+".configuration."+key, "Rule configuration for rule '%s' contains unknown configuration '%s'", r.Name, key)
					}
					if p := checkRefs(r.Configuration[key], rp+".configuration."+key, r.Name, k.ns, varNames, true); p != nil {
						p.code = errInvalidStage
						return p
					}
				}
				if r.RuleTypeID.Provider == "DeploymentWindow" {
					if _, err := parseCron(r.Configuration["Cron"]); err != nil && len(varRefs(r.Configuration["Cron"])) == 0 {
						return problem(errInvalidStage, rp+".configuration.Cron", "%s", err.Error())
					}
					if _, err := windowLocation(r.Configuration["TimeZone"]); err != nil {
						return problem(errInvalidStage, rp+".configuration.TimeZone", "%s", err.Error())
					}
				}
			}
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// normalize fills the defaults GetPipeline shows: runOrder 1, empty
// artifact lists, SUPERSEDED, V1.
func normalize(d *PipelineDeclaration) {
	if d.ExecutionMode == "" {
		d.ExecutionMode = ModeSuperseded
	}
	if d.PipelineType == "" {
		d.PipelineType = PipelineV1
	}
	for i := range d.Stages {
		for j := range d.Stages[i].Actions {
			a := &d.Stages[i].Actions[j]
			if a.RunOrder == nil {
				one := 1
				a.RunOrder = &one
			}
			if a.InputArtifacts == nil {
				a.InputArtifacts = []InputArtifact{}
			}
			if a.OutputArtifacts == nil {
				a.OutputArtifacts = []OutputArtifact{}
			}
		}
	}
}

// storeFor returns the artifact store of a region.
func storeFor(d *PipelineDeclaration, region string) (ArtifactStore, bool) {
	if d.ArtifactStore != nil {
		return *d.ArtifactStore, true
	}
	s, ok := d.ArtifactStores[region]
	return s, ok
}
