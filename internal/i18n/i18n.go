// Package i18n is the message catalogue: zh (default) and en texts for every
// message key used by the domain (error keys), the UI and the API. Texts are
// data in embedded JSON files; placeholders use fmt verbs.
//
// Each language has a main file (zh.json, en.json) and may have one file per
// domain named <domain>.<lang>.json (clue.zh.json, case.en.json, ...), so that
// features keep their texts apart. A key may be defined in one file only.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Languages supported, default first.
const (
	ZH = "zh"
	EN = "en"
)

// Catalog holds the texts per language. It is immutable after Load.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load parses the embedded catalogues. Errors: a file that is not a JSON
// object of strings, a file for an unknown language, or a key defined in two
// files of one language.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{ZH: {}, EN: {}}}
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	from := map[string]string{} // lang + key -> file, for duplicate errors
	for _, name := range names {
		base := strings.TrimSuffix(name, ".json")
		lang := base[strings.LastIndexByte(base, '.')+1:]
		dst, ok := c.msgs[lang]
		if !ok {
			return nil, fmt.Errorf("i18n: %s: unknown language %q", name, lang)
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k, v := range m {
			if f, dup := from[lang+"\x00"+k]; dup {
				return nil, fmt.Errorf("i18n: key %q is in both %s and %s", k, f, name)
			}
			from[lang+"\x00"+k] = name
			dst[k] = v
		}
	}
	return c, nil
}

// Normalize maps an Accept-Language value or cookie to a supported language.
func Normalize(s string) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "en") {
		return EN
	}
	return ZH
}

// T returns the text for key in lang, falling back to zh and then to the key
// itself (so a missing text is visible, not blank).
func (c *Catalog) T(lang, key string, args ...any) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		s, ok = c.msgs[ZH][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool { _, ok := c.msgs[lang][key]; return ok }

// Keys returns the keys of a language (for completeness tests).
func (c *Catalog) Keys(lang string) []string {
	var out []string
	for k := range c.msgs[lang] {
		out = append(out, k)
	}
	return out
}
