package main

import (
	"context"
	"errors"
	"fmt"
	"qingfeng/internal/granaryfeed"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/granarysim"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
)

// cmdSimulate is `qingfeng simulate granary`: realistic smart-granary
// traffic published at QoS 1 to an MQTT broker (internal/granarysim),
// optionally with one injected anomaly per alert rule and malformed
// payloads, and optionally registering the simulated depots first.
func cmdSimulate(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "granary" {
		return usageError{"usage: qingfeng simulate granary --broker URL --depots N --rate R [--anomalies] [--duration D | --count C] [--seed S] [--register [--unit UNIT]]"}
	}
	fs := newFlagSet("simulate granary", e)
	var c common
	c.register(fs, e)
	broker := fs.String("broker", envOr(e, "QINGFENG_MQTT_BROKER", "tcp://127.0.0.1:1883"), "MQTT broker to publish to")
	depots := fs.Int("depots", 3, "how many depots (SIM-D01 …) send traffic")
	rate := fs.Int("rate", 100, "events per second, all depots together")
	anomalies := fs.Bool("anomalies", false, "inject one anomaly of each alert rule and malformed payloads (in depot SIM-D01) and print them")
	duration := fs.Duration("duration", 0, "stop after this long (0: --count or until interrupted)")
	count := fs.Int("count", 0, "stop after this many messages (0: --duration or until interrupted)")
	seed := fs.Uint64("seed", 0, "random seed, also the prefix of event ids (0: from the clock); the same seed replays the same ids")
	register := fs.Bool("register", false, "first register the simulated depots, bins, devices and rotation plans in the database of --data/--db")
	unitRef := fs.String("unit", "", "with --register: the unit the depots belong to (id or division code; default the first unit)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *depots < 1 || *depots > 99 || *rate < 1 || *count < 0 || *duration < 0 || (*count > 0 && *duration > 0) {
		return usageError{"--depots 1–99, --rate at least 1, and at most one of --count and --duration"}
	}
	if *seed == 0 {
		*seed = uint64(e.now().UnixNano())
	}
	if *register {
		if err := registerSimulated(ctx, e, c, *depots, *unitRef); err != nil {
			return err
		}
	}
	client := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(*broker).SetClientID(fmt.Sprintf("qingfeng-sim-%x", *seed)).
		SetCleanSession(true).SetConnectTimeout(10 * time.Second).SetCustomOpenConnectionFn(granaryfeed.Dial))
	if tok := client.Connect(); !tok.WaitTimeout(15*time.Second) || tok.Error() != nil {
		return fmt.Errorf("connect %s: %v", *broker, tok.Error())
	}
	defer client.Disconnect(250)
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	g := granarysim.New(granarysim.Config{Depots: *depots, Seed: *seed, Anomalies: *anomalies})
	var acked, failed atomic.Int64
	var wg sync.WaitGroup
	inflight := make(chan struct{}, 10_000) // tokens awaited at once
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	sent := 0
	fmt.Fprintf(e.stdout, "publishing to %s: %d depots, %d events/s, seed %x\n", *broker, *depots, *rate, *seed)
publish:
	for *count == 0 || sent < *count {
		select {
		case <-ctx.Done():
			break publish
		case <-tick.C:
		}
		due := int(time.Since(start).Seconds()*float64(*rate)) + 1
		for sent < due && (*count == 0 || sent < *count) {
			m := g.Next(e.now())
			if m.Note != "" {
				fmt.Fprintf(e.stdout, "injected (%s): %s\n", m.Depot, m.Note)
			}
			select {
			case inflight <- struct{}{}:
			case <-ctx.Done():
				break publish
			}
			tok := client.Publish(m.Topic, 1, false, m.Payload)
			sent++
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-inflight }()
				if tok.WaitTimeout(30*time.Second) && tok.Error() == nil {
					acked.Add(1)
				} else {
					failed.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Fprintf(e.stdout, "published %d messages in %.1f s (%.0f/s), %d acknowledged by the broker, %d failed\n",
		sent, secs, float64(sent)/secs, acked.Load(), failed.Load())
	if failed.Load() > 0 {
		return fmt.Errorf("%d messages not acknowledged by the broker", failed.Load())
	}
	return nil
}

// registerSimulated registers the simulated depots under a unit through
// the app services (as the system): each depot with its devices, bins
// with the simulator's opening book stock and devices, and a rotation
// plan in both directions for the year around today. A depot already
// registered is left as it is.
func registerSimulated(ctx context.Context, e env, c common, n int, unitRef string) error {
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	sys := auth.System()
	var unitID int64
	if unitRef != "" {
		u, err := a.ResolveUnit(ctx, sys, unitRef)
		if err != nil {
			return fmt.Errorf("--unit %s: no such unit", unitRef)
		}
		unitID = u.ID
	} else {
		us, _, err := a.Store.ListUnits(ctx, systemScope(), store.UnitFilter{Page: store.Page{Limit: 1}})
		if err != nil {
			return err
		}
		if len(us) == 0 {
			return errors.New("no unit to register the depots under: run `qingfeng demo` first or create one")
		}
		unitID = us[0].ID
	}
	today := e.now().In(time.FixedZone("CST", 8*3600))
	from, to := today.AddDate(-1, 0, 0).Format(time.DateOnly), today.AddDate(1, 0, 0).Format(time.DateOnly)
	added := 0
	for _, sd := range granarysim.Registry(n) {
		d, err := a.CreateDepot(ctx, sys, monitor.Depot{Code: sd.Code, Name: sd.Name, UnitID: unitID, Address: "模拟数据"})
		if apperr.Is(err, apperr.Conflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("depot %s: %w", sd.Code, err)
		}
		for _, v := range sd.Devices {
			if _, err := a.CreateDevice(ctx, sys, monitor.Device{DepotID: d.ID, Code: v.Code, Kind: v.Kind, Name: string(v.Kind)}); err != nil {
				return fmt.Errorf("device %s/%s: %w", sd.Code, v.Code, err)
			}
		}
		for _, sb := range sd.Bins {
			b, err := a.CreateBin(ctx, sys, monitor.Bin{DepotID: d.ID, Code: sb.Code, Name: sb.Code + " 号仓", CapacityKG: 10_000_000,
				GrainKind: "paddy", BookKG: granarysim.BookKG})
			if err != nil {
				return fmt.Errorf("bin %s/%s: %w", sd.Code, sb.Code, err)
			}
			for _, v := range sb.Devices {
				if _, err := a.CreateDevice(ctx, sys, monitor.Device{DepotID: d.ID, BinID: b.ID, Code: v.Code, Kind: v.Kind, Name: string(v.Kind)}); err != nil {
					return fmt.Errorf("device %s/%s: %w", sd.Code, v.Code, err)
				}
			}
			if _, err := a.CreateRotationPlan(ctx, sys, monitor.RotationPlan{BinID: b.ID, From: from, To: to, Note: "模拟轮换计划"}); err != nil {
				return fmt.Errorf("plan %s/%s: %w", sd.Code, sb.Code, err)
			}
		}
		added++
	}
	fmt.Fprintf(e.stdout, "registered %d simulated depots (%d already there): %s\n", added, n-added, strings.Join(depotCodes(n), " "))
	return nil
}

func depotCodes(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, granarysim.DepotCode(i))
	}
	return out
}
