package monitor

import (
	"strings"
	"testing"

	"qingfeng/internal/apperr"
)

func TestAlertWorkflow(t *testing.T) {
	tests := []struct {
		from   AlertStatus
		op     AlertOp
		to     AlertStatus
		ok     bool
		reason bool
	}{
		{AlertOpen, AlertOpAck, AlertAcknowledged, true, false},
		{AlertOpen, AlertOpDismiss, AlertDismissed, true, true},
		{AlertOpen, AlertOpToClue, AlertClue, true, false},
		{AlertAcknowledged, AlertOpDismiss, AlertDismissed, true, true},
		{AlertAcknowledged, AlertOpToClue, AlertClue, true, false},
		{AlertAcknowledged, AlertOpAck, "", false, false},
		{AlertDismissed, AlertOpToClue, "", false, false},
		{AlertClue, AlertOpDismiss, "", false, false},
		{AlertClue, AlertOpToClue, "", false, false},
	}
	for _, tt := range tests {
		row, ok := AlertNext(tt.from, tt.op)
		if ok != tt.ok || row.To != tt.to || row.NeedReason != tt.reason {
			t.Errorf("%s --%s--> %+v %v, want %s %v", tt.from, tt.op, row, ok, tt.to, tt.ok)
		}
	}
	for _, s := range AlertStatuses() {
		if s.Final() {
			for _, op := range AlertOps() {
				if _, ok := AlertNext(s, op); ok {
					t.Errorf("final state %s allows %s", s, op)
				}
			}
		}
	}
	if tb := AlertTable(); tb.Start != string(AlertOpen) || len(tb.Rows) != len(AlertWorkflow()) {
		t.Errorf("table %+v", tb)
	}
}

func TestCheckReason(t *testing.T) {
	dismiss, _ := AlertNext(AlertOpen, AlertOpDismiss)
	ack, _ := AlertNext(AlertOpen, AlertOpAck)
	tests := []struct {
		row    AlertTransition
		reason string
		want   string
		field  bool
	}{
		{dismiss, "  设备检修，已核实  ", "设备检修，已核实", false},
		{dismiss, "   ", "", true},
		{dismiss, strings.Repeat("因", MaxReason+1), "", true},
		{ack, "", "", false},
	}
	for _, tt := range tests {
		got, err := CheckReason(tt.row, tt.reason)
		if tt.field {
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%q: err %v, want invalid", tt.reason, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q %v, want %q", tt.reason, got, err, tt.want)
		}
	}
}
