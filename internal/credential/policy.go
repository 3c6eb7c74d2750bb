package credential

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Password policy limits.
const (
	minPasswordChars = 10
	maxPasswordBytes = 128
	minClasses       = 3
	// Usernames shorter than this are not searched for inside passwords;
	// containing "li" or "wu" says nothing about a password's strength.
	minUsernameChars = 3
)

// Reasons a password is rejected, found in PolicyError.Reason. They are
// stable identifiers that handlers may map to user-facing messages.
const (
	ReasonTooShort         = "too_short"         // fewer than 10 characters
	ReasonTooLong          = "too_long"          // more than 128 bytes
	ReasonTooSimple        = "too_simple"        // fewer than 3 of: lower, upper, digit, other
	ReasonContainsUsername = "contains_username" // contains the username, ignoring case
)

// PolicyError is returned by ValidatePassword when a password breaks the
// policy.
type PolicyError struct {
	Reason string // one of the Reason constants
}

// Error returns "password rejected by policy: <reason>".
func (e *PolicyError) Error() string {
	return "password rejected by policy: " + e.Reason
}

// ValidatePassword enforces the password policy: at most 128 bytes, at least
// 10 characters, not containing the username (ignoring case; usernames of at
// least 3 characters), and characters from at least 3 of 4 classes (lower,
// upper, digit, other). Account creation and password changes call it
// before Hasher.Hash. It returns nil or a *PolicyError whose Reason is
// ReasonTooLong, ReasonTooShort, ReasonContainsUsername or ReasonTooSimple,
// checked in that order.
func ValidatePassword(password, username string) error {
	if len(password) > maxPasswordBytes {
		return &PolicyError{Reason: ReasonTooLong}
	}
	if utf8.RuneCountInString(password) < minPasswordChars {
		return &PolicyError{Reason: ReasonTooShort}
	}
	username = strings.ToLower(strings.TrimSpace(username))
	if utf8.RuneCountInString(username) >= minUsernameChars && strings.Contains(strings.ToLower(password), username) {
		return &PolicyError{Reason: ReasonContainsUsername}
	}
	var lower, upper, digit, other int
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < minClasses {
		return &PolicyError{Reason: ReasonTooSimple}
	}
	return nil
}
