package app_test

import (
	"slices"
	"strconv"
	"testing"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// visibleUnits is the org.read scope of every fixture user, as unit keys.
// It is the heart of the access matrix: list, get and people checks derive
// from it.
var visibleUnits = map[string][]string{
	// The city admin sees both counties.
	"cityadmin": keys("city A O1 O2 G1 T1 T2 T3 V1 V2 V3 V4 B TB1 VB1"),
	// County-level roles see their county's subtree, not the city or county B.
	"admina":   keys("A O1 O2 G1 T1 T2 T3 V1 V2 V3 V4"),
	"leadera":  keys("A O1 O2 G1 T1 T2 T3 V1 V2 V3 V4"),
	"analysta": keys("A O1 O2 G1 T1 T2 T3 V1 V2 V3 V4"),
	// Office O1 and group G1 (scope.area) see AG1's members and their
	// subtrees: O1, G1, T1, T2 — not O2 or T3 (AG2), not the county.
	"officeo1": keys("O1 G1 T1 V1 V2 T2 V3"),
	"groupg1":  keys("O1 G1 T1 V1 V2 T2 V3"),
	// Township T1 has no scope.area: its own subtree only — not T2 (same
	// area group), T3, county B or the county commission.
	"townt1":    keys("T1 V1 V2"),
	"villagev1": keys("V1"),
	// County B sees nothing of county A.
	"adminb": keys("B TB1 VB1"),
	"townb1": keys("TB1 VB1"),
}

func TestMatrixListUnits(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, spec := range userSpecs {
			t.Run(spec.username, func(t *testing.T) {
				us, total, err := f.app.ListUnits(ctx, f.principals[spec.username], store.UnitFilter{})
				must(t, err)
				var got []int64
				for _, u := range us {
					got = append(got, u.ID)
				}
				slices.Sort(got)
				want := f.unitIDs(visibleUnits[spec.username]...)
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("ListUnits = %v (total %d), want %v", f.unitKeysOf(got), total, visibleUnits[spec.username])
				}
			})
		}
	})
}

func TestMatrixGetUnit(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, spec := range userSpecs {
			p := f.principals[spec.username]
			for _, target := range unitKeys {
				allowed := slices.Contains(visibleUnits[spec.username], target)
				t.Run(spec.username+"/"+target, func(t *testing.T) {
					u, err := f.app.GetUnit(ctx, p, f.units[target].ID)
					if allowed {
						must(t, err)
						if u.ID != f.units[target].ID || u.Name != f.units[target].Name {
							t.Errorf("GetUnit = %+v", u)
						}
						return
					}
					wantCode(t, err, apperr.NotFound, "error.not_found.unit", nil)
				})
				// ResolveUnit by division code follows the same rule.
				if code := f.units[target].DivisionCode; code != "" {
					u, err := f.app.ResolveUnit(ctx, p, code)
					if allowed && (err != nil || u.ID != f.units[target].ID) {
						t.Errorf("%s: ResolveUnit(%s) = %d, %v; want %d", spec.username, code, u.ID, err, f.units[target].ID)
					}
					if !allowed && apperr.CodeOf(err) != apperr.NotFound {
						t.Errorf("%s: ResolveUnit(%s) = %v, want not_found", spec.username, code, err)
					}
				}
			}
		}
		// A missing unit reads the same as one out of scope.
		_, err := f.app.GetUnit(ctx, f.principals["townt1"], 999999)
		wantCode(t, err, apperr.NotFound, "error.not_found.unit", nil)
	})
}

