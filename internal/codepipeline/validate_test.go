package codepipeline

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// validBase is a valid V2 declaration each case breaks in one way.
const validBase = `{
  "name": "valid", "roleArn": "arn:aws:iam::123456789012:role/p",
  "artifactStore": {"type": "S3", "location": "bucket"}, "pipelineType": "V2",
  "variables": [{"name": "Env", "defaultValue": "dev"}],
  "triggers": [{"providerType": "CodeStarSourceConnection", "gitConfiguration": {"sourceActionName": "Conn", "push": [{"branches": {"includes": ["main"]}}]}}],
  "stages": [
    {"name": "Source", "actions": [
      {"name": "Source", "namespace": "SourceVariables",
       "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
       "configuration": {"RepositoryName": "repo", "BranchName": "main"}, "outputArtifacts": [{"name": "Src"}]},
      {"name": "Conn",
       "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"},
       "configuration": {"ConnectionArn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/x", "FullRepositoryId": "o/r", "BranchName": "main"},
       "outputArtifacts": [{"name": "Other"}]}]},
    {"name": "Build", "actions": [
      {"name": "Build", "namespace": "BuildVariables", "runOrder": 1,
       "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
       "configuration": {"ProjectName": "p", "EnvironmentVariables": "[{\"name\":\"C\",\"value\":\"#{SourceVariables.CommitId}\"}]"},
       "inputArtifacts": [{"name": "Src"}], "outputArtifacts": [{"name": "Out"}]},
      {"name": "Test", "runOrder": 2,
       "actionTypeId": {"category": "Test", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
       "configuration": {"ProjectName": "t", "EnvironmentVariables": "[{\"name\":\"V\",\"value\":\"#{BuildVariables.X}-#{variables.Env}-#{codepipeline.PipelineExecutionId}\"}]"},
       "inputArtifacts": [{"name": "Out"}]}],
     "onFailure": {"result": "RETRY"}},
    {"name": "Deploy", "actions": [
      {"name": "Deploy",
       "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1"},
       "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "s", "TemplatePath": "Out::t.yaml"},
       "inputArtifacts": [{"name": "Out"}]}],
     "beforeEntry": {"conditions": [{"result": "FAIL", "rules": [{"name": "Win", "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "DeploymentWindow", "version": "1"}, "configuration": {"Cron": "* * 9-17 ? * MON-FRI *", "TimeZone": "Europe/Paris"}}]}]},
     "onSuccess": {"conditions": [{"result": "ROLLBACK", "rules": [{"name": "Alarm", "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "CloudWatchAlarm", "version": "1"}, "configuration": {"AlarmName": "errors", "WaitTime": "5"}}]}]}}
  ]
}`

type mutation func(d *PipelineDeclaration)

func act(d *PipelineDeclaration, s, a int) *ActionDeclaration { return &d.Stages[s].Actions[a] }

