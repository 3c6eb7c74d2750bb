package monitor

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Level is an alert's risk level. The values are part of the API.
type Level string

// The levels, lowest first.
const (
	LevelNotice  Level = "notice"  // 一般
	LevelWarning Level = "warning" // 中级风险
	LevelSerious Level = "serious" // 高级风险
)

// Levels lists the levels, lowest first.
func Levels() []Level { return []Level{LevelNotice, LevelWarning, LevelSerious} }

// raise returns the next level up (serious stays serious).
func (l Level) raise() Level {
	i := slices.Index(Levels(), l)
	if i < 0 || i+1 >= len(Levels()) {
		return LevelSerious
	}
	return Levels()[i+1]
}

// The rule codes. The values are part of the API.
const (
	RuleCollectionFailure = "collection_failure"
	RuleTempJump          = "temp_jump"
	RuleCameraPresence    = "camera_presence"
	RuleUnauthorised      = "unauthorised_movement"
	RuleStockMismatch     = "stock_mismatch"
	RuleDeviceSilent      = "device_silent"
)

// ruleParams names each rule's required parameters (all positive numbers,
// except utc_offset_hours which may be any whole offset).
func ruleParams() map[string][]string {
	return map[string][]string{
		RuleCollectionFailure: {"consecutive", "days"},
		RuleTempJump:          {"jump_c"},
		RuleCameraPresence:    {"window_minutes"},
		RuleUnauthorised:      {"work_start_hour", "work_end_hour", "utc_offset_hours"},
		RuleStockMismatch:     {"tolerance_pct", "min_kg"},
		RuleDeviceSilent:      {"silent_hours"},
	}
}

// Rule is one alert rule kept as data.
type Rule struct {
	Code    string             `json:"code"`
	Title   string             `json:"title"`
	Level   Level              `json:"level"`
	Enabled bool               `json:"enabled"`
	Params  map[string]float64 `json:"params"`
}

//go:embed rules.json
var defaultRules []byte

// DefaultRules returns the shipped rule set (rules.json).
func DefaultRules() ([]Rule, error) { return ParseRules(defaultRules) }