func TestMatrixPeople(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		unitKeyOf := map[int64]string{}
		for k, u := range f.units {
			unitKeyOf[u.ID] = k
		}
		for _, spec := range userSpecs {
			p := f.principals[spec.username]
			vis := visibleUnits[spec.username]
			var want []int64
			for _, pe := range f.people {
				if slices.Contains(vis, unitKeyOf[pe.UnitID]) {
					want = append(want, pe.ID)
				}
			}
			slices.Sort(want)
			t.Run(spec.username+"/list", func(t *testing.T) {
				ps, total, err := f.app.ListPeople(ctx, p, store.PersonFilter{})
				must(t, err)
				var got []int64
				for _, pe := range ps {
					got = append(got, pe.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("ListPeople = %v (total %d), want %v", got, total, want)
				}
			})
			for key, pe := range f.people {
				t.Run(spec.username+"/get/"+key, func(t *testing.T) {
					got, err := f.app.GetPerson(ctx, p, pe.ID)
					if slices.Contains(want, pe.ID) {
						must(t, err)
						if got.ID != pe.ID || got.Name != pe.Name {
							t.Errorf("GetPerson = %+v", got)
						}
						return
					}
					wantCode(t, err, apperr.NotFound, "error.not_found.person", nil)
				})
			}
		}
		// Spot checks of the rules the matrix encodes.
		spot := []struct {
			user, person string
			visible      bool
		}{
			{"townt1", "staffT2", false}, // same area group, but township has no scope.area
			{"townt1", "staffT3", false},
			{"townt1", "ag2lead", false}, // the county commission
			{"townt1", "staffB", false},
			{"officeo1", "staffT2", true}, // via AG1
			{"officeo1", "staffT3", false},
			{"adminb", "staffT2", false},
			{"cityadmin", "staffB", true},
			{"cityadmin", "staffT3", true},
		}
		for _, sp := range spot {
			_, err := f.app.GetPerson(ctx, f.principals[sp.user], f.people[sp.person].ID)
			if (err == nil) != sp.visible {
				t.Errorf("%s reading %s: err %v, want visible=%v", sp.user, sp.person, err, sp.visible)
			}
		}
	})
}

func TestMatrixUsers(t *testing.T) {
	// user.read holders see the users of their scope; everyone else lists
	// nothing (ScopeFor: "without perm, nothing").
	visibleUsers := map[string][]string{
		"cityadmin": keys("cityadmin admina leadera officeo1 groupg1 townt1 villagev1 analysta adminb townb1"),
		"admina":    keys("admina leadera officeo1 groupg1 townt1 villagev1 analysta"),
		"leadera":   keys("admina leadera officeo1 groupg1 townt1 villagev1 analysta"),
		"adminb":    keys("adminb townb1"),
		"officeo1":  nil,
		"groupg1":   nil,
		"townt1":    nil,
		"villagev1": nil,
		"analysta":  nil,
		"townb1":    nil,
	}
	each(t, func(t *testing.T, f *fixture) {
		for _, spec := range userSpecs {
			p := f.principals[spec.username]
			want := slices.Clone(visibleUsers[spec.username])
			slices.Sort(want)
			t.Run(spec.username+"/list", func(t *testing.T) {
				us, total, err := f.app.ListUsers(ctx, p, store.UserFilter{})
				must(t, err)
				var got []string
				for _, u := range us {
					got = append(got, u.Username)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("ListUsers = %v (total %d), want %v", got, total, want)
				}
			})
			for _, target := range userSpecs {
				t.Run(spec.username+"/get/"+target.username, func(t *testing.T) {
					u, err := f.app.GetUser(ctx, p, f.users[target.username].ID)
					// Everyone may read their own account.
					if slices.Contains(want, target.username) || target.username == spec.username {
						must(t, err)
						if u.Username != target.username {
							t.Errorf("GetUser = %+v", u)
						}
						return
					}
					wantCode(t, err, apperr.NotFound, "error.not_found.user", nil)
				})
			}
		}
	})
}

