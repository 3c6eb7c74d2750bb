package api

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes checks that every route in the table is
// documented with its method and every documented operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var x API
	routed := map[string]bool{}
	for _, rt := range x.routes() {
		routed[strings.ToLower(rt.method)+" "+rt.path] = true
	}
	documented := map[string]bool{}
	pathRE := regexp.MustCompile(`^  (/[^:]*):\s*$`)
	opRE := regexp.MustCompile(`^    (get|post|put|patch|delete):`)
	cur := ""
	for _, line := range strings.Split(string(openapiYAML), "\n") {
		if m := pathRE.FindStringSubmatch(line); m != nil {
			cur = m[1]
			continue
		}
		if strings.HasPrefix(line, "components:") {
			cur = ""
		}
		if m := opRE.FindStringSubmatch(line); m != nil && cur != "" {
			documented[m[1]+" "+cur] = true
		}
	}
	if len(documented) == 0 {
		t.Fatal("no operations found in openapi.yaml")
	}
	var missing, extra []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes not documented in openapi.yaml: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("documented operations without a route: %v", extra)
	}
	if !strings.HasPrefix(string(openapiYAML), "openapi: 3.1.0") {
		t.Errorf("openapi.yaml does not declare OpenAPI 3.1.0")
	}
}

// TestOpenAPIRefsResolve checks that every "#/components/<section>/<name>"
// reference names an entry of that section, so the document a client
// generates code from has no dangling references.
func TestOpenAPIRefsResolve(t *testing.T) {
	defined := map[string]bool{}
	section := ""
	inComponents := false
	secRE := regexp.MustCompile(`^  ([A-Za-z]+):\s*$`)
	entRE := regexp.MustCompile(`^    ([A-Za-z0-9_]+):`)
	for _, line := range strings.Split(string(openapiYAML), "\n") {
		if strings.HasPrefix(line, "components:") {
			inComponents = true
			continue
		}
		if !inComponents {
			continue
		}
		if m := secRE.FindStringSubmatch(line); m != nil {
			section = m[1]
			continue
		}
		if m := entRE.FindStringSubmatch(line); m != nil && section != "" {
			defined[section+"/"+m[1]] = true
		}
	}
	refRE := regexp.MustCompile(`#/components/([A-Za-z]+)/([A-Za-z0-9_]+)`)
	refs := refRE.FindAllStringSubmatch(string(openapiYAML), -1)
	if len(refs) == 0 {
		t.Fatal("no references found")
	}
	for _, m := range refs {
		if !defined[m[1]+"/"+m[2]] {
			t.Errorf("reference %s does not resolve", m[0])
		}
	}
}
