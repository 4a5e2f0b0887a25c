package reports

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
)

// fileAgg accumulates coverage per file, keeping first-seen order.
type fileAgg struct {
	order []string
	m     map[string]*FileCoverage
}

func (a *fileAgg) get(p string) *FileCoverage {
	if a.m == nil {
		a.m = map[string]*FileCoverage{}
	}
	f := a.m[p]
	if f == nil {
		f = &FileCoverage{Path: p}
		a.m[p] = f
		a.order = append(a.order, p)
	}
	return f
}

func (a *fileAgg) list() []FileCoverage {
	out := make([]FileCoverage, 0, len(a.order))
	for _, p := range a.order {
		out = append(out, *a.m[p])
	}
	return out
}

// Cobertura: <coverage><packages><package><classes><class filename><lines>
// <line number hits branch condition-coverage="50% (1/2)">. A file may hold
// several classes; its lines are counted once.

var conditionRe = regexp.MustCompile(`\((\d+)/(\d+)\)`)

func parseCobertura(r io.Reader) ([]FileCoverage, error) {
	var root struct {
		XMLName  xml.Name `xml:"coverage"`
		Packages []struct {
			Classes []struct {
				Filename string `xml:"filename,attr"`
				Lines    []struct {
					Number    int    `xml:"number,attr"`
					Hits      int64  `xml:"hits,attr"`
					Branch    string `xml:"branch,attr"`
					Condition string `xml:"condition-coverage,attr"`
				} `xml:"lines>line"`
			} `xml:"classes>class"`
		} `xml:"packages>package"`
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse Cobertura XML: %w", err)
	}
	var agg fileAgg
	type lineKey struct {
		file string
		n    int
	}
	seen := map[lineKey]bool{}
	for _, p := range root.Packages {
		for _, c := range p.Classes {
			f := agg.get(c.Filename)
			for _, l := range c.Lines {
				k := lineKey{c.Filename, l.Number}
				if seen[k] {
					continue
				}
				seen[k] = true
				if l.Hits > 0 {
					f.LinesCovered++
				} else {
					f.LinesMissed++
				}
				if l.Branch == "true" {
					if m := conditionRe.FindStringSubmatch(l.Condition); m != nil {
						cov, _ := strconv.Atoi(m[1])
						total, _ := strconv.Atoi(m[2])
						f.BranchesCovered += cov
						f.BranchesMissed += max(total-cov, 0)
					}
				}
			}
		}
	}
	return agg.list(), nil
}

// JaCoCo: <report><package name="com/x"><sourcefile name="A.java"><counter
// type="LINE|BRANCH" missed covered>.

type jacocoCounter struct {
	Type    string `xml:"type,attr"`
	Missed  int    `xml:"missed,attr"`
	Covered int    `xml:"covered,attr"`
}

type jacocoGroup struct {
	Groups   []jacocoGroup   `xml:"group"`
	Packages []jacocoPackage `xml:"package"`
}

type jacocoPackage struct {
	Name        string `xml:"name,attr"`
	SourceFiles []struct {
		Name     string          `xml:"name,attr"`
		Counters []jacocoCounter `xml:"counter"`
	} `xml:"sourcefile"`
}

func parseJaCoCo(r io.Reader) ([]FileCoverage, error) {
	var root struct {
		XMLName xml.Name `xml:"report"`
		jacocoGroup
	}
	d := xml.NewDecoder(r)
	if err := d.Decode(&root); err != nil {
		return nil, fmt.Errorf("parse JaCoCo XML: %w", err)
	}
	var agg fileAgg
	var walk func(g jacocoGroup)
	walk = func(g jacocoGroup) {
		for _, p := range g.Packages {
			for _, sf := range p.SourceFiles {
				f := agg.get(path.Join(p.Name, sf.Name))
				for _, c := range sf.Counters {
					switch c.Type {
					case "LINE":
						f.LinesCovered += c.Covered
						f.LinesMissed += c.Missed
					case "BRANCH":
						f.BranchesCovered += c.Covered
						f.BranchesMissed += c.Missed
					}
				}
			}
		}
		for _, sub := range g.Groups {
			walk(sub)
		}
	}
	walk(root.jacocoGroup)
	return agg.list(), nil
}

