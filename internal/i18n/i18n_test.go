package i18n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"qingfeng/internal/auth"
	"qingfeng/internal/i18n"
	"qingfeng/internal/org"
)

// root is the tree scanned for message keys.
const root = "../../internal"

func load(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return c
}

func TestSameKeys(t *testing.T) {
	c := load(t)
	zh, en := c.Keys(i18n.ZH), c.Keys(i18n.EN)
	if len(zh) == 0 {
		t.Fatal("zh catalogue is empty")
	}
	for _, k := range zh {
		if !c.Has(i18n.EN, k) {
			t.Errorf("%q is in zh.json but not in en.json", k)
		}
	}
	for _, k := range en {
		if !c.Has(i18n.ZH, k) {
			t.Errorf("%q is in en.json but not in zh.json", k)
		}
	}
}

func TestNoEmptyTexts(t *testing.T) {
	c := load(t)
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		for _, k := range c.Keys(lang) {
			if strings.TrimSpace(c.T(lang, k)) == "" {
				t.Errorf("%s: %q has an empty text", lang, k)
			}
		}
	}
}

var verbRE = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z]`)

// verbs returns the fmt verbs of a text, sorted (a translation may reorder
// them only with explicit argument indexes, which sort the same).
func verbs(s string) []string {
	out := verbRE.FindAllString(strings.ReplaceAll(s, "%%", ""), -1)
	slices.Sort(out)
	return out
}

func TestPlaceholdersMatch(t *testing.T) {
	c := load(t)
	raw := c.T // without arguments T returns the text unformatted
	for _, k := range c.Keys(i18n.ZH) {
		if !c.Has(i18n.EN, k) {
			continue
		}
		zh, en := verbs(raw(i18n.ZH, k)), verbs(raw(i18n.EN, k))
		if !slices.Equal(zh, en) {
			t.Errorf("%q: zh has placeholders %v, en has %v", k, zh, en)
		}
	}
	// Keys whose callers pass arguments: the count is part of the contract.
	for k, n := range map[string]int{
		"org.unit.has_dependants":   3,
		"org.area.member_elsewhere": 1,
		"org.area.overlap":          1,
		"home.welcome":              2,
		"pager.page":                3,
		"pager.total":               1,
		"area.member_count":         1,
		"tokens.revoked_at":         1,
	} {
		if got := len(verbs(raw(i18n.ZH, k))); got != n {
			t.Errorf("%q: want %d placeholders, zh has %d", k, n, got)
		}
	}
}

// dynamicKeys are the keys built from a prefix at run time.
func dynamicKeys() []string {
	var out []string
	for _, k := range org.Kinds() {
		out = append(out, "kind."+string(k))
	}
	for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleCaseManager, auth.RolePetition,
		auth.RoleOffice, auth.RoleGroup, auth.RoleTownship, auth.RoleReviewer, auth.RoleVillage, auth.RoleAnalyst} {
		out = append(out, "role."+string(r))
	}
	for _, p := range auth.AllPermissions() {
		out = append(out, "perm."+string(p), "perm_hint."+string(p))
	}
	// Audit actions written by internal/store (the history template shows
	// action.<action>).
	for _, a := range []string{
		"unit.create", "unit.update", "unit.activate", "unit.deactivate",
		"area_group.create", "area_group.update", "area_group.activate", "area_group.deactivate",
		"area_group.member_add", "area_group.member_end",
		"person.create", "person.update", "person.activate", "person.deactivate",
		"user.create", "user.update", "user.activate", "user.deactivate", "user.password", "user.password_rehash",
		"user.totp_begin", "user.totp_enable", "user.totp_disable", "user.login", "user.login_failed",
		"role.update", "token.create", "token.revoke",
		"notification.create", "notification.read", "clock.remind", "clock.overdue",
	} {
		out = append(out, "action."+a)
	}
	for _, what := range []string{"unit", "person", "user", "area_group", "membership", "session", "token", "county", "page"} {
		out = append(out, "error.not_found."+what)
	}
	for _, reason := range []string{"too_short", "too_long", "too_simple", "contains_username", "wrong_current", "same"} {
		out = append(out, "auth.password."+reason)
	}
	return out
}

// templatePrefixes are the (print "prefix." ...) key prefixes the templates
// may use; each is expanded in dynamicKeys.
var templatePrefixes = []string{"kind.", "role.", "perm.", "perm_hint.", "action."}

var (
	tKeyRE       = regexp.MustCompile(`\.T\s+"([^"]+)"`)
	fieldErrRE   = regexp.MustCompile(`\.FieldError\s+"([^"]+)"`)
	printRE      = regexp.MustCompile(`\(print\s+"([^"]+)"`)
	newRE        = regexp.MustCompile(`apperr\.New\(\s*apperr\.\w+,\s*"([^"]+)"\s*[,)]`)
	wrapRE       = regexp.MustCompile(`apperr\.Wrap\([^,]+,\s*apperr\.\w+,\s*"([^"]+)"\s*[,)]`)
	invalidRE    = regexp.MustCompile(`apperr\.InvalidField\(\s*[^,()]+,\s*"([^"]+)"\s*\)`)
	invalidFldRE = regexp.MustCompile(`apperr\.InvalidField\(\s*"([^"]+)"`)
	addRE        = regexp.MustCompile(`\.Add\(\s*"([^"]+)",\s*"([^"]+)"\s*\)`)
	addFldRE     = regexp.MustCompile(`\.Add\(\s*"([^"]+)"\s*,`)
	webLitRE     = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	storeActRE   = regexp.MustCompile(`"((?:unit|area_group|person|user|role|token)\.[a-z_]+)"`)
)

