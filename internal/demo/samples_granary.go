package demo

import (
	"context"
	"fmt"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/monitor"
)

// sampleGranary registers 永定区's demo grain depot (synthetic) as the
// county's administrator — two bins, their sensors, a weighbridge, a
// camera over the yard, a gateway and a rotation plan — and feeds it a few
// days of events through the ingest service, as its gateway would: grain
// readings with a sudden jump of the lowest temperature, a movement out at
// night without a ticket while the camera sees a person, a measured stock
// well below the book, and one malformed payload (a dead letter). The
// alerts they open wait on /monitor for the leader.
func (b *builder) sampleGranary(ctx context.Context) error {
	p, err := b.principal(ctx, "yd_admin")
	if err != nil {
		return err
	}
	county, err := b.unitNamed("永定区纪委监委", "")
	if err != nil {
		return err
	}
	d, err := b.a.CreateDepot(ctx, p, monitor.Depot{Code: "YD-ZX", Name: "永定区中心粮库（示例）", UnitID: county.ID, Address: "永定区示例路1号"})
	if err != nil {
		return fmt.Errorf("demo: depot: %w", err)
	}
	bins := map[string]monitor.Bin{}
	for _, in := range []monitor.Bin{
		{Code: "P01", Name: "1号仓", CapacityKG: 5_000_000, GrainKind: "paddy", BookKG: 3_200_000},
		{Code: "P02", Name: "2号仓", CapacityKG: 5_000_000, GrainKind: "wheat", BookKG: 2_400_000},
	} {
		in.DepotID = d.ID
		bn, err := b.a.CreateBin(ctx, p, in)
		if err != nil {
			return fmt.Errorf("demo: bin %s: %w", in.Code, err)
		}
		bins[bn.Code] = bn
	}
	for _, v := range []monitor.Device{
		{Code: "T-P01", Kind: monitor.DeviceSensor, Name: "1号仓测温电缆", BinID: bins["P01"].ID},
		{Code: "T-P02", Kind: monitor.DeviceSensor, Name: "2号仓测温电缆", BinID: bins["P02"].ID},
		{Code: "S01", Kind: monitor.DeviceScale, Name: "出入库地磅", BinID: bins["P01"].ID},
		{Code: "L-P02", Kind: monitor.DeviceSensor, Name: "2号仓激光测量", BinID: bins["P02"].ID},
		{Code: "CAM1", Kind: monitor.DeviceCamera, Name: "库区大门摄像机"},
		{Code: "GW1", Kind: monitor.DeviceGateway, Name: "库区网关"},
	} {
		v.DepotID = d.ID
		if _, err := b.a.CreateDevice(ctx, p, v); err != nil {
			return fmt.Errorf("demo: device %s: %w", v.Code, err)
		}
	}
	cst := time.FixedZone("CST", 8*3600)
	now := b.a.Now().In(cst)
	day := func(back int) time.Time {
		y, m, dd := now.AddDate(0, 0, -back).Date()
		return time.Date(y, m, dd, 0, 0, 0, 0, cst)
	}
	if _, err := b.a.CreateRotationPlan(ctx, p, monitor.RotationPlan{BinID: bins["P02"].ID, Direction: monitor.DirOut,
		From: day(40).Format(time.DateOnly), To: day(-20).Format(time.DateOnly), QuantityKG: 600_000, Note: "2号仓小麦轮出（示例）"}); err != nil {
		return fmt.Errorf("demo: rotation plan: %w", err)
	}
	at := func(back, hour, minute int) string {
		return day(back).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute).Format(time.RFC3339)
	}
	var raws [][]byte
	add := func(format string, args ...any) { raws = append(raws, fmt.Appendf(nil, format, args...)) }
	// Daily grain readings of bin 1: steady, then the lowest point jumps by
	// 12 °C (a hot spot: the whole cable warms).
	for i, low := range []float64{12.4, 12.6, 12.5, 12.7, 24.9} {
		back := 5 - i
		add(`{"v":1,"id":"T-P01-%d","device":"T-P01","depot":"YD-ZX","bin":"P01","kind":"reading","at":%q,"reading":{"temp_unit":"C","temps":[%.1f,%.1f,%.1f,%.1f],"humidity_pct":61}}`,
			back, at(back, 9, 0), low, low+1.8, low+2.6, low+2.9)
	}
	// At 02:10 two days ago: a person at the gate, then 25 t out of bin 1 without a ticket.
	add(`{"v":1,"id":"CAM1-n1","device":"CAM1","depot":"YD-ZX","kind":"detection","at":%q,"detection":{"object":"person","snapshot":"snap/CAM1/n1.jpg","confidence":0.93}}`, at(2, 2, 5))
	add(`{"v":1,"id":"S01-n1","device":"S01","depot":"YD-ZX","bin":"P01","kind":"movement","at":%q,"movement":{"direction":"out","weight":25,"unit":"t","plate":"湘G·D1234"}}`, at(2, 2, 10))
	// A planned movement out of bin 2 in working hours, with its ticket.
	add(`{"v":1,"id":"S01-d1","device":"S01","depot":"YD-ZX","bin":"P02","kind":"movement","at":%q,"movement":{"direction":"out","weight":30,"unit":"t","plate":"湘G·D5678","ticket":"CK-2026-0107"}}`, at(3, 10, 30))
	// The laser measurement of bin 2: 2,120 t against 2,370 t on the books.
	add(`{"v":1,"id":"L-P02-1","device":"L-P02","depot":"YD-ZX","bin":"P02","kind":"measured","at":%q,"measured":{"weight":2120,"unit":"t","method":"laser"}}`, at(1, 11, 0))
	// A payload of a schema this server does not know.
	add(`{"v":2,"id":"GW1-x","device":"GW1","depot":"YD-ZX","kind":"status","at":%q,"status":{"health":"ok"}}`, at(1, 12, 0))
	res, err := b.a.IngestBatch(ctx, raws, app.SourceHTTPS)
	if err != nil {
		return fmt.Errorf("demo: granary events: %w", err)
	}
	opened := 0
	for _, r := range res {
		opened += len(r.Alerts)
	}
	if opened == 0 {
		return fmt.Errorf("demo: granary events opened no alert")
	}
	return nil
}