func TestMatrixAreaGroups(t *testing.T) {
	visibleGroups := map[string][]string{
		"cityadmin": keys("AG1 AG2"),
		"admina":    keys("AG1 AG2"),
		"leadera":   keys("AG1 AG2"),
		"analysta":  keys("AG1 AG2"),
		"officeo1":  keys("AG1"), // its own group only
		"groupg1":   keys("AG1"),
		"townt1":    keys("AG1"),
		"villagev1": nil, // a village is not a member
		"adminb":    nil,
		"townb1":    nil,
	}
	each(t, func(t *testing.T, f *fixture) {
		groups := map[string]org.AreaGroup{"AG1": f.ag1, "AG2": f.ag2}
		for _, spec := range userSpecs {
			p := f.principals[spec.username]
			vis := visibleGroups[spec.username]
			for _, gk := range keys("AG1 AG2") {
				t.Run(spec.username+"/get/"+gk, func(t *testing.T) {
					g, err := f.app.GetAreaGroup(ctx, p, groups[gk].ID, "")
					if slices.Contains(vis, gk) {
						must(t, err)
						if g.ID != groups[gk].ID || len(g.Members) == 0 {
							t.Errorf("GetAreaGroup = %+v", g)
						}
						return
					}
					wantCode(t, err, apperr.NotFound, "error.not_found.area_group", nil)
					if g.ID != 0 || len(g.Members) != 0 {
						t.Errorf("denied GetAreaGroup leaked %+v", g)
					}
				})
			}
			t.Run(spec.username+"/list", func(t *testing.T) {
				gs, total, err := f.app.ListAreaGroups(ctx, p, store.AreaFilter{})
				must(t, err)
				var got []string
				for _, g := range gs {
					for k, x := range groups {
						if x.ID == g.ID {
							got = append(got, k)
						}
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, vis) || total != len(vis) {
					t.Errorf("ListAreaGroups = %v (total %d), want %v", got, total, vis)
				}
			})
		}
		// Members on a past day: AG1 had no members before 2026-01-01.
		g, err := f.app.GetAreaGroup(ctx, f.principals["admina"], f.ag1.ID, "2025-12-31")
		must(t, err)
		if len(g.Members) != 0 {
			t.Errorf("AG1 on 2025-12-31 has %d members, want 0", len(g.Members))
		}
		g, err = f.app.GetAreaGroup(ctx, f.principals["admina"], f.ag1.ID, "2026-03-16")
		must(t, err)
		var got []int64
		for _, m := range g.Members {
			got = append(got, m.UnitID)
		}
		slices.Sort(got)
		if want := f.unitIDs("O1", "G1", "T1", "T2"); !slices.Equal(got, want) {
			t.Errorf("AG1 members = %v, want O1 G1 T1 T2", f.unitKeysOf(got))
		}
		_, err = f.app.GetAreaGroup(ctx, f.principals["admina"], f.ag1.ID, "2026-13-01")
		wantCode(t, err, apperr.Invalid, "", map[string]string{"day": "org.area.date_invalid"})
	})
}

// denyOutOfScopeParent is the current answer of CreateUnit for a parent
// outside the caller's org.manage scope.
var denyOutOfScopeParent = map[string]string{"parent_id": "org.unit.parent_not_found"}

func TestMatrixCreateUnit(t *testing.T) {
	tests := []struct {
		user, parent string
		kind         org.Kind
		code         apperr.Code
		fields       map[string]string
	}{
		{"cityadmin", "T1", org.KindVillage, "", nil},
		{"cityadmin", "TB1", org.KindVillage, "", nil},
		{"cityadmin", "city", org.KindOffice, "", nil},
		{"admina", "T1", org.KindVillage, "", nil},
		{"admina", "A", org.KindOffice, "", nil},
		{"admina", "V1", org.KindVillage, apperr.Invalid, map[string]string{"parent_id": "org.unit.parent_kind_invalid"}},
		{"admina", "TB1", org.KindVillage, apperr.Invalid, denyOutOfScopeParent},
		{"admina", "B", org.KindOffice, apperr.Invalid, denyOutOfScopeParent},
		{"admina", "city", org.KindOffice, apperr.Invalid, denyOutOfScopeParent},
		{"admina", "", org.KindCommission, apperr.Invalid, map[string]string{"parent_id": "org.unit.parent_required"}},
		{"adminb", "T1", org.KindVillage, apperr.Invalid, denyOutOfScopeParent},
		{"adminb", "A", org.KindOffice, apperr.Invalid, denyOutOfScopeParent},
		{"adminb", "TB1", org.KindVillage, "", nil},
		{"leadera", "T1", org.KindVillage, apperr.Forbidden, nil},
		{"analysta", "A", org.KindOffice, apperr.Forbidden, nil},
		{"officeo1", "T1", org.KindVillage, apperr.Forbidden, nil},
		{"groupg1", "T1", org.KindVillage, apperr.Forbidden, nil},
		{"townt1", "T1", org.KindVillage, apperr.Forbidden, nil},
		{"villagev1", "T1", org.KindVillage, apperr.Forbidden, nil},
		{"townb1", "TB1", org.KindVillage, apperr.Forbidden, nil},
	}
	each(t, func(t *testing.T, f *fixture) {
		for i, tt := range tests {
			t.Run(tt.user+"/"+tt.parent, func(t *testing.T) {
				u := org.Unit{Kind: tt.kind, Name: "新建单位" + strconv.Itoa(i)}
				if tt.parent != "" {
					u.ParentID = f.units[tt.parent].ID
				}
				p := f.principals[tt.user]
				out, err := f.app.CreateUnit(ctx, p, u)
				wantCode(t, err, tt.code, "", tt.fields)
				if tt.code != "" {
					if tt.parent != "" {
						_, total, _ := f.store.ListUnits(ctx, sys.ScopeFor(auth.PermOrgRead), store.UnitFilter{Query: u.Name})
						if total != 0 {
							t.Errorf("denied create still wrote %d units", total)
						}
					}
					return
				}
				parent := f.units[tt.parent]
				if out.ID == 0 || out.ParentID != parent.ID || out.Path != parent.Path+strconv.FormatInt(out.ID, 10)+"/" || !out.Active {
					t.Errorf("CreateUnit = %+v", out)
				}
				if _, err := f.app.GetUnit(ctx, p, out.ID); err != nil {
					t.Errorf("creator cannot read the new unit: %v", err)
				}
			})
		}
	})
}

// TestOutOfScopeWritesHideExistence: a write aimed at an object outside the
// caller's scope must answer exactly as one aimed at an object that does not
// exist, or the write becomes an oracle for which ids exist in other
// counties (the rule inScope documents: "existence is not revealed"). The
// caller here is county B's administrator, who holds org.manage.
func TestOutOfScopeWritesHideExistence(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.principals["adminb"]
		hist, err := f.store.MembershipHistory(ctx, f.ag1.ID)
		must(t, err)
		const missing = 999999
		tests := []struct {
			name     string
			existing int64 // an object of county A
			write    func(id int64) error
		}{
			{"CreateUnit under a parent", f.units["T1"].ID, func(id int64) error {
				_, err := f.app.CreateUnit(ctx, p, org.Unit{ParentID: id, Kind: org.KindVillage, Name: "探测"})
				return err
			}},
			{"UpdateUnit", f.units["T1"].ID, func(id int64) error {
				_, err := f.app.UpdateUnit(ctx, p, org.Unit{ID: id, Name: "探测", Active: true, Version: 1})
				return err
			}},
			{"SavePerson (update)", f.people["staffT2"].ID, func(id int64) error {
				_, err := f.app.SavePerson(ctx, p, org.Person{ID: id, UnitID: f.units["TB1"].ID, Name: "探测", Active: true, Version: 1})
				return err
			}},
			{"UpdateAreaGroup", f.ag1.ID, func(id int64) error {
				return f.app.UpdateAreaGroup(ctx, p, org.AreaGroup{ID: id, Name: "探测", LeaderPersonID: f.people["adminb"].ID, Active: true, Version: 1})
			}},
			{"AddAreaMember", f.ag1.ID, func(id int64) error {
				_, err := f.app.AddAreaMember(ctx, p, id, f.units["TB1"].ID, "2026-03-16")
				return err
			}},
			{"EndAreaMember", hist[0].ID, func(id int64) error {
				return f.app.EndAreaMember(ctx, p, id, "2026-03-16")
			}},
			{"ResetPassword", f.users["townt1"].ID, func(id int64) error {
				return f.app.ResetPassword(ctx, p, id, "Probe#2026probe")
			}},
			{"UpdateUser", f.users["townt1"].ID, func(id int64) error {
				_, err := f.app.UpdateUser(ctx, p, auth.User{ID: id, Roles: []auth.Role{auth.RoleTownship}, Active: true, Version: 1})
				return err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				errOut, errMissing := tt.write(tt.existing), tt.write(missing)
				if errOut == nil {
					t.Fatalf("out-of-scope write succeeded")
				}
				a, b := apperr.As(errOut), apperr.As(errMissing)
				if a.Code != b.Code || a.Key != b.Key || !equalFields(a.Fields, b.Fields) {
					t.Errorf("out-of-scope object answers %v; missing object answers %v; they must not differ", errOut, errMissing)
				}
			})
		}
	})
}

