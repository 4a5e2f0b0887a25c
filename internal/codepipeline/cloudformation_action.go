package codepipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The CloudFormation deploy action: CREATE_UPDATE, DELETE_ONLY,
// REPLACE_ON_FAILURE, CHANGE_SET_REPLACE and CHANGE_SET_EXECUTE, with
// TemplatePath and TemplateConfiguration read from input artifacts,
// ParameterOverrides (with Fn::GetArtifactAtt and Fn::GetParam), and the
// stack's outputs as output variables and, with OutputFileName, as a JSON
// file in the output artifact.

type cloudFormationAction struct{}

var _ Resumer = (*cloudFormationAction)(nil)

func (*cloudFormationAction) Type() ActionTypeID {
	return ActionTypeID{Category: "Deploy", Owner: "AWS", Provider: "CloudFormation", Version: "1"}
}

func (*cloudFormationAction) Spec() ActionSpec {
	return ActionSpec{
		Properties: []ConfigProperty{
			{Name: "ActionMode", Required: true, Description: "CREATE_UPDATE, DELETE_ONLY, REPLACE_ON_FAILURE, CHANGE_SET_REPLACE or CHANGE_SET_EXECUTE", Type: "String"},
			{Name: "StackName", Required: true, Key: true, Description: "The stack", Type: "String"},
			{Name: "Capabilities", Description: "Comma-separated capabilities", Type: "String"},
			{Name: "ChangeSetName", Description: "The change set (change set modes)", Type: "String"},
			{Name: "OutputFileName", Description: "A file in the output artifact receiving the stack outputs as JSON", Type: "String"},
			{Name: "ParameterOverrides", Description: "JSON object of parameter values", Type: "String"},
			{Name: "RoleArn", Description: "The stack's service role", Type: "String"},
			{Name: "TemplatePath", Description: "ArtifactName::TemplateFile", Type: "String"},
			{Name: "TemplateConfiguration", Description: "ArtifactName::ConfigurationFile", Type: "String"},
		},
		MinInputs: 0, MaxInputs: 10, MinOutputs: 0, MaxOutputs: 1,
		EntityURLTemplate: "https://{Region}.console.aws.amazon.com/cloudformation/home?region={Region}#/stacks?filter={Config:StackName}",
		Description:       "AWS CloudFormation deployment",
	}
}

func (*cloudFormationAction) CheckConfig(a *ActionDeclaration) error {
	cfg := a.Configuration
	mode := cfg["ActionMode"]
	switch mode {
	case "CREATE_UPDATE", "REPLACE_ON_FAILURE", "CHANGE_SET_REPLACE":
		if cfg["TemplatePath"] == "" {
			return fmt.Errorf("Action configuration for action '%s' is missing required configuration 'TemplatePath' for ActionMode %s", a.Name, mode)
		}
	case "DELETE_ONLY", "CHANGE_SET_EXECUTE":
	default:
		if len(varRefs(mode)) == 0 {
			return fmt.Errorf("Action configuration for action '%s' has an invalid ActionMode '%s'. Valid values: CHANGE_SET_EXECUTE, CHANGE_SET_REPLACE, CREATE_UPDATE, DELETE_ONLY, REPLACE_ON_FAILURE", a.Name, mode)
		}
	}
	if (mode == "CHANGE_SET_REPLACE" || mode == "CHANGE_SET_EXECUTE") && cfg["ChangeSetName"] == "" {
		return fmt.Errorf("Action configuration for action '%s' is missing required configuration 'ChangeSetName' for ActionMode %s", a.Name, mode)
	}
	for _, k := range []string{"TemplatePath", "TemplateConfiguration"} {
		v := cfg[k]
		if v == "" || len(varRefs(v)) > 0 {
			continue
		}
		art, file, ok := strings.Cut(v, "::")
		if !ok || art == "" || file == "" {
			return fmt.Errorf("Action configuration for action '%s' has an invalid %s '%s': use ArtifactName::FileName", a.Name, k, v)
		}
		found := false
		for _, in := range a.InputArtifacts {
			found = found || in.Name == art
		}
		if !found {
			return fmt.Errorf("Action configuration for action '%s': %s refers to artifact '%s', which is not an input artifact of the action", a.Name, k, art)
		}
	}
	if v := cfg["ParameterOverrides"]; v != "" && len(varRefs(v)) == 0 {
		var m map[string]any
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return fmt.Errorf("Action configuration for action '%s' has invalid ParameterOverrides: it must be a JSON object", a.Name)
		}
	}
	if cfg["OutputFileName"] != "" && len(a.OutputArtifacts) == 0 {
		return fmt.Errorf("Action '%s' sets OutputFileName but declares no output artifact", a.Name)
	}
	return nil
}