// uses records each referenced key and where it was found.
type uses map[string][]string

func (u uses) add(key, where string) { u[key] = append(u[key], where) }

func TestReferencedKeysExist(t *testing.T) {
	c := load(t)
	refs := uses{}
	for _, k := range dynamicKeys() {
		refs.add(k, "dynamic prefix (i18n_test.go)")
	}

	tpls, err := filepath.Glob(filepath.Join(root, "web", "templates", "*.html"))
	if err != nil || len(tpls) == 0 {
		t.Fatalf("no templates found: %v", err)
	}
	for _, f := range tpls {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, m := range tKeyRE.FindAllStringSubmatch(s, -1) {
			refs.add(m[1], f)
		}
		for _, m := range fieldErrRE.FindAllStringSubmatch(s, -1) {
			refs.add("field."+m[1], f)
		}
		for _, m := range printRE.FindAllStringSubmatch(s, -1) {
			if !slices.Contains(templatePrefixes, m[1]) {
				t.Errorf("%s: key prefix %q is not expanded by this test; add it to templatePrefixes and dynamicKeys", f, m[1])
			}
		}
	}

	scan := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		for _, re := range []*regexp.Regexp{newRE, wrapRE} {
			for _, m := range re.FindAllStringSubmatch(s, -1) {
				refs.add(m[1], p)
			}
		}
		for _, m := range invalidRE.FindAllStringSubmatch(s, -1) {
			refs.add(m[1], p)
		}
		for _, m := range invalidFldRE.FindAllStringSubmatch(s, -1) {
			refs.add("field."+m[1], p)
		}
		if strings.Contains(s, "apperr.Validation") {
			for _, m := range addRE.FindAllStringSubmatch(s, -1) {
				refs.add(m[2], p)
			}
			for _, m := range addFldRE.FindAllStringSubmatch(s, -1) {
				refs.add("field."+m[1], p)
			}
		}
		dir := filepath.Base(filepath.Dir(p))
		if dir == "web" {
			// Page titles and flash keys are passed as literals.
			for _, m := range webLitRE.FindAllStringSubmatch(s, -1) {
				switch filepath.Ext(m[1]) {
				case ".html", ".css", ".js", ".png", ".svg", ".txt", ".md":
					continue
				}
				refs.add(m[1], p)
			}
		}
		if dir == "store" {
			for _, m := range storeActRE.FindAllStringSubmatch(s, -1) {
				refs.add("action."+m[1], p)
			}
		}
		return nil
	}
	for _, dir := range []string{root, "../../cmd"} {
		if err := filepath.WalkDir(dir, scan); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}

	keys := make([]string, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.HasSuffix(k, ".") {
			continue // a prefix concatenated at run time; expanded in dynamicKeys
		}
		if !c.Has(i18n.ZH, k) {
			t.Errorf("key %q (used in %s) is missing from zh.json", k, refs[k][0])
		}
	}
	if len(keys) < 100 {
		t.Errorf("found only %d referenced keys; is the scan broken?", len(keys))
	}
}