// ParseRules parses and checks a rule set: every rule code known and
// given once, a valid level, every required parameter present and in range.
func ParseRules(b []byte) ([]Rule, error) {
	var doc struct {
		Version int    `json:"version"`
		Rules   []Rule `json:"rules"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("monitor: rules: %w", err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("monitor: rules: version %d", doc.Version)
	}
	seen := map[string]bool{}
	for _, r := range doc.Rules {
		need, ok := ruleParams()[r.Code]
		if !ok || seen[r.Code] {
			return nil, fmt.Errorf("monitor: rules: unknown or repeated rule %q", r.Code)
		}
		seen[r.Code] = true
		if !slices.Contains(Levels(), r.Level) {
			return nil, fmt.Errorf("monitor: rules: %s: level %q", r.Code, r.Level)
		}
		for _, p := range need {
			v, ok := r.Params[p]
			if !ok || (p != "utc_offset_hours" && v <= 0) || v > 1e9 {
				return nil, fmt.Errorf("monitor: rules: %s: parameter %s missing or out of range", r.Code, p)
			}
		}
		if r.Code == RuleUnauthorised && !(r.Params["work_start_hour"] < r.Params["work_end_hour"] && r.Params["work_end_hour"] <= 24) {
			return nil, fmt.Errorf("monitor: rules: %s: working hours", r.Code)
		}
	}
	return doc.Rules, nil
}

// EventRef names a stored event: unique by device and event id.
type EventRef struct {
	Device string
	ID     string
}

// Alert is what a rule found: the evidence events and a plain-language
// explanation in Chinese. Key identifies the anomaly so that it opens one
// alert however often it is evaluated.
type Alert struct {
	Rule        string
	Level       Level
	Depot       string
	Bin         string
	Device      string
	Key         string
	At          time.Time // the time of the latest evidence event (or of the evaluation)
	Evidence    []EventRef
	Explanation string
}

// DeviceSeen is what the evaluator knows of a device for the silence rule.
type DeviceSeen struct {
	Code      string
	Depot     string
	Bin       string
	LastSeen  time.Time // zero: never reported
	LastEvent string    // the id of its latest event
}

// Input is what one evaluation looks at: a bin's recent events (every
// kind, in any order: they are sorted by time first) with its rotation
// plans and book stock, and the devices to check for silence.
type Input struct {
	Now    time.Time
	Depot  string
	Bin    string
	BookKG int64 // the bin's book stock after every movement in Events
	Events []Event
	Plans  []RotationPlan
	Devs   []DeviceSeen
}

// Evaluate applies the enabled rules to the input and returns the alerts,
// ordered by key. It is deterministic: the same events in any arrival
// order give the same alerts.
func Evaluate(rules []Rule, in Input) []Alert {
	evs := slices.Clone(in.Events)
	slices.SortStableFunc(evs, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.Device, b.Device); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var out []Alert
	var camera *Rule
	for i := range rules {
		r := rules[i]
		if !r.Enabled {
			continue
		}
		switch r.Code {
		case RuleCollectionFailure:
			out = append(out, collectionFailures(r, in, evs)...)
		case RuleTempJump:
			out = append(out, tempJumps(r, in, evs)...)
		case RuleUnauthorised:
			out = append(out, unauthorised(r, in, evs)...)
		case RuleStockMismatch:
			out = append(out, mismatches(r, in, evs)...)
		case RuleDeviceSilent:
			out = append(out, silent(r, in)...)
		case RuleCameraPresence:
			camera = &rules[i]
		}
	}
	if camera != nil {
		for i := range out {
			if out[i].Rule == RuleCollectionFailure || out[i].Rule == RuleTempJump {
				escalate(*camera, &out[i], evs)
			}
		}
	}
	slices.SortFunc(out, func(a, b Alert) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func ref(e Event) EventRef { return EventRef{Device: e.Device, ID: e.ID} }

func (in Input) alert(r Rule, dev, key string, at time.Time, ev []EventRef, text string) Alert {
	return Alert{Rule: r.Code, Level: r.Level, Depot: in.Depot, Bin: in.Bin, Device: dev,
		Key: r.Code + "|" + in.Depot + "|" + in.Bin + "|" + key, At: at, Evidence: ev, Explanation: text}
}

// stamp writes a time for an explanation in Beijing time (UTC+8, the one
// time of the commissions that read it; no daylight saving).
func stamp(t time.Time) string {
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
}

// collectionFailures: per device, a run of failed collections of at least
// "consecutive", or the same slot failing on "days" consecutive days.
func collectionFailures(r Rule, in Input, evs []Event) []Alert {
	n, days := int(r.Params["consecutive"]), int(r.Params["days"])
	byDev := map[string][]Event{}
	var devs []string
	for _, e := range evs {
		if e.Kind == KindReading && e.Reading != nil {
			if _, ok := byDev[e.Device]; !ok {
				devs = append(devs, e.Device)
			}
			byDev[e.Device] = append(byDev[e.Device], e)
		}
	}
	var out []Alert
	for _, dev := range devs {
		var run []Event
		flush := func() {
			if len(run) >= n {
				out = append(out, runAlert(r, in, dev, run))
			}
			run = nil
		}
		slots := map[string][]Event{} // slot -> failed readings, by time
		var slotOrder []string
		for _, e := range byDev[dev] {
			if e.Reading.Failed {
				run = append(run, e)
				if _, ok := slots[e.Reading.Slot]; !ok {
					slotOrder = append(slotOrder, e.Reading.Slot)
				}
				slots[e.Reading.Slot] = append(slots[e.Reading.Slot], e)
			} else {
				flush()
			}
		}
		flush()
		for _, slot := range slotOrder {
			out = append(out, sameSlot(r, in, dev, slot, slots[slot], days)...)
		}
	}
	return out
}

// runAlert is the alert of a run of at least "consecutive" failed collections.
func runAlert(r Rule, in Input, dev string, run []Event) Alert {
	refs := make([]EventRef, len(run))
	for i, e := range run {
		refs[i] = ref(e)
	}
	return in.alert(r, dev, "run|"+dev+"|"+run[0].ID, run[len(run)-1].At, refs,
		fmt.Sprintf("设备 %s 自 %s 起粮情采集连续失败 %d 次（规则：连续 %d 次即预警），粮情数据中断，可能存在人为断电、遮挡或设备被动手脚，请核实。",
			dev, stamp(run[0].At), len(run), int(r.Params["consecutive"])))
}

// sameSlot finds failures of one slot on `days` consecutive calendar days (UTC dates).
func sameSlot(r Rule, in Input, dev, slot string, fails []Event, days int) []Alert {
	var out []Alert
	var streak []Event
	for _, e := range fails {
		day := e.At.UTC().Truncate(24 * time.Hour)
		if len(streak) > 0 {
			last := streak[len(streak)-1].At.UTC().Truncate(24 * time.Hour)
			switch {
			case day.Equal(last):
				continue
			case !day.Equal(last.Add(24 * time.Hour)):
				streak = nil
			}
		}
		streak = append(streak, e)
		if len(streak) == days {
			refs := make([]EventRef, len(streak))
			for i, s := range streak {
				refs[i] = ref(s)
			}
			out = append(out, in.alert(r, dev, "slot|"+dev+"|"+slot+"|"+streak[0].ID, e.At, refs,
				fmt.Sprintf("设备 %s 在每日 %s 的采集时段连续 %d 天失败（自 %s 起），同一时段反复失败，请核实该时段是否有人为干扰。",
					dev, slot, days, streak[0].At.UTC().Format(time.DateOnly))))
			streak = nil
		}
	}
	return out
}

// tempJumps: the lowest temperature point of a device's successful
// reading differing by more than jump_c from the last ordinary reading
// before it. The readings of the excursion that follow (and the return to
// normal) belong to the same anomaly and open nothing more.
func tempJumps(r Rule, in Input, evs []Event) []Alert {
	st := newTempState()
	var out []Alert
	for _, e := range evs {
		if a, ok := st.step(r, in, e); ok {
			out = append(out, a)
		}
	}
	return out
}

// tempState is tempJumps' state between readings: per device the last
// ordinary reading and whether the readings are away from it.
type tempState struct {
	base map[string]Event
	away map[string]bool
}

func newTempState() *tempState { return &tempState{base: map[string]Event{}, away: map[string]bool{}} }

// step takes the next reading (in time order) and returns the alert it
// opens, if any.
func (st *tempState) step(r Rule, in Input, e Event) (Alert, bool) {
	jump := r.Params["jump_c"]
	if e.Kind != KindReading || e.Reading == nil || e.Reading.Failed {
		return Alert{}, false
	}
	cur, ok := e.Reading.MinTemp()
	if !ok {
		return Alert{}, false
	}
	prev, seen := st.base[e.Device]
	if !seen {
		st.base[e.Device] = e
		return Alert{}, false
	}
	p, _ := prev.Reading.MinTemp()
	if d := cur - p; d > jump || -d > jump {
		wasAway := st.away[e.Device]
		st.away[e.Device] = true
		if wasAway {
			return Alert{}, false
		}
		return in.alert(r, e.Device, "jump|"+e.Device+"|"+e.ID, e.At, []EventRef{ref(prev), ref(e)},
			fmt.Sprintf("设备 %s 的最低粮温由 %.1f °C（%s）变为 %.1f °C（%s），变化 %+.1f °C，超过 %.0f °C；粮堆被扰动（如出粮、翻动）时常见此现象，请核实。",
				e.Device, p, stamp(prev.At), cur, stamp(e.At), d, jump)), true
	}
	st.base[e.Device], st.away[e.Device] = e, false
	return Alert{}, false
}

// unauthorised: a movement outside every rotation plan, or outside
// working hours without a ticket.
func unauthorised(r Rule, in Input, evs []Event) []Alert {
	off := time.Duration(r.Params["utc_offset_hours"] * float64(time.Hour))
	zone := time.FixedZone("local", int(off.Seconds()))
	start, end := r.Params["work_start_hour"], r.Params["work_end_hour"]
	var out []Alert
	for _, e := range evs {
		if e.Kind != KindMovement || e.Movement == nil {
			continue
		}
		local := e.At.In(zone)
		day := local.Format(time.DateOnly)
		planned := slices.ContainsFunc(in.Plans, func(p RotationPlan) bool { return p.Covers(e.Movement.Direction, day) })
		hour := float64(local.Hour()) + float64(local.Minute())/60
		afterHours := hour < start || hour >= end
		dir := map[Direction]string{DirIn: "入库", DirOut: "出库"}[e.Movement.Direction]
		what := fmt.Sprintf("%s %s %d 公斤（车牌 %s，单据号 %s）", local.Format("2006-01-02 15:04"), dir, abs(e.Movement.KG()), orNone(e.Movement.Plate), orNone(e.Movement.Ticket))
		var why []string
		if !planned {
			why = append(why, "不在任何轮换计划的期限和方向内")
		}
		if afterHours && e.Movement.Ticket == "" {
			why = append(why, fmt.Sprintf("发生在工作时间（%02.0f:00–%02.0f:00）之外且没有出入库单据", start, end))
		}
		if len(why) == 0 {
			continue
		}
		out = append(out, in.alert(r, e.Device, "move|"+e.Device+"|"+e.ID, e.At, []EventRef{ref(e)},
			fmt.Sprintf("%s：%s，疑似擅自动用储备粮，请调取计量单据和监控核实。", what, strings.Join(why, "，并且"))))
	}
	return out
}

// mismatches: a measured stock against the book stock at the same time
// beyond the tolerance.
func mismatches(r Rule, in Input, evs []Event) []Alert {
	var out []Alert
	for _, e := range evs {
		if e.Kind != KindMeasured || e.Measured == nil {
			continue
		}
		book := in.BookKG
		for _, m := range evs {
			if m.Kind == KindMovement && m.Movement != nil && m.At.After(e.At) {
				book -= m.Movement.KG()
			}
		}
		measured := e.Measured.KG()
		diff := abs(measured - book)
		base := max(abs(book), 1)
		pct := float64(diff) * 100 / float64(base)
		if float64(diff) <= r.Params["min_kg"] || pct <= r.Params["tolerance_pct"] {
			continue
		}
		out = append(out, in.alert(r, e.Device, "stock|"+e.Device+"|"+e.ID, e.At, []EventRef{ref(e)},
			fmt.Sprintf("%s 实测库存 %d 公斤，同一时点账面库存 %d 公斤，相差 %d 公斤（%.1f%%），超过允许误差 %.1f%%，账实不符，请核查。",
				stamp(e.At), measured, book, diff, pct, r.Params["tolerance_pct"])))
	}
	return out
}

// silent: a device that has not reported for silent_hours.
func silent(r Rule, in Input) []Alert {
	limit := time.Duration(r.Params["silent_hours"] * float64(time.Hour))
	var out []Alert
	for _, d := range in.Devs {
		if d.LastSeen.IsZero() || in.Now.Sub(d.LastSeen) <= limit {
			continue
		}
		var ev []EventRef
		if d.LastEvent != "" {
			ev = []EventRef{{Device: d.Code, ID: d.LastEvent}}
		}
		a := in.alert(r, d.Code, "silent|"+d.Code+"|"+d.LastSeen.UTC().Format(time.RFC3339), in.Now, ev,
			fmt.Sprintf("设备 %s 自 %s 起已 %.0f 小时没有任何数据（规则：超过 %.0f 小时），请核实设备是否被断电、拆除或遮挡。",
				d.Code, stamp(d.LastSeen), in.Now.Sub(d.LastSeen).Hours(), r.Params["silent_hours"]))
		a.Depot, a.Bin = d.Depot, d.Bin
		out = append(out, a)
	}
	return out
}

// escalate raises an anomaly's level by one step when cameras saw people
// or vehicles within the window around its evidence, and adds those
// detections to the evidence.
func escalate(r Rule, a *Alert, evs []Event) {
	win := time.Duration(r.Params["window_minutes"] * float64(time.Minute))
	var from, to time.Time
	for _, e := range evs {
		if slices.Contains(a.Evidence, ref(e)) {
			if from.IsZero() || e.At.Before(from) {
				from = e.At
			}
			if e.At.After(to) {
				to = e.At
			}
		}
	}
	if from.IsZero() {
		return
	}
	people, vehicles := 0, 0
	for _, e := range evs {
		if e.Kind != KindDetection || e.Detection == nil || e.At.Before(from.Add(-win)) || e.At.After(to.Add(win)) {
			continue
		}
		switch e.Detection.Object {
		case "person":
			people++
		case "vehicle":
			vehicles++
		default:
			continue
		}
		a.Evidence = append(a.Evidence, ref(e))
	}
	if people+vehicles == 0 {
		return
	}
	a.Level = a.Level.raise()
	a.Explanation += fmt.Sprintf("异常前后 %.0f 分钟内摄像头发现人员 %d 次、车辆 %d 次，风险等级提高为“%s”。",
		r.Params["window_minutes"], people, vehicles, levelZH(a.Level))
}

func levelZH(l Level) string {
	return map[Level]string{LevelNotice: "一般", LevelWarning: "中级风险", LevelSerious: "高级风险"}[l]
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func orNone(s string) string {
	if s == "" {
		return "无"
	}
	return s
}
