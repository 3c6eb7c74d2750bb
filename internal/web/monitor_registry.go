package web

import (
	"net/http"
	"strconv"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/intake"
	"qingfeng/internal/monitor"
)

// This file holds the smart-granary registry page (粮库登记: depots, bins,
// devices with their health and gateway secrets, rotation plans, each
// with its form) and the form that turns an alert into a clue.

// registryView builds the registry page; failed names the form whose
// submission is shown again with its errors ("" for none).
func (s *Server) registryView(r *http.Request, failed string) (*view, error) {
	g, err := s.app.Registry(r.Context(), principal(r))
	if err != nil {
		return nil, err
	}
	return s.newView(r, "granaryreg.title", "monitor", map[string]any{"Reg": g, "Failed": failed,
		"Kinds": monitor.DeviceKinds(), "Grains": monitor.GrainKinds(), "Directions": []monitor.Direction{monitor.DirIn, monitor.DirOut}}), nil
}

func (s *Server) registryPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.registryView(r, "")
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "monitor_registry.html", v)
}

// formID reads an optional id field: 0 when empty, -1 when not a number
// (which the services refuse as invalid).
func formID(s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// formKG reads a whole number of kilograms; -1 when not a number.
func formKG(s string) int64 {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// registryFlash is each registry form's confirmation.
var registryFlash = map[string]string{"depot": "flash.granaryreg_depot", "bin": "flash.granaryreg_bin",
	"device": "flash.granaryreg_device", "plan": "flash.granaryreg_plan"}

// registryCreate handles the four registry forms: the form field names
// which one was sent.
func (s *Server) registryCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f, p, ctx := r.PostForm, principal(r), r.Context()
	form := r.PathValue("what")
	var err error
	switch form {
	case "depot":
		_, err = s.app.CreateDepot(ctx, p, monitor.Depot{Code: f.Get("code"), Name: f.Get("name"), UnitID: formID(f.Get("unit_id")),
			Address: f.Get("place")})
	case "bin":
		_, err = s.app.CreateBin(ctx, p, monitor.Bin{DepotID: formID(f.Get("depot_id")), Code: f.Get("code"), Name: f.Get("name"),
			CapacityKG: formKG(f.Get("capacity_kg")), GrainKind: f.Get("grain_kind"), BookKG: formKG(f.Get("book_kg"))})
	case "device":
		_, err = s.app.CreateDevice(ctx, p, monitor.Device{DepotID: formID(f.Get("depot_id")), BinID: formID(f.Get("bin_id")),
			Code: f.Get("code"), Kind: monitor.DeviceKind(f.Get("kind")), Name: f.Get("name")})
	case "plan":
		_, err = s.app.CreateRotationPlan(ctx, p, monitor.RotationPlan{BinID: formID(f.Get("bin_id")), Direction: monitor.Direction(f.Get("direction")),
			From: f.Get("from"), To: f.Get("to"), QuantityKG: formKG(f.Get("quantity_kg")), Note: f.Get("note")})
	default:
		return apperr.New(apperr.NotFound, "error.not_found.page")
	}
	if err != nil {
		v, verr := s.registryView(r, form)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "monitor_registry.html", v)
	}
	return s.redirect(w, r, "/monitor/registry#"+form+"s", registryFlash[form])
}

// deviceSecret issues a gateway's HMAC secret and shows it once: it is
// stored sealed and cannot be shown again (issuing anew replaces it).
func (s *Server) deviceSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	d, err := s.app.Store.GetDevice(r.Context(), id)
	if err != nil {
		return err
	}
	secret, err := s.app.IssueGatewaySecret(r.Context(), p, id)
	if err != nil {
		return s.refusal(w, r, "/monitor/registry", err)
	}
	var depot string
	if g, err := s.app.Registry(r.Context(), p); err == nil {
		for _, dp := range g.Depots {
			if dp.ID == d.DepotID {
				depot = dp.Code
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	v := s.newView(r, "granaryreg.secret_title", "monitor", map[string]any{"Device": d, "Gateway": depot + "/" + d.Code, "Secret": secret})
	return s.render(w, http.StatusOK, "monitor_secret.html", v)
}

// alertClueView builds the form turning an alert into a clue.
func (s *Server) alertClueView(r *http.Request, id int64) (*view, error) {
	al, err := s.app.GranaryAlert(r.Context(), principal(r), id)
	if err != nil {
		return nil, err
	}
	return s.newView(r, "granaryreg.to_clue_title", "monitor", map[string]any{"Alert": al, "Categories": s.app.Intake.Categories,
		"Levels": intake.Levels()}), nil
}

func (s *Server) alertClueForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	if !p.Can(auth.PermMonitorHandle) || !p.Can(auth.PermClueRegister) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	v, err := s.alertClueView(r, id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "monitor_clue.html", v)
}

func (s *Server) alertClueCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f, p := r.PostForm, principal(r)
	in := app.AlertAction{Op: monitor.AlertOpToClue, Version: formInt(f.Get("version")), Category: f.Get("category"),
		Subject: clue.Subject{Name: f.Get("subject_name"), Unit: f.Get("subject_unit"), Post: f.Get("subject_post"), Level: f.Get("subject_level")}}
	al, err := s.app.AlertAct(r.Context(), p, id, in)
	if err != nil {
		v, verr := s.alertClueView(r, id)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "monitor_clue.html", v)
	}
	return s.redirect(w, r, "/clues/"+itoa(al.ClueID), "flash.clue_registered")
}

// deviceLabelKeys labels device kinds and health (literals, so that the
// catalogue test finds them).
var deviceLabelKeys = map[string]map[string]string{
	"kind": {
		string(monitor.DeviceSensor): "granaryreg.kind.sensor", string(monitor.DeviceCamera): "granaryreg.kind.camera",
		string(monitor.DeviceGateway): "granaryreg.kind.gateway", string(monitor.DeviceScale): "granaryreg.kind.scale",
	},
	"health": {
		string(monitor.HealthUnknown): "granaryreg.health.unknown", string(monitor.HealthOK): "granaryreg.health.ok",
		string(monitor.HealthDegraded): "granaryreg.health.degraded", string(monitor.HealthFault): "granaryreg.health.fault",
		string(monitor.HealthOffline): "granaryreg.health.offline",
	},
	"direction": {"": "granaryreg.direction.both", string(monitor.DirIn): "granaryreg.direction.in", string(monitor.DirOut): "granaryreg.direction.out"},
}

// DeviceL returns the label of a device kind, health or movement direction.
func (v *view) DeviceL(group string, code any) string {
	if k, ok := deviceLabelKeys[group][toString(code)]; ok {
		return v.T(k)
	}
	return toString(code)
}

// failedForm is the registry form whose submission the page shows again.
func (v *view) failedForm() string {
	if d, ok := v.Data.(map[string]any); ok {
		if f, ok := d["Failed"].(string); ok {
			return f
		}
	}
	return ""
}

// RegF returns a field of the registry form shown again, "" for the others.
func (v *view) RegF(form, name string) string {
	if v.failedForm() != form {
		return ""
	}
	return v.F(name)
}

// RegErr returns the error of a field of the registry form shown again.
func (v *view) RegErr(form, name string) string {
	if v.failedForm() != form {
		return ""
	}
	return v.FieldError(name)
}
