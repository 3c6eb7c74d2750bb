package intake

// UnitRef names a unit that routing may choose.
type UnitRef struct {
	ID   int64
	Name string
}

// RouteInput is what routing needs to know, resolved by the caller from the
// organisation: the units for the report's place and the receiving county.
type RouteInput struct {
	Level Level
	// Receiving is the county commission that received the report (the
	// portal's county, the staff member's county, the import's unit).
	Receiving *UnitRef
	// PlaceCounty and PlaceTownship are the commissions of the place's
	// county and township (nil when the code is unknown or only a county).
	PlaceCounty   *UnitRef
	PlaceTownship *UnitRef
	// AreaOffice is the office that the area group of PlaceTownship assigns
	// (室组地: the office of the township's area group), if any.
	AreaOffice *UnitRef
	// Upper is the next-higher commission of PlaceCounty (city level).
	Upper *UnitRef
}

// Action is what routing decides.
type Action string

// The routing actions.
const (
	RouteAccept  Action = "accept"  // handle inside the receiving county
	RouteForward Action = "forward" // 转办 to another commission (upper level or another county)
	RouteDecline Action = "decline" // 不予受理, with a reason the reporter sees
)

// Route is a routing decision: where the report goes and why. Reason is a
// message key; for declines it is shown to the reporter.
type Route struct {
	Action Action
	Unit   UnitRef // handling unit (accept) or target (forward)
	Reason string
}

// Decide applies graded acceptance (分级负责, [R-JK] Arts. 11–16):
//   - village and township cadres: the township commission of the place;
//   - county-managed cadres: the county commission, at the office that the
//     township's area group assigns (else the commission itself);
//   - city-managed cadres and above: forwarded to the upper commission;
//   - a place in another county: forwarded to that county's commission;
//   - subjects outside the remit (not public officials), or places outside
//     the system: declined with a reason.
func Decide(in RouteInput) Route {
	if in.Level == LevelOther {
		return Route{Action: RouteDecline, Reason: "intake.decline.not_in_remit"}
	}
	if in.PlaceCounty == nil {
		return Route{Action: RouteDecline, Reason: "intake.decline.place_unknown"}
	}
	if in.Level == LevelCity {
		if in.Upper != nil {
			return Route{Action: RouteForward, Unit: *in.Upper, Reason: "intake.route.upper_level"}
		}
		return Route{Action: RouteDecline, Reason: "intake.decline.upper_unknown"}
	}
	if in.Receiving != nil && in.Receiving.ID != in.PlaceCounty.ID {
		return Route{Action: RouteForward, Unit: *in.PlaceCounty, Reason: "intake.route.other_county"}
	}
	switch in.Level {
	case LevelVillage, LevelTownship:
		if in.PlaceTownship != nil {
			return Route{Action: RouteAccept, Unit: *in.PlaceTownship, Reason: "intake.route.township"}
		}
		return Route{Action: RouteAccept, Unit: *in.PlaceCounty, Reason: "intake.route.county_no_township"}
	default: // LevelCounty
		if in.AreaOffice != nil {
			return Route{Action: RouteAccept, Unit: *in.AreaOffice, Reason: "intake.route.area_office"}
		}
		return Route{Action: RouteAccept, Unit: *in.PlaceCounty, Reason: "intake.route.county"}
	}
}

// PlaceCodes splits a division code into its county, township and village
// parts ("" where the code is shorter).
func PlaceCodes(code string) (county, township, village string) {
	if len(code) >= 6 {
		county = code[:6]
	}
	if len(code) >= 9 {
		township = code[:9]
	}
	if len(code) == 12 {
		village = code
	}
	return
}
