package reports

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML: <testsuites> or <testsuite>, suites may nest.

type junitSuite struct {
	Name   string       `xml:"name,attr"`
	Suites []junitSuite `xml:"testsuite"`
	Cases  []junitCase  `xml:"testcase"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Failures  []junitProblem `xml:"failure"`
	Errors    []junitProblem `xml:"error"`
	Skipped   *junitProblem  `xml:"skipped"`
}

func parseJUnit(r io.Reader) ([]TestCase, error) {
	var root struct {
		XMLName xml.Name
		junitSuite
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse JUnit XML: %w", err)
	}
	if root.XMLName.Local != "testsuites" && root.XMLName.Local != "testsuite" {
		return nil, fmt.Errorf("parse JUnit XML: root element is <%s>, expected <testsuites> or <testsuite>", root.XMLName.Local)
	}
	var out []TestCase
	var walk func(s junitSuite, suite string)
	walk = func(s junitSuite, suite string) {
		if s.Name != "" {
			suite = s.Name
		}
		for _, c := range s.Cases {
			tc := TestCase{Suite: suite, Prefix: c.Classname, Name: c.Name, Status: Succeeded, DurationNanos: secondsToNanos(c.Time)}
			switch {
			case len(c.Errors) > 0:
				tc.Status = Error
				tc.Message = joinMsg(c.Errors[0].Message, c.Errors[0].Text)
			case len(c.Failures) > 0:
				tc.Status = Failed
				tc.Message = joinMsg(c.Failures[0].Message, c.Failures[0].Text)
			case c.Skipped != nil:
				tc.Status = Skipped
				tc.Message = joinMsg(c.Skipped.Message, c.Skipped.Text)
			}
			out = append(out, tc)
		}
		for _, sub := range s.Suites {
			walk(sub, suite)
		}
	}
	walk(root.junitSuite, "")
	return out, nil
}

// TestNG: <testng-results><suite><test><class><test-method status=...>.

func parseTestNG(r io.Reader) ([]TestCase, error) {
	var root struct {
		XMLName xml.Name `xml:"testng-results"`
		Suites  []struct {
			Name  string `xml:"name,attr"`
			Tests []struct {
				Name    string `xml:"name,attr"`
				Classes []struct {
					Name    string `xml:"name,attr"`
					Methods []struct {
						Name       string `xml:"name,attr"`
						Status     string `xml:"status,attr"`
						DurationMS string `xml:"duration-ms,attr"`
						IsConfig   string `xml:"is-config,attr"`
						Exception  *struct {
							Class   string `xml:"class,attr"`
							Message string `xml:"message"`
						} `xml:"exception"`
					} `xml:"test-method"`
				} `xml:"class"`
			} `xml:"test"`
		} `xml:"suite"`
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse TestNG XML: %w", err)
	}
	var out []TestCase
	for _, s := range root.Suites {
		for _, t := range s.Tests {
			for _, c := range t.Classes {
				for _, m := range c.Methods {
					if m.IsConfig == "true" {
						continue // @BeforeMethod and friends are not tests
					}
					tc := TestCase{Suite: s.Name, Prefix: c.Name, Name: m.Name, DurationNanos: secondsToNanos(m.DurationMS) / 1000}
					switch strings.ToUpper(m.Status) {
					case "PASS":
						tc.Status = Succeeded
					case "FAIL":
						tc.Status = Failed
					case "SKIP":
						tc.Status = Skipped
					default:
						tc.Status = Unknown
					}
					if m.Exception != nil {
						tc.Message = joinMsg(m.Exception.Class, m.Exception.Message)
					}
					out = append(out, tc)
				}
			}
		}
	}
	return out, nil
}

// NUnit 2: <test-results><test-suite><results><test-case ...>, nested.

type nunit2Suite struct {
	Type    string        `xml:"type,attr"`
	Name    string        `xml:"name,attr"`
	Suites  []nunit2Suite `xml:"results>test-suite"`
	Cases   []nunit2Case  `xml:"results>test-case"`
	Message string        `xml:"reason>message"`
}

type nunit2Case struct {
	Name     string `xml:"name,attr"`
	Executed string `xml:"executed,attr"`
	Result   string `xml:"result,attr"`
	Success  string `xml:"success,attr"`
	Time     string `xml:"time,attr"`
	Failure  string `xml:"failure>message"`
	Stack    string `xml:"failure>stack-trace"`
	Reason   string `xml:"reason>message"`
}

func parseNUnit2(r io.Reader) ([]TestCase, error) {
	var root struct {
		XMLName xml.Name      `xml:"test-results"`
		Suites  []nunit2Suite `xml:"test-suite"`
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse NUnit XML: %w", err)
	}
	var out []TestCase
	var walk func(s nunit2Suite, suite string)
	walk = func(s nunit2Suite, suite string) {
		if s.Type == "TestFixture" || suite == "" {
			suite = s.Name
		}
		for _, c := range s.Cases {
			prefix, name := splitQualified(c.Name)
			tc := TestCase{Suite: suite, Prefix: prefix, Name: name, DurationNanos: secondsToNanos(c.Time)}
			switch c.Result {
			case "Success":
				tc.Status = Succeeded
			case "Failure":
				tc.Status = Failed
				tc.Message = joinMsg(c.Failure, c.Stack)
			case "Error":
				tc.Status = Error
				tc.Message = joinMsg(c.Failure, c.Stack)
			case "Ignored", "Skipped", "NotRunnable":
				tc.Status = Skipped
				tc.Message = c.Reason
			case "Inconclusive":
				tc.Status = Unknown
				tc.Message = c.Reason
			default:
				switch {
				case c.Executed == "False":
					tc.Status = Skipped
				case c.Success == "True":
					tc.Status = Succeeded
				case c.Success == "False":
					tc.Status = Failed
				default:
					tc.Status = Unknown
				}
			}
			out = append(out, tc)
		}
		for _, sub := range s.Suites {
			walk(sub, suite)
		}
	}
	for _, s := range root.Suites {
		walk(s, "")
	}
	return out, nil
}

// splitQualified splits "Namespace.Class.Method" into prefix and name.
func splitQualified(s string) (string, string) {
	if i := strings.LastIndexByte(s, '.'); i > 0 && !strings.Contains(s, "(") {
		return s[:i], s[i+1:]
	}
	return "", s
}

// NUnit 3: <test-run><test-suite type=...><test-case result=... label=...>.

type nunit3Suite struct {
	Type   string        `xml:"type,attr"`
	Name   string        `xml:"name,attr"`
	Suites []nunit3Suite `xml:"test-suite"`
	Cases  []nunit3Case  `xml:"test-case"`
}

type nunit3Case struct {
	Name      string `xml:"name,attr"`
	FullName  string `xml:"fullname,attr"`
	ClassName string `xml:"classname,attr"`
	Result    string `xml:"result,attr"`
	Label     string `xml:"label,attr"`
	Duration  string `xml:"duration,attr"`
	Failure   string `xml:"failure>message"`
	Stack     string `xml:"failure>stack-trace"`
	Reason    string `xml:"reason>message"`
}

func parseNUnit3(r io.Reader) ([]TestCase, error) {
	var root struct {
		XMLName xml.Name      `xml:"test-run"`
		Suites  []nunit3Suite `xml:"test-suite"`
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse NUnit 3 XML: %w", err)
	}
	var out []TestCase
	var walk func(s nunit3Suite, suite string)
	walk = func(s nunit3Suite, suite string) {
		if s.Type == "TestFixture" || suite == "" {
			suite = s.Name
		}
		for _, c := range s.Cases {
			tc := TestCase{Suite: suite, Prefix: c.ClassName, Name: c.Name, DurationNanos: secondsToNanos(c.Duration)}
			switch c.Result {
			case "Passed":
				tc.Status = Succeeded
			case "Failed":
				tc.Status = Failed
				if c.Label == "Error" || c.Label == "Cancelled" || c.Label == "Invalid" {
					tc.Status = Error
				}
				tc.Message = joinMsg(c.Failure, c.Stack)
			case "Skipped":
				tc.Status = Skipped
				tc.Message = c.Reason
			default: // Inconclusive, Warning
				tc.Status = Unknown
				tc.Message = c.Reason
			}
			out = append(out, tc)
		}
		for _, sub := range s.Suites {
			walk(sub, suite)
		}
	}
	for _, s := range root.Suites {
		walk(s, "")
	}
	return out, nil
}

// Visual Studio TRX: <TestRun><Results><UnitTestResult>, definitions in
// <TestDefinitions><UnitTest><TestMethod className=...>.

func parseTRX(r io.Reader) ([]TestCase, error) {
	var root struct {
		XMLName xml.Name `xml:"TestRun"`
		Name    string   `xml:"name,attr"`
		Defs    []struct {
			ID     string `xml:"id,attr"`
			Name   string `xml:"name,attr"`
			Method struct {
				ClassName string `xml:"className,attr"`
				Name      string `xml:"name,attr"`
			} `xml:"TestMethod"`
		} `xml:"TestDefinitions>UnitTest"`
		Results []struct {
			TestID   string `xml:"testId,attr"`
			TestName string `xml:"testName,attr"`
			Outcome  string `xml:"outcome,attr"`
			Duration string `xml:"duration,attr"`
			Message  string `xml:"Output>ErrorInfo>Message"`
			Stack    string `xml:"Output>ErrorInfo>StackTrace"`
		} `xml:"Results>UnitTestResult"`
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse TRX: %w", err)
	}
	classes := map[string]string{}
	for _, d := range root.Defs {
		classes[d.ID] = d.Method.ClassName
	}
	var out []TestCase
	for _, res := range root.Results {
		tc := TestCase{Suite: root.Name, Prefix: classes[res.TestID], Name: res.TestName, DurationNanos: trxDuration(res.Duration)}
		switch res.Outcome {
		case "Passed", "PassedButRunAborted":
			tc.Status = Succeeded
		case "Failed":
			tc.Status = Failed
		case "Error", "Aborted", "Timeout":
			tc.Status = Error
		case "NotExecuted", "NotRunnable", "Disconnected":
			tc.Status = Skipped
		default:
			tc.Status = Unknown
		}
		tc.Message = joinMsg(res.Message, res.Stack)
		out = append(out, tc)
	}
	return out, nil
}

// trxDuration parses "hh:mm:ss.fffffff".
func trxDuration(s string) int64 {
	var h, m int
	var sec float64
	if _, err := fmt.Sscanf(s, "%d:%d:%g", &h, &m, &sec); err != nil {
		return 0
	}
	return int64(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second)))
}

// Cucumber JSON: features with scenarios ("elements") with steps; one test
// case per scenario.

func parseCucumber(r io.Reader) ([]TestCase, error) {
	var features []struct {
		Name     string `json:"name"`
		URI      string `json:"uri"`
		Elements []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Steps []struct {
				Keyword string `json:"keyword"`
				Name    string `json:"name"`
				Result  struct {
					Status       string  `json:"status"`
					Duration     float64 `json:"duration"`
					ErrorMessage string  `json:"error_message"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.NewDecoder(r).Decode(&features); err != nil {
		return nil, fmt.Errorf("parse Cucumber JSON: %w", err)
	}
	var out []TestCase
	for _, f := range features {
		for _, e := range f.Elements {
			if e.Type == "background" {
				continue
			}
			tc := TestCase{Suite: f.Name, Prefix: f.URI, Name: e.Name, Status: Succeeded}
			skipped, total := 0, 0
			for _, s := range e.Steps {
				total++
				// Cucumber reports durations in nanoseconds.
				tc.DurationNanos += int64(s.Result.Duration)
				switch s.Result.Status {
				case "failed":
					if tc.Status != Failed {
						tc.Status = Failed
						tc.Message = joinMsg(s.Keyword+s.Name, s.Result.ErrorMessage)
					}
				case "skipped":
					skipped++
				case "undefined", "pending", "ambiguous":
					if tc.Status == Succeeded {
						tc.Status = Unknown
					}
				}
			}
			if tc.Status == Succeeded && total > 0 && skipped == total {
				tc.Status = Skipped
			}
			out = append(out, tc)
		}
	}
	return out, nil
}
