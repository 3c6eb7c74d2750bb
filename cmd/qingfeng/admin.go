package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/i18n"
	"qingfeng/internal/org"
	"qingfeng/internal/vault"
)

func systemScope() auth.Scope { return auth.System().ScopeFor(auth.PermOrgRead) }

// cmdUser: qingfeng user add --username U --role R --unit UNIT [--password-stdin]
func cmdUser(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"usage: qingfeng user add --username U --role R[,R...] --unit UNIT [--name NAME] [--person ID] [--password-stdin]"}
	}
	fs := newFlagSet("user add", e)
	var c common
	c.register(fs, e)
	username := fs.String("username", "", "sign-in name (3-32 lowercase letters, digits, . _ -)")
	roles := fs.String("role", "", "role code(s), comma-separated")
	unitRef := fs.String("unit", "", "unit id or commission division code")
	name := fs.String("name", "", "person's name (a new person is created in UNIT; default: the username)")
	personID := fs.Int64("person", 0, "use this existing person instead of creating one")
	post := fs.String("post", "", "the new person's post (职务)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (else one is generated and printed)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *username == "" || *roles == "" || (*unitRef == "" && *personID == 0) {
		return usageError{"user add: --username, --role and --unit are required"}
	}
	var rs []auth.Role
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			rs = append(rs, auth.Role(r))
		}
	}
	password := ""
	if *pwStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return usageError{"user add: no password on standard input"}
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		var err error
		if password, err = demoPassword(); err != nil {
			return err
		}
	}
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	sys := auth.System()
	if err := a.ValidateNewUser(ctx, *username, password, rs); err != nil {
		return describe(err)
	}
	pid := *personID
	if pid == 0 {
		u, err := a.ResolveUnit(ctx, sys, *unitRef)
		if err != nil {
			return fmt.Errorf("--unit %s: no such unit", *unitRef)
		}
		pname := *name
		if pname == "" {
			pname = *username
		}
		pe, err := a.SavePerson(ctx, sys, org.Person{UnitID: u.ID, Name: pname, Post: *post, Active: true})
		if err != nil {
			return describe(err)
		}
		pid = pe.ID
	}
	u, err := a.CreateUser(ctx, sys, pid, *username, password, rs)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "created user %s (id %d) in %s with roles %v\n", u.Username, u.ID, u.UnitName, u.Roles)
	if !*pwStdin {
		fmt.Fprintf(e.stdout, "password: %s\n", password)
	}
	return nil
}

// describe renders an application error for the terminal: its stable code
// and the English message, with each failing field.
func describe(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	cat, cerr := i18n.Load()
	if cerr != nil {
		return err
	}
	msg := string(ae.Code) + ": " + cat.T(i18n.EN, ae.Key, ae.Args...)
	fields := make([]string, 0, len(ae.Fields))
	for f := range ae.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		msg += fmt.Sprintf("; %s: %s", f, cat.T(i18n.EN, ae.Fields[f]))
	}
	return errors.New(msg)
}

// cmdToken: create or revoke API tokens.
func cmdToken(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return usageError{"usage: qingfeng token create --username U [--name NAME] | qingfeng token revoke --id N"}
	}
	fs := newFlagSet("token "+args[0], e)
	var c common
	c.register(fs, e)
	username := fs.String("username", "", "the token's user")
	name := fs.String("name", "", "a label for the token")
	id := fs.Int64("id", 0, "token id (revoke)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "create" && *username == "" {
		return usageError{"token create: --username is required"}
	}
	if args[0] == "revoke" && *id <= 0 {
		return usageError{"token revoke: --id is required"}
	}
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	if args[0] == "revoke" {
		if err := a.RevokeToken(ctx, auth.System(), *id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "revoked token %d\n", *id)
		return nil
	}
	u, _, err := a.Store.GetUserByUsername(ctx, *username)
	if err != nil {
		return fmt.Errorf("no user %q", *username)
	}
	secret, t, err := tokenFor(ctx, a, u.ID, *name)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(e.stdout, secret)
	fmt.Fprintf(e.stderr, "token %d for %s created; it is shown only once\n", t.ID, u.Username)
	return nil
}

// tokenFor creates a token as the system (an operator at the console).
func tokenFor(ctx context.Context, a *app.App, userID int64, name string) (string, auth.Token, error) {
	return a.CreateToken(ctx, auth.System(), userID, name)
}

// cmdAudit: qingfeng audit verify
func cmdAudit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"usage: qingfeng audit verify"}
	}
	fs := newFlagSet("audit verify", e)
	var c common
	c.register(fs, e)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	n, err := a.Store.VerifyAudit(ctx)
	var p *audit.Problem
	if errors.As(err, &p) {
		return fmt.Errorf("audit chain broken after %d good record(s): %v", n, p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d record(s) verified\n", n)
	return nil
}

// cmdKeys: qingfeng keys rotate
func cmdKeys(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usageError{"usage: qingfeng keys rotate"}
	}
	fs := newFlagSet("keys rotate", e)
	var c common
	c.register(fs, e)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	keyFile := c.keyFile
	if keyFile == "" {
		keyFile = c.data + "/keys/sealing.keys"
	}
	if _, err := vault.LoadOrCreate(keyFile, rand.Reader); err != nil {
		return err
	}
	id, err := vault.Rotate(keyFile, rand.Reader)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "new sealing key %s is active; old keys still open existing values\n", id)
	return nil
}