func TestValidateDeclaration(t *testing.T) {
	reg := newRegistry(nil)
	cases := []struct {
		name   string
		mutate mutation
		code   string
		msg    string // substring
		path   string // substring of the path (structural errors)
	}{
		{"valid", func(d *PipelineDeclaration) {}, "", "", ""},
		{"bad name", func(d *PipelineDeclaration) { d.Name = "has space" }, "ValidationException", "Value 'has space' at 'pipeline.name' failed to satisfy constraint: Member must satisfy regular expression pattern", ""},
		{"missing role", func(d *PipelineDeclaration) { d.RoleArn = "" }, "ValidationException", "Value null at 'pipeline.roleArn'", ""},
		{"bad role", func(d *PipelineDeclaration) { d.RoleArn = "arn:aws:iam::1:user/x" }, "ValidationException", "at 'pipeline.roleArn'", ""},
		{"two constraint errors", func(d *PipelineDeclaration) { d.Name = ""; d.ExecutionMode = "FAST" }, "ValidationException", "2 validation errors detected", ""},
		{"bad store location", func(d *PipelineDeclaration) { d.ArtifactStore.Location = "a b" }, "ValidationException", "pipeline.artifactStore.location", ""},
		{"bad runOrder 0", func(d *PipelineDeclaration) { z := 0; act(d, 1, 0).RunOrder = &z }, "ValidationException", "Value '0' at 'pipeline.stages.2.member.actions.1.member.runOrder' failed to satisfy constraint: Member must have value greater than or equal to 1", ""},
		{"bad runOrder 1000", func(d *PipelineDeclaration) { z := 1000; act(d, 1, 0).RunOrder = &z }, "ValidationException", "Member must have value less than or equal to 999", ""},
		{"bad category", func(d *PipelineDeclaration) { act(d, 1, 0).ActionTypeID.Category = "Compile" }, "ValidationException", "Member must satisfy enum value set: [Source, Build, Deploy, Test, Invoke, Approval, Compute]", ""},
		{"bad timeout", func(d *PipelineDeclaration) { z := 1; act(d, 1, 0).TimeoutInMinutes = &z }, "ValidationException", "timeoutInMinutes", ""},
		{"config value too long", func(d *PipelineDeclaration) { act(d, 1, 0).Configuration["ProjectName"] = strings.Repeat("p", 1001) }, "ValidationException", "Member must have length less than or equal to 1000", ""},
		{"too many push filters", func(d *PipelineDeclaration) {
			g := d.Triggers[0].GitConfiguration
			g.Push = append(g.Push, g.Push[0], g.Push[0], g.Push[0])
		}, "ValidationException", "pipeline.triggers.1.member.gitConfiguration.push", ""},
		{"too many patterns", func(d *PipelineDeclaration) {
			d.Triggers[0].GitConfiguration.Push[0].Branches.Includes = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}
		}, "ValidationException", "Member must have length less than or equal to 8", ""},
		{"no artifact store", func(d *PipelineDeclaration) { d.ArtifactStore = nil }, "InvalidStructureException", "either an artifactStore or artifactStores", "pipeline.artifactStore"},
		{"both artifact stores", func(d *PipelineDeclaration) {
			d.ArtifactStores = map[string]ArtifactStore{"us-east-1": {Type: "S3", Location: "bucket2"}}
		}, "InvalidStructureException", "cannot contain both", ""},
		{"stores miss the region", func(d *PipelineDeclaration) {
			d.ArtifactStores = map[string]ArtifactStore{"eu-west-1": {Type: "S3", Location: "bucket2"}}
			d.ArtifactStore = nil
		}, "InvalidStructureException", "The following region is missing in 'pipeline.artifactStores': us-east-1", ""},
		{"one stage", func(d *PipelineDeclaration) { d.Stages = d.Stages[:1] }, "InvalidStructureException", "Pipeline has only 1 stage(s). There should be a minimum of 2 stages in a pipeline", "pipeline.stages"},
		{"duplicate stage", func(d *PipelineDeclaration) { d.Stages[2].Name = "Build" }, "InvalidStageDeclarationException", "Stage name 'Build' is used more than once", "pipeline.stages[2].name"},
		{"empty stage", func(d *PipelineDeclaration) { d.Stages[2].Actions = []ActionDeclaration{} }, "InvalidStageDeclarationException", "must contain at least one action", "pipeline.stages[2].actions"},
		{"too many actions", func(d *PipelineDeclaration) {
			var as []ActionDeclaration
			for i := 0; i < 51; i++ {
				a := d.Stages[2].Actions[0]
				a.Name = "D" + strings.Repeat("x", i)
				as = append(as, a)
			}
			d.Stages[2].Actions = as
		}, "InvalidStageDeclarationException", "too many actions", "pipeline.stages[2].actions"},
		{"duplicate action", func(d *PipelineDeclaration) { act(d, 1, 1).Name = "Build" }, "InvalidStageDeclarationException", "Action name 'Build' is used more than once in stage 'Build'", "pipeline.stages[1].actions[1].name"},
		{"blockers", func(d *PipelineDeclaration) {
			d.Stages[1].Blockers = []BlockerDeclaration{{Name: "b", Type: "Schedule"}}
		}, "InvalidBlockerDeclarationException", "reserves for future use", "pipeline.stages[1].blockers"},
		{"non-source in first stage", func(d *PipelineDeclaration) {
			d.Stages[0].Actions = append(d.Stages[0].Actions, d.Stages[1].Actions[0])
		}, "InvalidStructureException", "Pipeline should start with a stage that only contains source actions", "pipeline.stages[0].actions[2].actionTypeId.category"},
		{"source outside the first stage", func(d *PipelineDeclaration) {
			a := d.Stages[0].Actions[0]
			a.Name = "Late"
			a.OutputArtifacts = []OutputArtifact{{Name: "Late"}}
			d.Stages[2].Actions = append(d.Stages[2].Actions, a)
		}, "InvalidStructureException", "Source actions can only be included in the first stage of the pipeline", "pipeline.stages[2].actions[1]"},
		{"only sources", func(d *PipelineDeclaration) {
			a := d.Stages[0].Actions[0]
			d.Stages = []StageDeclaration{d.Stages[0], {Name: "S2", Actions: []ActionDeclaration{a}}}
		}, "InvalidStructureException", "", ""},
		{"unknown provider", func(d *PipelineDeclaration) { act(d, 1, 0).ActionTypeID.Provider = "Jenkins" }, "InvalidActionDeclarationException",
			"ActionType (Category: 'Build', Provider: 'Jenkins', Owner: 'AWS', Version: '1') in action 'Build' is not available in region 'US_EAST_1'", "pipeline.stages[1].actions[0].actionTypeId"},
		{"wrong category for provider", func(d *PipelineDeclaration) { act(d, 2, 0).ActionTypeID.Category = "Build" }, "InvalidActionDeclarationException", "is not available in region", ""},
		{"missing required config", func(d *PipelineDeclaration) { delete(act(d, 0, 0).Configuration, "BranchName") }, "InvalidActionDeclarationException",
			"Action configuration for action 'Source' is missing required configuration 'BranchName'", "pipeline.stages[0].actions[0].configuration"},
		{"unknown config", func(d *PipelineDeclaration) { act(d, 1, 0).Configuration["Colour"] = "blue" }, "InvalidActionDeclarationException",
			"contains unknown configuration 'Colour'", "configuration.Colour"},
		{"too few inputs", func(d *PipelineDeclaration) { act(d, 1, 1).InputArtifacts = nil }, "InvalidActionDeclarationException",
			"Action Test declares 0 input artifacts which is less than the minimum count (1)", "pipeline.stages[1].actions[1].inputArtifacts"},
		{"source without output", func(d *PipelineDeclaration) { act(d, 0, 1).OutputArtifacts = nil }, "InvalidActionDeclarationException",
			"declares 0 output artifacts which is less than the minimum count (1)", ""},
		{"dangling input", func(d *PipelineDeclaration) { act(d, 2, 0).InputArtifacts = []InputArtifact{{Name: "Nope"}} }, "InvalidActionDeclarationException",
			"Input Artifact Bundle Nope in action Deploy is not declared as Output Artifact Bundle in any of the preceding actions", "pipeline.stages[2].actions[0].inputArtifacts[0].name"},
		{"input from a parallel action", func(d *PipelineDeclaration) { one := 1; act(d, 1, 1).RunOrder = &one }, "InvalidActionDeclarationException",
			"Input Artifact Bundle Out in action Test", "pipeline.stages[1].actions[1].inputArtifacts[0].name"},
		{"duplicate output", func(d *PipelineDeclaration) { act(d, 0, 1).OutputArtifacts[0].Name = "Src" }, "InvalidStructureException",
			"Output artifact name 'Src' in action 'Conn' is already used by action 'Source'", "pipeline.stages[0].actions[1].outputArtifacts[0].name"},
		{"duplicate namespace", func(d *PipelineDeclaration) { act(d, 1, 0).Namespace = "SourceVariables" }, "InvalidActionDeclarationException", "Namespace 'SourceVariables'", "pipeline.stages[1].actions[0].namespace"},
		{"reserved namespace", func(d *PipelineDeclaration) { act(d, 1, 0).Namespace = "codepipeline" }, "InvalidActionDeclarationException", "is reserved", ""},
		{"missing namespace", func(d *PipelineDeclaration) {
			act(d, 2, 0).Configuration["StackName"] = "s-#{DeployVars.X}"
		}, "InvalidActionDeclarationException", "references variable '#{DeployVars.X}' in namespace 'DeployVars', which is not declared by any action that runs before it", "pipeline.stages[2].actions[0].configuration.StackName"},
		{"namespace of a later action", func(d *PipelineDeclaration) {
			act(d, 1, 0).Configuration["ProjectName"] = "#{BuildVariables.X}"
		}, "InvalidActionDeclarationException", "not declared by any action that runs before it", "pipeline.stages[1].actions[0].configuration.ProjectName"},
		{"undeclared pipeline variable", func(d *PipelineDeclaration) { act(d, 1, 0).Configuration["ProjectName"] = "#{variables.Nope}" }, "InvalidActionDeclarationException", "which is not declared in the pipeline", ""},
		{"bad codepipeline variable", func(d *PipelineDeclaration) { act(d, 1, 0).Configuration["ProjectName"] = "#{codepipeline.Foo}" }, "InvalidActionDeclarationException", "only provides PipelineExecutionId", ""},
		{"commands on a build action", func(d *PipelineDeclaration) { act(d, 1, 0).Commands = []string{"make"} }, "InvalidActionDeclarationException", "cannot contain a commands field: Build", ""},
		{"bad env JSON", func(d *PipelineDeclaration) { act(d, 1, 0).Configuration["EnvironmentVariables"] = "{" }, "InvalidActionDeclarationException", "EnvironmentVariables must be a JSON list", ""},
		{"bad env type", func(d *PipelineDeclaration) {
			act(d, 1, 0).Configuration["EnvironmentVariables"] = `[{"name":"A","value":"b","type":"VAULT"}]`
		}, "InvalidActionDeclarationException", "valid types are PLAINTEXT, PARAMETER_STORE and SECRETS_MANAGER", ""},
		{"bad action mode", func(d *PipelineDeclaration) { act(d, 2, 0).Configuration["ActionMode"] = "UPSERT" }, "InvalidActionDeclarationException", "invalid ActionMode 'UPSERT'", ""},
		{"template from a non-input", func(d *PipelineDeclaration) { act(d, 2, 0).Configuration["TemplatePath"] = "Src::t.yaml" }, "InvalidActionDeclarationException", "is not an input artifact of the action", ""},
		{"bad output format", func(d *PipelineDeclaration) { act(d, 0, 0).Configuration["OutputArtifactFormat"] = "TAR" }, "InvalidActionDeclarationException", "invalid OutputArtifactFormat", ""},
		{"V1 with variables", func(d *PipelineDeclaration) { d.PipelineType = "V1"; d.Triggers = nil; d.Stages[1].OnFailure = nil }, "InvalidStructureException", "Pipeline variable can only be used with V2 pipelines", "pipeline.variables"},
		{"V1 queued", func(d *PipelineDeclaration) { d.PipelineType = ""; d.ExecutionMode = "QUEUED" }, "InvalidStructureException", "QUEUED or PARALLEL mode can only be used with V2 pipelines", ""},
		{"V1 conditions", func(d *PipelineDeclaration) { d.PipelineType = "V1"; d.Variables = nil; d.Triggers = nil }, "InvalidStageDeclarationException", "Stage level conditions can only be used with V2 pipelines.", "pipeline.stages[1]"},
		{"duplicate variable", func(d *PipelineDeclaration) { d.Variables = append(d.Variables, d.Variables[0]) }, "InvalidStructureException", "The following variable name is already in use: Env", "pipeline.variables[1].name"},
		{"trigger on CodeCommit", func(d *PipelineDeclaration) { d.Triggers[0].GitConfiguration.SourceActionName = "Source" }, "InvalidStructureException", "Triggers for connections must reference a CodeStarSourceConnection action.", ""},
		{"trigger on missing action", func(d *PipelineDeclaration) { d.Triggers[0].GitConfiguration.SourceActionName = "Ghost" }, "InvalidStructureException", "must reference a CodeStarSourceConnection action", ""},
		{"two triggers for one action", func(d *PipelineDeclaration) { d.Triggers = append(d.Triggers, d.Triggers[0]) }, "InvalidStructureException", "Only one trigger configuration is allowed per source action", "pipeline.triggers[1]"},
		{"tags with branches", func(d *PipelineDeclaration) {
			d.Triggers[0].GitConfiguration.Push[0].Tags = &FilterCriteria{Includes: []string{"v*"}}
		}, "InvalidStructureException", "cannot specify tags together with branches", ""},
		{"bad glob", func(d *PipelineDeclaration) {
			d.Triggers[0].GitConfiguration.Push[0].Branches.Includes = []string{"{a,b"}
		}, "InvalidStructureException", "The glob pattern '{a,b' is not valid", ""},
		{"result and conditions", func(d *PipelineDeclaration) {
			d.Stages[1].OnFailure.Conditions = d.Stages[2].OnSuccess.Conditions
		}, "InvalidStageDeclarationException", "cannot have a failure exit gate configured with both top level result and conditions: 'Build'", ""},
		{"rollback in PARALLEL", func(d *PipelineDeclaration) { d.ExecutionMode = "PARALLEL" }, "InvalidStageDeclarationException", "rollback result type cannot be added to a PARALLEL pipeline", ""},
		{"entry ROLLBACK", func(d *PipelineDeclaration) { d.Stages[2].BeforeEntry.Conditions[0].Result = "ROLLBACK" }, "InvalidStageDeclarationException", "is not supported for before entry conditions", "beforeEntry.conditions[0].result"},
		{"SKIP with a window rule", func(d *PipelineDeclaration) { d.Stages[2].BeforeEntry.Conditions[0].Result = "SKIP" }, "InvalidStageDeclarationException", "only support the LambdaInvoke and VariableCheck rules", ""},
		{"unknown rule", func(d *PipelineDeclaration) {
			d.Stages[2].OnSuccess.Conditions[0].Rules[0].RuleTypeID.Provider = "Magic"
		}, "InvalidStageDeclarationException", "RuleType (Category: 'Rule', Provider: 'Magic'", ""},
		{"rule missing config", func(d *PipelineDeclaration) {
			delete(d.Stages[2].OnSuccess.Conditions[0].Rules[0].Configuration, "AlarmName")
		}, "InvalidStageDeclarationException", "missing required configuration 'AlarmName'", ""},
		{"bad cron", func(d *PipelineDeclaration) {
			d.Stages[2].BeforeEntry.Conditions[0].Rules[0].Configuration["Cron"] = "every day"
		}, "InvalidStageDeclarationException", "invalid Cron", "configuration.Cron"},
		{"bad time zone", func(d *PipelineDeclaration) {
			d.Stages[2].BeforeEntry.Conditions[0].Rules[0].Configuration["TimeZone"] = "Mars/Olympus"
		}, "InvalidStageDeclarationException", "invalid TimeZone", ""},
		{"rule references a later namespace", func(d *PipelineDeclaration) {
			d.Stages[1].BeforeEntry = &BeforeEntryConditions{Conditions: []Condition{{Result: "FAIL", Rules: []RuleDeclaration{{Name: "V",
				RuleTypeID: &RuleTypeID{Category: "Rule", Provider: "VariableCheck"}, Configuration: map[string]string{"Variable": "#{BuildVariables.X}", "Value": "1", "Operator": "EQ"}}}}}}
		}, "InvalidStageDeclarationException", "not declared by any action that runs before it", ""},
		{"rollback the source stage", func(d *PipelineDeclaration) { d.Stages[0].OnFailure = &FailureConditions{Result: "ROLLBACK"} }, "InvalidStageDeclarationException", "cannot be rolled back", ""},
		{"action in another region", func(d *PipelineDeclaration) { act(d, 1, 0).Region = "eu-west-1" }, "InvalidStructureException", "Your pipeline contains actions in more than one region", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d PipelineDeclaration
			if err := json.Unmarshal([]byte(validBase), &d); err != nil {
				t.Fatal(err)
			}
			c.mutate(&d)
			err := validateDeclaration(&d, reg, "us-east-1")
			if c.code == "" {
				if err != nil {
					t.Fatalf("valid declaration rejected: %v", err)
				}
				return
			}
			ae, ok := apierr.As(err)
			if !ok {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if ae.Code.Name != c.code || !strings.Contains(ae.Message, c.msg) {
				t.Fatalf("got %s: %s\nwant %s: …%s…", ae.Code.Name, ae.Message, c.code, c.msg)
			}
			if c.path != "" && !strings.Contains(ae.Message, c.path) {
				t.Fatalf("message %q does not name the path %q", ae.Message, c.path)
			}
		})
	}
}