type cfnState struct {
	StackID string `json:"stackId,omitempty"`
	Op      string `json:"op,omitempty"` // create, update, delete, changeset, execute, noop
	Done    bool   `json:"done,omitempty"`
}

func stackURL(region, id string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudformation/home?region=%s#/stacks/stackinfo?stackId=%s", region, region, id)
}

// failedStatus reports a stack status a CREATE_UPDATE cannot update from
// (REPLACE_ON_FAILURE deletes and recreates it).
func failedStatus(s string) bool {
	switch s {
	case "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED":
		return true
	}
	return false
}

func (p *cloudFormationAction) Run(ctx context.Context, job *Job) (*Outcome, error) {
	if job.Deps.Stacks == nil {
		return nil, errNoService("CloudFormation")
	}
	cfg := job.Config
	stacks := job.Deps.Stacks
	name := cfg["StackName"]
	mode := cfg["ActionMode"]
	cur, err := stacks.DescribeStack(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if errors.Is(err, ErrNotFound) {
		cur = nil
	}
	fail := func(format string, args ...any) (*Outcome, error) {
		return &Outcome{Failed: true, ErrorCode: "JobFailed", ErrorMessage: fmt.Sprintf(format, args...)}, nil
	}
	switch mode {
	case "DELETE_ONLY":
		if cur == nil {
			return &Outcome{Summary: "Stack " + name + " does not exist; nothing to delete"}, nil
		}
		if err := job.Save(cfnState{StackID: cur.ID, Op: "delete"}); err != nil {
			return nil, err
		}
		job.Report(Progress{ExternalID: cur.ID, ExternalURL: stackURL(job.Region, cur.ID)})
		if err := stacks.DeleteStack(ctx, cur.ID); err != nil {
			return fail("Delete of stack %s failed: %v", name, err)
		}
		return p.finish(ctx, job, cur.ID, "delete")
	case "CHANGE_SET_EXECUTE":
		cs := cfg["ChangeSetName"]
		if _, err := stacks.DescribeChangeSet(ctx, name, cs); err != nil {
			return fail("Change set %s of stack %s does not exist: %v", cs, name, err)
		}
		id := name
		if cur != nil {
			id = cur.ID
		}
		if err := job.Save(cfnState{StackID: id, Op: "execute"}); err != nil {
			return nil, err
		}
		if err := stacks.ExecuteChangeSet(ctx, name, cs); err != nil {
			return fail("Execution of change set %s failed: %v", cs, err)
		}
		if cur == nil {
			if st, err := stacks.DescribeStack(ctx, name); err == nil {
				id = st.ID
				job.Save(cfnState{StackID: id, Op: "execute"})
			}
		}
		job.Report(Progress{ExternalID: id, ExternalURL: stackURL(job.Region, id)})
		return p.finish(ctx, job, id, "execute")
	}
	in, err := p.stackInput(ctx, job)
	if err != nil {
		return fail("%v", err)
	}
	switch mode {
	case "CHANGE_SET_REPLACE":
		cs := cfg["ChangeSetName"]
		typ := "UPDATE"
		if cur == nil || cur.Status == "REVIEW_IN_PROGRESS" {
			typ = "CREATE"
		}
		if cur != nil {
			stacks.DeleteChangeSet(ctx, name, cs)
		}
		csID, stackID, err := stacks.CreateChangeSet(ctx, ChangeSetInput{StackInput: in, ChangeSetName: cs, ChangeSetType: typ})
		if errors.Is(err, ErrNoUpdates) {
			return &Outcome{Summary: "The change set " + cs + " contains no changes", ExternalID: stackID}, nil
		}
		if err != nil {
			return fail("Creation of change set %s failed: %v", cs, err)
		}
		job.Save(cfnState{StackID: stackID, Op: "changeset", Done: true})
		info, err := stacks.DescribeChangeSet(ctx, name, cs)
		if err != nil {
			return fail("Change set %s: %v", cs, err)
		}
		if info.Status == "FAILED" {
			if strings.Contains(info.StatusReason, "didn't contain changes") || strings.Contains(info.StatusReason, "No updates") {
				return &Outcome{Summary: "The change set " + cs + " contains no changes", ExternalID: stackID}, nil
			}
			return fail("Change set %s failed: %s", cs, info.StatusReason)
		}
		return &Outcome{Summary: "Change set " + cs + " created", ExternalID: csID, ExternalURL: stackURL(job.Region, stackID)}, nil
	case "REPLACE_ON_FAILURE":
		if cur != nil && failedStatus(cur.Status) {
			job.Report(Progress{ExternalID: cur.ID, Summary: "Deleting stack " + name + " in " + cur.Status})
			if err := stacks.DeleteStack(ctx, cur.ID); err != nil {
				return fail("Delete of failed stack %s failed: %v", name, err)
			}
			if err := stacks.Wait(ctx, cur.ID); err != nil {
				return nil, err
			}
			cur = nil
		}
	case "CREATE_UPDATE":
		if cur != nil && failedStatus(cur.Status) {
			return fail("Stack %s is in %s state and can not be updated", name, cur.Status)
		}
	}
	var id, op string
	if cur == nil {
		op = "create"
		id, err = stacks.CreateStack(ctx, in)
	} else {
		op = "update"
		id, err = stacks.UpdateStack(ctx, in)
		if errors.Is(err, ErrNoUpdates) {
			job.Save(cfnState{StackID: cur.ID, Op: "noop", Done: true})
			return p.outputs(ctx, job, cur, "No updates are to be performed.")
		}
	}
	if err != nil {
		return fail("%s of stack %s failed: %v", map[string]string{"create": "Create", "update": "Update"}[op], name, err)
	}
	if err := job.Save(cfnState{StackID: id, Op: op}); err != nil {
		return nil, err
	}
	job.Report(Progress{ExternalID: id, ExternalURL: stackURL(job.Region, id)})
	return p.finish(ctx, job, id, op)
}

// Resume follows the stack operation a previous run started (or runs the
// action again when none was recorded).
func (p *cloudFormationAction) Resume(ctx context.Context, job *Job) (*Outcome, error) {
	var st cfnState
	if !job.Load(&st) || st.StackID == "" {
		return p.Run(ctx, job)
	}
	switch st.Op {
	case "changeset":
		return &Outcome{Summary: "Change set " + job.Config["ChangeSetName"] + " created", ExternalID: st.StackID}, nil
	case "noop":
		cur, err := job.Deps.Stacks.DescribeStack(ctx, st.StackID)
		if err != nil {
			return nil, err
		}
		return p.outputs(ctx, job, cur, "No updates are to be performed.")
	}
	return p.finish(ctx, job, st.StackID, st.Op)
}

// finish waits for the stack operation and judges it.
func (p *cloudFormationAction) finish(ctx context.Context, job *Job, id, op string) (*Outcome, error) {
	stacks := job.Deps.Stacks
	if err := stacks.Wait(ctx, id); err != nil {
		return nil, err
	}
	st, err := stacks.DescribeStack(ctx, id)
	if op == "delete" {
		if errors.Is(err, ErrNotFound) || (err == nil && st.Status == "DELETE_COMPLETE") {
			return &Outcome{Summary: "Stack " + job.Config["StackName"] + " deleted", ExternalID: id, ExternalURL: stackURL(job.Region, id)}, nil
		}
		if err != nil {
			return nil, err
		}
		return &Outcome{Failed: true, ErrorCode: "JobFailed", ExternalID: id, ErrorMessage: fmt.Sprintf("Stack %s is in %s state: %s", st.Name, st.Status, st.StatusReason)}, nil
	}
	if err != nil {
		return nil, err
	}
	switch st.Status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE":
		return p.outputs(ctx, job, st, "")
	}
	reason := st.StatusReason
	if reason == "" {
		reason = "the stack operation did not complete"
	}
	return &Outcome{Failed: true, ErrorCode: "JobFailed", ExternalID: id, ExternalURL: stackURL(job.Region, id),
		ErrorMessage: fmt.Sprintf("Stack %s is in %s state: %s", st.Name, st.Status, reason)}, nil
}