func equalFields(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMatrixUpdateUnit(t *testing.T) {
	tests := []struct {
		user, target string
		code         apperr.Code
	}{
		{"cityadmin", "T1", ""},
		{"cityadmin", "TB1", ""},
		{"admina", "T1", ""},
		{"admina", "V1", ""},
		{"admina", "A", ""}, // its own commission
		{"admina", "TB1", apperr.NotFound},
		{"admina", "B", apperr.NotFound},
		{"admina", "city", apperr.NotFound},
		{"adminb", "T1", apperr.NotFound},
		{"adminb", "A", apperr.NotFound},
		{"adminb", "O1", apperr.NotFound},
		{"adminb", "TB1", ""},
		{"leadera", "T1", apperr.Forbidden},
		{"analysta", "T1", apperr.Forbidden},
		{"officeo1", "O1", apperr.Forbidden},
		{"officeo1", "T1", apperr.Forbidden},
		{"groupg1", "G1", apperr.Forbidden},
		{"townt1", "T1", apperr.Forbidden},
		{"villagev1", "V1", apperr.Forbidden},
		{"townb1", "TB1", apperr.Forbidden},
	}
	each(t, func(t *testing.T, f *fixture) {
		for i, tt := range tests {
			t.Run(tt.user+"/"+tt.target, func(t *testing.T) {
				cur, err := f.store.GetUnit(ctx, f.units[tt.target].ID)
				must(t, err)
				edit := cur
				edit.Name = cur.Name + "·" + strconv.Itoa(i)
				out, err := f.app.UpdateUnit(ctx, f.principals[tt.user], edit)
				wantCode(t, err, tt.code, "", nil)
				after, err2 := f.store.GetUnit(ctx, cur.ID)
				must(t, err2)
				if tt.code != "" {
					if after.Name != cur.Name || after.Version != cur.Version {
						t.Errorf("denied update changed the unit: %q v%d -> %q v%d", cur.Name, cur.Version, after.Name, after.Version)
					}
					if tt.code == apperr.NotFound && apperr.As(err).Key != "error.not_found.unit" {
						t.Errorf("key = %q", apperr.As(err).Key)
					}
					return
				}
				if out.Name != edit.Name || out.Version != cur.Version+1 || after.Name != edit.Name {
					t.Errorf("UpdateUnit = %q v%d, stored %q; want %q v%d", out.Name, out.Version, after.Name, edit.Name, cur.Version+1)
				}
			})
		}
		// A stale version is a conflict.
		cur, _ := f.store.GetUnit(ctx, f.units["T2"].ID)
		stale := cur
		stale.Version = cur.Version - 1
		if stale.Version < 1 {
			stale.Version = cur.Version + 5
		}
		_, err := f.app.UpdateUnit(ctx, f.principals["admina"], stale)
		wantCode(t, err, apperr.Conflict, "error.version_conflict", nil)
		// Deactivating a unit with dependants is refused; the own unit too.
		t1, _ := f.store.GetUnit(ctx, f.units["T1"].ID)
		t1.Active = false
		_, err = f.app.UpdateUnit(ctx, f.principals["admina"], t1)
		wantCode(t, err, apperr.Conflict, "org.unit.has_dependants", nil)
		a, _ := f.store.GetUnit(ctx, f.units["A"].ID)
		a.Active = false
		_, err = f.app.UpdateUnit(ctx, f.principals["admina"], a)
		wantCode(t, err, apperr.Conflict, "org.unit.deactivate_own", nil)
		v2, _ := f.store.GetUnit(ctx, f.units["V2"].ID)
		v2.Active = false
		out, err := f.app.UpdateUnit(ctx, f.principals["admina"], v2)
		must(t, err)
		if out.Active {
			t.Errorf("V2 still active after deactivation")
		}
	})
}

func TestMatrixCreateUser(t *testing.T) {
	outOfScope := map[string]string{"person_id": "auth.person_out_of_scope"}
	tests := []struct {
		user, unit string
		code       apperr.Code
		fields     map[string]string
	}{
		{"cityadmin", "T1", "", nil},
		{"cityadmin", "TB1", "", nil},
		{"admina", "T1", "", nil},
		{"admina", "V1", "", nil},
		{"admina", "A", "", nil},
		{"admina", "TB1", apperr.Invalid, outOfScope},
		{"admina", "B", apperr.Invalid, outOfScope},
		{"admina", "city", apperr.Invalid, outOfScope},
		{"adminb", "T1", apperr.Invalid, outOfScope},
		{"adminb", "A", apperr.Invalid, outOfScope},
		{"adminb", "TB1", "", nil},
		{"leadera", "T1", apperr.Forbidden, nil},
		{"analysta", "T1", apperr.Forbidden, nil},
		{"officeo1", "O1", apperr.Forbidden, nil},
		{"groupg1", "G1", apperr.Forbidden, nil},
		{"townt1", "T1", apperr.Forbidden, nil},
		{"villagev1", "V1", apperr.Forbidden, nil},
		{"townb1", "TB1", apperr.Forbidden, nil},
	}
	each(t, func(t *testing.T, f *fixture) {
		for i, tt := range tests {
			t.Run(tt.user+"/"+tt.unit, func(t *testing.T) {
				pe, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units[tt.unit].ID, Name: "新干部" + strconv.Itoa(i)})
				must(t, err)
				username := "newuser" + strconv.Itoa(i)
				u, err := f.app.CreateUser(ctx, f.principals[tt.user], pe.ID, username, password, []auth.Role{auth.RoleTownship})
				wantCode(t, err, tt.code, "", tt.fields)
				_, _, lookErr := f.store.GetUserByUsername(ctx, username)
				if tt.code != "" {
					if !apperr.Is(lookErr, apperr.NotFound) {
						t.Errorf("denied create still stored user %s (%v)", username, lookErr)
					}
					return
				}
				must(t, lookErr)
				if u.Username != username || u.PersonID != pe.ID || u.UnitID != f.units[tt.unit].ID ||
					!slices.Equal(u.Roles, []auth.Role{auth.RoleTownship}) || !u.Active {
					t.Errorf("CreateUser = %+v", u)
				}
				// The new account can sign in.
				in, err := f.app.Login(ctx, username, password, "src-new-"+username)
				must(t, err)
				if in.Session.Stage != auth.StageFull {
					t.Errorf("new user's stage = %q", in.Session.Stage)
				}
			})
		}
		// Input checks, as the city admin.
		pe, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units["T1"].ID, Name: "校验"})
		must(t, err)
		inputTests := []struct {
			name     string
			person   int64
			username string
			password string
			roles    []auth.Role
			fields   map[string]string
		}{
			{"bad username", pe.ID, "X", password, []auth.Role{auth.RoleTownship}, map[string]string{"username": "auth.username_invalid"}},
			{"weak password", pe.ID, "checker", "short", []auth.Role{auth.RoleTownship}, map[string]string{"password": "auth.password.too_short"}},
			{"password holds username", pe.ID, "checker", "Xchecker#2026", []auth.Role{auth.RoleTownship}, map[string]string{"password": "auth.password.contains_username"}},
			{"no roles", pe.ID, "checker", password, nil, map[string]string{"roles": "auth.roles_required"}},
			{"unknown role", pe.ID, "checker", password, []auth.Role{"superuser"}, map[string]string{"roles": "auth.role_unknown"}},
			{"missing person", 999999, "checker", password, []auth.Role{auth.RoleTownship}, map[string]string{"person_id": "auth.person_out_of_scope"}},
			{"username taken", pe.ID, "townt1", password, []auth.Role{auth.RoleTownship}, map[string]string{"username": "auth.username_taken"}},
			{"person has a user", f.people["townt1"].ID, "checker", password, []auth.Role{auth.RoleTownship}, map[string]string{"person_id": "auth.person_has_user"}},
		}
		for _, tt := range inputTests {
			_, err := f.app.CreateUser(ctx, f.principals["cityadmin"], tt.person, tt.username, tt.password, tt.roles)
			if e := apperr.As(err); err == nil || e.Code != apperr.Invalid || !equalFields(e.Fields, tt.fields) {
				t.Errorf("%s: CreateUser = %v, want invalid %v", tt.name, err, tt.fields)
			}
		}
	})
}

