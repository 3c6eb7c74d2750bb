package web

import (
	"net/http"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
)

// monitorRoutes registers the smart-granary pages (智慧粮库): the bins of
// the depots in scope with their book stock, the alerts with their
// explanation and evidence events (acknowledge, dismiss with a reason, turn
// into a clue on its own form), for those who register equipment the
// dead-letter list, and the registry with its forms.
func (s *Server) monitorRoutes(mux *http.ServeMux) {
	mux.Handle("GET /monitor", s.authed(s.monitorPage))
	mux.Handle("POST /monitor/alerts/{id}/act", s.authed(s.monitorAct))
	mux.Handle("GET /monitor/alerts/{id}/clue", s.authed(s.alertClueForm))
	mux.Handle("POST /monitor/alerts/{id}/clue", s.authed(s.alertClueCreate))
	mux.Handle("GET /monitor/registry", s.authed(s.registryPage))
	mux.Handle("POST /monitor/registry/{what}", s.authed(s.registryCreate))
	mux.Handle("POST /monitor/devices/{id}/secret", s.authed(s.deviceSecret))
}

func (s *Server) monitorPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	bins, err := s.app.GranaryBins(r.Context(), p)
	if err != nil {
		return err
	}
	var alerts []store.GranaryAlert
	for _, st := range []monitor.AlertStatus{monitor.AlertOpen, monitor.AlertAcknowledged} {
		if !p.Can(auth.PermMonitorRead) {
			break
		}
		rows, err := s.app.GranaryAlerts(r.Context(), p, st, 200)
		if err != nil {
			return err
		}
		alerts = append(alerts, rows...)
	}
	var letters []store.DeadLetter
	if p.Can(auth.PermMonitorManage) {
		if letters, err = s.app.DeadLetters(r.Context(), p, 50); err != nil {
			return err
		}
	}
	v := s.newView(r, "granary.title", "monitor", map[string]any{"Bins": bins, "Alerts": alerts, "Letters": letters,
		"PushOn": s.app.PushOn()})
	return s.render(w, http.StatusOK, "monitor.html", v)
}

func (s *Server) monitorAct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return s.refusal(w, r, "/monitor", err)
	}
	f := r.PostForm
	in := app.AlertAction{Op: monitor.AlertOp(f.Get("op")), Version: formInt(f.Get("version")), Reason: f.Get("reason")}
	if _, err := s.app.AlertAct(r.Context(), principal(r), id, in); err != nil {
		return s.refusal(w, r, "/monitor", err)
	}
	return s.redirect(w, r, "/monitor", "flash.granary_done")
}

// granaryLabelKeys maps the codes of the smart granary to their message
// keys (literals, so that the catalogue test finds them).
var granaryLabelKeys = map[string]map[string]string{
	"rule": {
		monitor.RuleCollectionFailure: "granary.rule.collection_failure", monitor.RuleTempJump: "granary.rule.temp_jump",
		monitor.RuleCameraPresence: "granary.rule.camera_presence", monitor.RuleUnauthorised: "granary.rule.unauthorised_movement",
		monitor.RuleStockMismatch: "granary.rule.stock_mismatch", monitor.RuleDeviceSilent: "granary.rule.device_silent",
	},
	"level": {
		string(monitor.LevelNotice): "granary.level.notice", string(monitor.LevelWarning): "granary.level.warning",
		string(monitor.LevelSerious): "granary.level.serious",
	},
	"status": {
		string(monitor.AlertOpen): "granary.status.open", string(monitor.AlertAcknowledged): "granary.status.acknowledged",
		string(monitor.AlertDismissed): "granary.status.dismissed", string(monitor.AlertClue): "granary.status.clue",
	},
	"grain": {
		"paddy": "granary.grain.paddy", "wheat": "granary.grain.wheat", "maize": "granary.grain.maize",
		"soybean": "granary.grain.soybean", "oil": "granary.grain.oil", "other": "granary.grain.other",
	},
}

// GranaryL returns the label of a smart-granary code in a group ("rule",
// "level", "status", "grain"), or the code itself.
func (v *view) GranaryL(group string, code any) string {
	if k, ok := granaryLabelKeys[group][toString(code)]; ok {
		return v.T(k)
	}
	return toString(code)
}
