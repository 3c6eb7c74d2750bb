package credential

import (
	"errors"
	"strings"
	"testing"
)

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name     string
		password string
		username string
		want     string // "" means accepted
	}{
		{"three classes", "correcthorse9!", "alice", ""},
		{"four classes", "Correct-Horse-9", "alice", ""},
		{"exactly 10 chars", "Abcdefgh12", "alice", ""},
		{"upper lower other", "Correct Horse", "alice", ""},
		{"chinese counts as other", "密码Password", "alice", ""},
		{"9 chars", "Abcdefg12", "alice", ReasonTooShort},
		{"10 bytes but 4 chars", "密码密1", "alice", ReasonTooShort},
		{"empty", "", "alice", ReasonTooShort},
		{"128 bytes", "Aa1" + strings.Repeat("x", 125), "alice", ""},
		{"129 bytes", "Aa1" + strings.Repeat("x", 126), "alice", ReasonTooLong},
		{"only lower", "correcthorsebattery", "alice", ReasonTooSimple},
		{"lower and digits", "correcthorse99", "alice", ReasonTooSimple},
		{"upper and other", "CORRECT-HORSE", "alice", ReasonTooSimple},
		{"equals username", "Zhangsan2024!", "Zhangsan2024!", ReasonContainsUsername},
		{"contains username any case", "ALICE-Secret9", "alice", ReasonContainsUsername},
		{"short username ignored", "Li-Password9", "li", ""},
		{"empty username", "Correct-Horse-9", "", ""},
	}
	for _, tt := range tests {
		err := ValidatePassword(tt.password, tt.username)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: ValidatePassword = %v, want nil", tt.name, err)
			}
			continue
		}
		var pe *PolicyError
		if !errors.As(err, &pe) {
			t.Errorf("%s: ValidatePassword = %v, want *PolicyError", tt.name, err)
			continue
		}
		if pe.Reason != tt.want {
			t.Errorf("%s: Reason = %q, want %q", tt.name, pe.Reason, tt.want)
		}
		if pe.Error() != "password rejected by policy: "+tt.want {
			t.Errorf("%s: Error() = %q", tt.name, pe.Error())
		}
	}
}