func TestMatrixResetPassword(t *testing.T) {
	const newPassword = "Changed#2026pass"
	tests := []struct {
		user, target string
		code         apperr.Code
	}{
		{"cityadmin", "townt1", ""},
		{"cityadmin", "townb1", ""},
		{"admina", "townt1", ""},
		{"admina", "villagev1", ""},
		{"admina", "leadera", ""},
		{"admina", "townb1", apperr.NotFound},
		{"admina", "adminb", apperr.NotFound},
		{"admina", "cityadmin", apperr.NotFound},
		{"adminb", "townt1", apperr.NotFound},
		{"adminb", "admina", apperr.NotFound},
		{"adminb", "townb1", ""},
		{"leadera", "townt1", apperr.Forbidden},
		{"analysta", "townt1", apperr.Forbidden},
		{"officeo1", "townt1", apperr.Forbidden},
		{"groupg1", "townt1", apperr.Forbidden},
		{"townt1", "villagev1", apperr.Forbidden},
		{"villagev1", "villagev1", apperr.Forbidden},
		{"townb1", "townb1", apperr.Forbidden},
	}
	each(t, func(t *testing.T, f *fixture) {
		current := map[string]string{} // each user's password now
		for _, spec := range userSpecs {
			current[spec.username] = password
		}
		for i, tt := range tests {
			t.Run(tt.user+"/"+tt.target, func(t *testing.T) {
				next := newPassword + strconv.Itoa(i)
				before, err := f.store.GetCredentials(ctx, tt.target)
				must(t, err)
				err = f.app.ResetPassword(ctx, f.principals[tt.user], f.users[tt.target].ID, next)
				wantCode(t, err, tt.code, "", nil)
				after, err2 := f.store.GetCredentials(ctx, tt.target)
				must(t, err2)
				src := "src-reset-" + strconv.Itoa(i)
				if tt.code != "" {
					if after.PasswordHash != before.PasswordHash {
						t.Errorf("denied reset changed the password hash")
					}
					if tt.code == apperr.NotFound && apperr.As(err).Key != "error.not_found.user" {
						t.Errorf("key = %q", apperr.As(err).Key)
					}
					return
				}
				if _, err := f.app.Login(ctx, tt.target, current[tt.target], src); !apperr.Is(err, apperr.Unauthenticated) {
					t.Errorf("old password after reset: %v, want unauthenticated", err)
				}
				current[tt.target] = next
				in, err := f.app.Login(ctx, tt.target, next, src)
				must(t, err)
				if in.Session.Stage != auth.StageFull {
					t.Errorf("stage = %q", in.Session.Stage)
				}
			})
		}
		// The policy applies to resets.
		err := f.app.ResetPassword(ctx, f.principals["admina"], f.users["townt1"].ID, "townt1#Abc2026")
		wantCode(t, err, apperr.Invalid, "", map[string]string{"password": "auth.password.contains_username"})
	})
}

