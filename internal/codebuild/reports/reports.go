// Package reports parses the test and code coverage report files a build
// produces into CodeBuild's model: test cases with a status of SUCCEEDED,
// FAILED, ERROR, SKIPPED or UNKNOWN, and per-file line and branch coverage.
//
// Test formats: JUNITXML, CUCUMBERJSON, TESTNGXML, NUNITXML (NUnit 2),
// NUNIT3XML and VISUALSTUDIOTRX. Coverage formats: COBERTURAXML, JACOCOXML,
// CLOVERXML and SIMPLECOV (SimpleCov's own JSON: coverage.json or
// .resultset.json).
package reports

import (
	"fmt"
	"io"
	"strings"
)

// Test case statuses.
const (
	Succeeded = "SUCCEEDED"
	Failed    = "FAILED"
	Error     = "ERROR"
	Skipped   = "SKIPPED"
	Unknown   = "UNKNOWN"
)

// Statuses lists every test case status (the keys of statusCounts).
var Statuses = []string{Succeeded, Failed, Error, Skipped, Unknown}

// TestCase is one test.
type TestCase struct {
	Suite         string `json:"suite,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
	Name          string `json:"name"`
	Status        string `json:"status"`
	DurationNanos int64  `json:"durationNanos"`
	Message       string `json:"message,omitempty"`
}

// FileCoverage is one source file's coverage.
type FileCoverage struct {
	Path            string `json:"path"`
	LinesCovered    int    `json:"linesCovered"`
	LinesMissed     int    `json:"linesMissed"`
	BranchesCovered int    `json:"branchesCovered"`
	BranchesMissed  int    `json:"branchesMissed"`
}

// LinePercent is the line coverage in percent (0 when there are no lines).
func (f FileCoverage) LinePercent() float64 { return percent(f.LinesCovered, f.LinesMissed) }

// BranchPercent is the branch coverage in percent.
func (f FileCoverage) BranchPercent() float64 { return percent(f.BranchesCovered, f.BranchesMissed) }

func percent(covered, missed int) float64 {
	if covered+missed == 0 {
		return 0
	}
	return float64(covered) * 100 / float64(covered+missed)
}

// MaxFileSize bounds one report file.
const MaxFileSize = 256 << 20

// maxMessage bounds a test case message (CodeBuild truncates long ones).
const maxMessage = 8192

// ParseTests parses a test report file of the given format (upper-case
// name as in the buildspec).
func ParseTests(format string, r io.Reader) ([]TestCase, error) {
	r = io.LimitReader(r, MaxFileSize)
	var cases []TestCase
	var err error
	switch format {
	case "JUNITXML":
		cases, err = parseJUnit(r)
	case "CUCUMBERJSON":
		cases, err = parseCucumber(r)
	case "TESTNGXML":
		cases, err = parseTestNG(r)
	case "NUNITXML":
		cases, err = parseNUnit2(r)
	case "NUNIT3XML":
		cases, err = parseNUnit3(r)
	case "VISUALSTUDIOTRX":
		cases, err = parseTRX(r)
	default:
		return nil, fmt.Errorf("unknown test report format %s", format)
	}
	for i := range cases {
		if len(cases[i].Message) > maxMessage {
			cases[i].Message = cases[i].Message[:maxMessage]
		}
		cases[i].Message = strings.TrimSpace(cases[i].Message)
	}
	return cases, err
}

// ParseCoverage parses a code coverage report file.
func ParseCoverage(format string, r io.Reader) ([]FileCoverage, error) {
	r = io.LimitReader(r, MaxFileSize)
	switch format {
	case "COBERTURAXML":
		return parseCobertura(r)
	case "JACOCOXML":
		return parseJaCoCo(r)
	case "CLOVERXML":
		return parseClover(r)
	case "SIMPLECOV":
		return parseSimpleCov(r)
	}
	return nil, fmt.Errorf("unknown coverage report format %s", format)
}

// TestSummary is a report's testSummary.
type TestSummary struct {
	Total         int
	StatusCounts  map[string]int
	DurationNanos int64
}

// SummarizeTests counts test cases by status.
func SummarizeTests(cases []TestCase) TestSummary {
	s := TestSummary{StatusCounts: map[string]int{}}
	for _, st := range Statuses {
		s.StatusCounts[st] = 0
	}
	for _, c := range cases {
		s.Total++
		s.StatusCounts[c.Status]++
		s.DurationNanos += c.DurationNanos
	}
	return s
}

// CoverageSummary is a report's codeCoverageSummary.
type CoverageSummary struct {
	LinesCovered, LinesMissed, BranchesCovered, BranchesMissed int
}

// LinePercent is the line coverage in percent.
func (s CoverageSummary) LinePercent() float64 { return percent(s.LinesCovered, s.LinesMissed) }

// BranchPercent is the branch coverage in percent.
func (s CoverageSummary) BranchPercent() float64 {
	return percent(s.BranchesCovered, s.BranchesMissed)
}

// SummarizeCoverage adds up file coverage.
func SummarizeCoverage(files []FileCoverage) CoverageSummary {
	var s CoverageSummary
	for _, f := range files {
		s.LinesCovered += f.LinesCovered
		s.LinesMissed += f.LinesMissed
		s.BranchesCovered += f.BranchesCovered
		s.BranchesMissed += f.BranchesMissed
	}
	return s
}

func secondsToNanos(s string) int64 {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0
	}
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err != nil || f < 0 {
		return 0
	}
	return int64(f * 1e9)
}

func joinMsg(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}