func TestVariableResolution(t *testing.T) {
	s := &scope{executionID: "e-1", pipeline: map[string]string{"Env": "prod", "Empty": ""},
		actions: map[string]map[string]string{"SourceVariables": {"CommitId": "abc", "BranchName": "main"}, "Build": {"VERSION": "1.2"}}}
	cases := []struct {
		in, want, err string
	}{
		{"plain", "plain", ""},
		{"#{SourceVariables.CommitId}", "abc", ""},
		{"v#{Build.VERSION}-#{SourceVariables.BranchName}", "v1.2-main", ""},
		{"#{codepipeline.PipelineExecutionId}", "e-1", ""},
		{"#{variables.Env}/#{variables.Empty}x", "prod/x", ""},
		{"#{Build.MISSING}", "", "Unable to resolve variable #{Build.MISSING}"},
		{"#{Nope.X}", "", "Unable to resolve variable #{Nope.X}"},
		{"#{codepipeline.Other}", "", "Unable to resolve"},
		{"#{no-dot}", "#{no-dot}", ""},
		{"{SourceVariables.CommitId}", "{SourceVariables.CommitId}", ""},
	}
	for _, c := range cases {
		got, err := s.resolve(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	d := &PipelineDeclaration{Variables: []PipelineVariableDeclaration{{Name: "A", DefaultValue: "a"}, {Name: "B"}}}
	if _, err := pipelineVariables(d, nil); err == nil {
		t.Error("a variable without default and value was accepted")
	}
	vs, err := pipelineVariables(d, map[string]string{"B": "b", "A": "x"})
	if err != nil || vs[0].Value != "x" || vs[1].Value != "b" {
		t.Errorf("overrides: %v %v", vs, err)
	}
	if _, err := pipelineVariables(d, map[string]string{"B": "b", "C": "c"}); err == nil {
		t.Error("an undeclared variable was accepted")
	}
}

func TestCron(t *testing.T) {
	mustParse := func(s string) *cronExpr {
		c, err := parseCron(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return c
	}
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct {
		cron, at string
		want     bool
	}{
		{"* * 9-17 ? * MON-FRI *", "2024-06-03T10:30:00Z", true}, // Monday
		{"* * 9-17 ? * MON-FRI *", "2024-06-03T18:00:00Z", false},
		{"* * 9-17 ? * MON-FRI *", "2024-06-01T10:00:00Z", false}, // Saturday
		{"* 0/15 * ? * * *", "2024-06-01T10:45:00Z", true},
		{"* 0/15 * ? * * *", "2024-06-01T10:46:00Z", false},
		{"* * * L * ? *", "2024-02-29T00:00:00Z", true},
		{"* * * L * ? *", "2024-02-28T00:00:00Z", false},
		{"* * * ? * 6L *", "2024-06-28T12:00:00Z", true}, // last Friday of June 2024
		{"* * * ? * 6L *", "2024-06-21T12:00:00Z", false},
		{"* * * ? * 2#1 *", "2024-06-03T12:00:00Z", true}, // first Monday
		{"* * * ? * 2#1 *", "2024-06-10T12:00:00Z", false},
		{"* * * 15W * ? *", "2024-06-14T12:00:00Z", true}, // the 15th is a Saturday
		{"* * * ? JAN-MAR * 2024", "2024-02-10T12:00:00Z", true},
		{"* * * ? JAN-MAR * 2025", "2024-02-10T12:00:00Z", false},
	}
	for _, c := range cases {
		if got := mustParse(c.cron).matches(at(c.at)); got != c.want {
			t.Errorf("%q at %s = %v, want %v", c.cron, c.at, got, c.want)
		}
	}
	for _, bad := range []string{"", "* * *", "5 * * ? * * *", "* 61 * ? * * *", "* * * ? * 8 *", "* * * ? * MON#9 *"} {
		if _, err := parseCron(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	c := mustParse("* 30 9 ? * MON-FRI *")
	next, ok := c.next(at("2024-06-01T10:00:00Z"), at("2024-06-10T00:00:00Z"))
	if !ok || next.Format("2006-01-02T15:04") != "2024-06-03T09:30" {
		t.Errorf("next = %v %v", next, ok)
	}
}

// FuzzValidate: no declaration makes the validator (or normalize) panic.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(validBase))
	f.Add([]byte(`{"name":"x","stages":[{"name":"a","actions":[{"name":"b"}]}]}`))
	f.Add([]byte(`{"name":"x","roleArn":"arn:aws:iam::123456789012:role/p","artifactStore":{"type":"S3","location":"bbb"},"stages":[{"name":"a","actions":[{"name":"b","actionTypeId":{"category":"Source","owner":"AWS","provider":"S3","version":"1"},"outputArtifacts":[{"name":"o"}],"configuration":{"S3Bucket":"#{","S3ObjectKey":"#{a.}"}}]},{"name":"c","actions":[{"name":"d","actionTypeId":{"category":"Approval","owner":"AWS","provider":"Manual","version":"1"}}],"beforeEntry":{"conditions":[{"result":"SKIP","rules":[{"name":"r","ruleTypeId":{"category":"Rule","provider":"DeploymentWindow"},"configuration":{"Cron":"* * * L-3 * ? *"}}]}]}}]}`))
	reg := newRegistry(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		var d PipelineDeclaration
		if json.Unmarshal(data, &d) != nil {
			return
		}
		if validateDeclaration(&d, reg, "us-east-1") == nil {
			normalize(&d)
			if err := validateDeclaration(&d, reg, "us-east-1"); err != nil {
				t.Fatalf("a valid declaration is invalid once normalized: %v", err)
			}
		}
	})
}