// TestMatrixTokensForOthers covers CreateToken and RevokeToken on another
// user's account, which need user.manage over that user.
func TestMatrixTokensForOthers(t *testing.T) {
	tests := []struct {
		user, target string
		code         apperr.Code
	}{
		{"admina", "townt1", ""},
		{"cityadmin", "townb1", ""},
		{"adminb", "townt1", apperr.NotFound},
		{"admina", "townb1", apperr.NotFound},
		{"officeo1", "townt1", apperr.Forbidden},
		{"leadera", "townt1", apperr.Forbidden},
		{"townt1", "villagev1", apperr.Forbidden},
	}
	each(t, func(t *testing.T, f *fixture) {
		for _, tt := range tests {
			t.Run(tt.user+"/"+tt.target, func(t *testing.T) {
				target := f.users[tt.target]
				secret, tok, err := f.app.CreateToken(ctx, f.principals[tt.user], target.ID, "代建")
				wantCode(t, err, tt.code, "", nil)
				if tt.code != "" {
					if secret != "" || tok.ID != 0 {
						t.Errorf("denied CreateToken returned %q, %+v", secret, tok)
					}
					// Revoking the target's own token is denied the same way.
					_, own, err := f.app.CreateToken(ctx, f.principals[tt.target], target.ID, "own")
					if err != nil {
						if tt.target == "villagev1" { // village holds no token.create
							wantCode(t, err, apperr.Forbidden, "", nil)
							return
						}
						t.Fatal(err)
					}
					err = f.app.RevokeToken(ctx, f.principals[tt.user], own.ID)
					wantCode(t, err, tt.code, "", nil)
					return
				}
				if tok.UserID != target.ID {
					t.Errorf("token user = %d, want %d", tok.UserID, target.ID)
				}
				p, err := f.app.ResolveToken(ctx, secret)
				must(t, err)
				if p.UserID != target.ID || p.TokenID != tok.ID {
					t.Errorf("ResolveToken = user %d token %d", p.UserID, p.TokenID)
				}
				must(t, f.app.RevokeToken(ctx, f.principals[tt.user], tok.ID))
				_, err = f.app.ResolveToken(ctx, secret)
				wantCode(t, err, apperr.Unauthenticated, "auth.token_invalid", nil)
			})
		}
	})
}

// TestAreaGroupLeaderStaysValid: the leader of an active area group cannot
// be deactivated or moved out of the county commission.
func TestAreaGroupLeaderStaysValid(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin := f.principals["admina"]
		lead, err := f.app.GetPerson(ctx, admin, f.people["ag2lead"].ID)
		must(t, err)
		tests := []struct {
			name string
			edit func(p *org.Person)
		}{
			{"deactivate", func(p *org.Person) { p.Active = false }},
			{"move to a township", func(p *org.Person) { p.UnitID = f.units["T1"].ID }},
		}
		for _, tt := range tests {
			e := lead
			tt.edit(&e)
			_, err := f.app.SavePerson(ctx, admin, e)
			wantCode(t, err, apperr.Conflict, "org.person.leads_area_group", nil)
		}
		// Other edits of the leader are fine.
		e := lead
		e.Post = "常务副书记"
		out, err := f.app.SavePerson(ctx, admin, e)
		must(t, err)
		if out.Post != "常务副书记" || out.Version != lead.Version+1 {
			t.Errorf("SavePerson = %+v", out)
		}
	})
}
