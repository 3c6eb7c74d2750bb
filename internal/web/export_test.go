package web

// StatsUnitKey exposes the label key of a metric's unit to the tests.
func StatsUnitKey(unit string) (string, bool) {
	k, ok := statsUnitKeys[unit]
	return k, ok
}