// outputs turns the stack's outputs into variables and the output file.
func (p *cloudFormationAction) outputs(ctx context.Context, job *Job, st *Stack, summary string) (*Outcome, error) {
	vars := map[string]string{}
	for k, v := range st.Outputs {
		vars[k] = v
	}
	if f := job.Config["OutputFileName"]; f != "" && len(job.Outputs) > 0 {
		b, _ := json.MarshalIndent(vars, "", "  ")
		z, err := zipFiles(map[string][]byte{f: b})
		if err != nil {
			return nil, err
		}
		if err := job.PutOutput(ctx, job.Outputs[0].Name, strings.NewReader(string(z))); err != nil {
			return nil, fmt.Errorf("store the output artifact: %w", err)
		}
	} else if len(job.Outputs) > 0 {
		z, _ := zipFiles(map[string][]byte{})
		if err := job.PutOutput(ctx, job.Outputs[0].Name, strings.NewReader(string(z))); err != nil {
			return nil, fmt.Errorf("store the output artifact: %w", err)
		}
	}
	return &Outcome{Summary: summary, ExternalID: st.ID, ExternalURL: stackURL(job.Region, st.ID), Variables: vars}, nil
}

// templateConfig is a TemplateConfiguration file.
type templateConfig struct {
	Parameters  map[string]string `json:"Parameters"`
	Tags        map[string]string `json:"Tags"`
	StackPolicy json.RawMessage   `json:"StackPolicy"`
}