// Clover: <coverage><project><package><file name path><metrics statements
// coveredstatements conditionals coveredconditionals>. Files may also sit
// directly under <project>.

type cloverFile struct {
	Name    string `xml:"name,attr"`
	Path    string `xml:"path,attr"`
	Metrics struct {
		Statements          int `xml:"statements,attr"`
		CoveredStatements   int `xml:"coveredstatements,attr"`
		Conditionals        int `xml:"conditionals,attr"`
		CoveredConditionals int `xml:"coveredconditionals,attr"`
	} `xml:"metrics"`
}

func parseClover(r io.Reader) ([]FileCoverage, error) {
	var root struct {
		XMLName  xml.Name `xml:"coverage"`
		Projects []struct {
			Files    []cloverFile `xml:"file"`
			Packages []struct {
				Files []cloverFile `xml:"file"`
			} `xml:"package"`
		} `xml:"project"`
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse Clover XML: %w", err)
	}
	var agg fileAgg
	add := func(cf cloverFile) {
		p := cf.Path
		if p == "" {
			p = cf.Name
		}
		f := agg.get(p)
		m := cf.Metrics
		f.LinesCovered += m.CoveredStatements
		f.LinesMissed += max(m.Statements-m.CoveredStatements, 0)
		f.BranchesCovered += m.CoveredConditionals
		f.BranchesMissed += max(m.Conditionals-m.CoveredConditionals, 0)
	}
	for _, pr := range root.Projects {
		for _, f := range pr.Files {
			add(f)
		}
		for _, pk := range pr.Packages {
			for _, f := range pk.Files {
				add(f)
			}
		}
	}
	return agg.list(), nil
}

// SimpleCov: coverage.json {"coverage": {file: {"lines": [...], "branches":
// [...]}}} or .resultset.json {"<command>": {"coverage": {file: {"lines":
// [...]}}}} (older versions give the line array directly). Lines are null
// (not relevant), 0 (missed) or a hit count; branches are
// {"coverage": n} items.

type simplecovFile struct {
	Lines    []*float64
	Branches []struct {
		Coverage any `json:"coverage"`
	}
}

func (f *simplecovFile) UnmarshalJSON(b []byte) error {
	var lines []*float64
	if err := json.Unmarshal(b, &lines); err == nil {
		f.Lines = lines
		return nil
	}
	var obj struct {
		Lines    []*float64 `json:"lines"`
		Branches []struct {
			Coverage any `json:"coverage"`
		} `json:"branches"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	f.Lines, f.Branches = obj.Lines, obj.Branches
	return nil
}

func parseSimpleCov(r io.Reader) ([]FileCoverage, error) {
	var doc map[string]json.RawMessage
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse SimpleCov JSON: %w", err)
	}
	var sets []map[string]simplecovFile
	if raw, ok := doc["coverage"]; ok {
		var m map[string]simplecovFile
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("parse SimpleCov JSON: %w", err)
		}
		sets = append(sets, m)
	} else {
		names := make([]string, 0, len(doc))
		for k := range doc {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			var rs struct {
				Coverage map[string]simplecovFile `json:"coverage"`
			}
			if err := json.Unmarshal(doc[k], &rs); err != nil || rs.Coverage == nil {
				return nil, fmt.Errorf("parse SimpleCov JSON: %q is neither coverage.json nor a .resultset.json entry", k)
			}
			sets = append(sets, rs.Coverage)
		}
	}
	var agg fileAgg
	for _, set := range sets {
		files := make([]string, 0, len(set))
		for k := range set {
			files = append(files, k)
		}
		sort.Strings(files)
		for _, name := range files {
			sf := set[name]
			f := agg.get(name)
			for _, l := range sf.Lines {
				if l == nil {
					continue
				}
				if *l > 0 {
					f.LinesCovered++
				} else {
					f.LinesMissed++
				}
			}
			for _, b := range sf.Branches {
				if n, ok := b.Coverage.(float64); ok && n > 0 {
					f.BranchesCovered++
				} else if ok {
					f.BranchesMissed++
				}
			}
		}
	}
	return agg.list(), nil
}
