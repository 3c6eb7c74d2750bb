// Package i18n is the message catalogue: zh (default) and en texts for every
// message key used by the domain (error keys), the UI and the API. Texts are
// data in embedded JSON files; placeholders use fmt verbs.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed zh.json en.json
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

// Load parses the embedded catalogues.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, lang := range []string{ZH, EN} {
		b, err := files.ReadFile(lang + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s.json: %w", lang, err)
		}
		c.msgs[lang] = m
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