// stackInput reads the template, the template configuration and the
// parameter overrides.
func (p *cloudFormationAction) stackInput(ctx context.Context, job *Job) (StackInput, error) {
	cfg := job.Config
	in := StackInput{StackName: cfg["StackName"], RoleARN: cfg["RoleArn"], Parameters: map[string]string{}}
	body, err := artifactFile(ctx, job, cfg["TemplatePath"], "TemplatePath")
	if err != nil {
		return in, err
	}
	in.TemplateBody = string(body)
	if c := cfg["Capabilities"]; c != "" {
		in.Capabilities = splitList(c)
	}
	if tc := cfg["TemplateConfiguration"]; tc != "" {
		b, err := artifactFile(ctx, job, tc, "TemplateConfiguration")
		if err != nil {
			return in, err
		}
		var conf templateConfig
		if err := json.Unmarshal(b, &conf); err != nil {
			return in, fmt.Errorf("TemplateConfiguration %s is not valid JSON: %v", tc, err)
		}
		for k, v := range conf.Parameters {
			in.Parameters[k] = v
		}
		in.Tags = conf.Tags
		if len(conf.StackPolicy) > 0 && string(conf.StackPolicy) != "null" {
			in.StackPolicyBody = string(conf.StackPolicy)
		}
	}
	if po := cfg["ParameterOverrides"]; po != "" {
		var m map[string]any
		if err := json.Unmarshal([]byte(po), &m); err != nil {
			return in, fmt.Errorf("ParameterOverrides must be a JSON object: %v", err)
		}
		for k, v := range m {
			s, err := overrideValue(ctx, job, v)
			if err != nil {
				return in, fmt.Errorf("ParameterOverrides %s: %v", k, err)
			}
			in.Parameters[k] = s
		}
	}
	return in, nil
}

// overrideValue evaluates one ParameterOverrides value: a string, or
// Fn::GetArtifactAtt [artifact, BucketName|ObjectKey|URL] or Fn::GetParam
// [artifact, file.json, key].
func overrideValue(ctx context.Context, job *Job, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		return fmt.Sprint(x), nil
	case map[string]any:
		if len(x) != 1 {
			break
		}
		if args, ok := x["Fn::GetArtifactAtt"].([]any); ok && len(args) == 2 {
			art, _ := args[0].(string)
			att, _ := args[1].(string)
			for _, in := range job.Inputs {
				if in.Name != art {
					continue
				}
				switch att {
				case "BucketName":
					return in.Bucket, nil
				case "ObjectKey":
					return in.Key, nil
				case "URL":
					return "https://" + in.Bucket + ".s3." + job.Region + ".amazonaws.com/" + in.Key, nil
				}
				return "", fmt.Errorf("Fn::GetArtifactAtt attribute %q is not BucketName, ObjectKey or URL", att)
			}
			return "", fmt.Errorf("Fn::GetArtifactAtt artifact %q is not an input artifact", art)
		}
		if args, ok := x["Fn::GetParam"].([]any); ok && len(args) == 3 {
			art, _ := args[0].(string)
			file, _ := args[1].(string)
			key, _ := args[2].(string)
			b, err := artifactFile(ctx, job, art+"::"+file, "Fn::GetParam")
			if err != nil {
				return "", err
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				return "", fmt.Errorf("Fn::GetParam file %s is not a JSON object", file)
			}
			val, ok := m[key]
			if !ok {
				return "", fmt.Errorf("Fn::GetParam key %q is not in %s", key, file)
			}
			if s, ok := val.(string); ok {
				return s, nil
			}
			b, _ = json.Marshal(val)
			return string(b), nil
		}
	}
	return "", fmt.Errorf("unsupported value %v: use a string, Fn::GetArtifactAtt or Fn::GetParam", v)
}
