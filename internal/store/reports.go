package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/oversight"
	"qingfeng/internal/search"
)

const reportCols = `r.id, r.number, r.unit_id, u.name, r.unit_path, r.received_unit_id, r.kind, r.channel, r.status,
	r.title, r.content, r.category, r.division_code, r.subject_name, r.subject_unit, r.subject_post, r.subject_level,
	r.anonymous, r.reporter_sealed, r.external_source, r.external_id, r.collective, r.over_level, COALESCE(r.repeat_of, 0),
	r.route_reason, r.decline_reason, r.result, COALESCE(r.operator_user_id, 0), r.received_at, r.accepted_at, r.notice_at,
	r.closed_at, r.feedback_at, r.version, r.created_at, r.updated_at`

const reportFrom = ` FROM reports r JOIN units u ON u.id = r.unit_id `

func scanReport(sc interface{ Scan(...any) error }) (intake.Report, error) {
	var r intake.Report
	var kind, channel, status, level string
	var rec, acc, notice, closed, fb, c, up int64
	err := sc.Scan(&r.ID, &r.Number, &r.UnitID, &r.UnitName, &r.UnitPath, &r.ReceivedUnitID, &kind, &channel, &status,
		&r.Title, &r.Content, &r.Category, &r.DivisionCode, &r.Subject.Name, &r.Subject.Unit, &r.Subject.Post, &level,
		&r.Anonymous, &r.Sealed, &r.ExternalSource, &r.ExternalID, &r.Collective, &r.OverLevel, &r.RepeatOf,
		&r.RouteReason, &r.DeclineReason, &r.Result, &r.OperatorUserID, &rec, &acc, &notice, &closed, &fb, &r.Version, &c, &up)
	r.Kind, r.Channel, r.Status, r.Subject.Level = intake.Kind(kind), intake.Channel(channel), intake.Status(status), intake.Level(level)
	r.ReceivedAt, r.AcceptedAt, r.NoticeAt, r.ClosedAt, r.FeedbackAt = fromMS(rec), fromMS(acc), fromMS(notice), fromMS(closed), fromMS(fb)
	r.CreatedAt, r.UpdatedAt = fromMS(c), fromMS(up)
	return r, err
}

func getReport(ctx context.Context, q queryer, where string, arg any) (intake.Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportCols+reportFrom+`WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("report")
	}
	if err != nil {
		return r, fmt.Errorf("store: get report: %w", err)
	}
	return r, nil
}

// GetReport returns a report by id. Errors: not_found.
func (s *Store) GetReport(ctx context.Context, id int64) (intake.Report, error) {
	return getReport(ctx, s.db, "r.id = $1", id)
}

// GetReportByReceipt returns the report whose receipt hash matches.
// Errors: not_found.
func (s *Store) GetReportByReceipt(ctx context.Context, hash string) (intake.Report, error) {
	return getReport(ctx, s.db, "r.receipt_hash = $1", hash)
}

// ReportExists reports whether an import already brought this external
// number from this source.
func (s *Store) ReportExists(ctx context.Context, source, externalID string) (int64, bool, error) {
	var id int64
	// "external_id <> ''" lets the planner use the partial unique index.
	err := s.db.QueryRowContext(ctx, `SELECT id FROM reports WHERE external_source = $1 AND external_id = $2 AND external_id <> ''`,
		source, externalID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// existingChunk bounds the external numbers looked up per statement.
const existingChunk = 500

// ExistingReports returns the ids of the reports an import already brought
// from this source, by external number, for those of externalIDs that exist
// (one query per 500 numbers; an import checks a batch of rows at once).
// Errors: database failures only, no apperr code.
func (s *Store) ExistingReports(ctx context.Context, source string, externalIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	for start := 0; start < len(externalIDs); start += existingChunk {
		part := externalIDs[start:min(start+existingChunk, len(externalIDs))]
		var a args
		src := a.add(source)
		ph := make([]string, len(part))
		for i, e := range part {
			ph[i] = a.add(e)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT external_id, id FROM reports WHERE external_source = `+src+
			` AND external_id IN (`+strings.Join(ph, ", ")+`) AND external_id <> ''`, a.v...)
		if err != nil {
			return nil, fmt.Errorf("store: existing reports: %w", err)
		}
		for rows.Next() {
			var ext string
			var id int64
			if err := rows.Scan(&ext, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[ext] = id
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// NewReport is everything CreateReport writes in one transaction.
type NewReport struct {
	Report      intake.Report
	ReceiptHash string // "" when the reporter gets no code (staff entry without one)
	NumberFmt   string // e.g. "%s信〔%d〕%d号" with the unit's short name, year, sequence
	ShortName   string
	Bands       []int64
	// Fingerprint is the stored form of the near-duplicate fingerprint of
	// title and content (dedup.Fingerprint.Bytes); nil writes none.
	Fingerprint []byte
	Links       []NewLink // near-duplicate candidates found before the insert, best first
	Clocks      []intake.ClockRow
	Messages    []intake.Message
	Files       []NewFile
	Event       intake.Event
	// Demand, when set, is a village demand's change to "reported",
	// written in the same transaction with the new report's id and number
	// (转为信访举报); CreateReport returns the changed entry in DemandOut.
	Demand    *VillageChange
	DemandOut *oversight.Entry
}

// NewLink is a near-duplicate candidate of a new report: a stored report
// (OtherID), or, when OtherID is 0, the report at index Earlier of the same
// CreateReports call, written before this one.
type NewLink struct {
	OtherID int64
	Earlier int
	Score   float64
}

// NewFile is an attachment's content.
type NewFile struct {
	Name, MIME string
	Data       []byte
	SHA256     string
}

// CreateReport registers a report: number, row, bands, candidate links,
// clocks, messages, attachments, the first event and the audit record, in
// one transaction. Errors: conflict (same external number or receipt hash).
func (s *Store) CreateReport(ctx context.Context, a audit.Actor, n NewReport) (intake.Report, error) {
	var r intake.Report
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var doc string
		var err error
		if r, doc, err = s.createReport(ctx, tx, a, n, nil); err != nil {
			return err
		}
		if err := s.addSearchEntry(ctx, tx, r.ID, doc, r.UnitPath); err != nil {
			return err
		}
		if c := n.Demand; c != nil {
			c.After.ReportID, c.Note = r.ID, r.Number
			c.AuditNote = map[string]any{"report_id": r.ID, "report_number": r.Number}
			e, err := s.applyVillageChange(ctx, tx, a, *c)
			if err != nil {
				return err
			}
			if n.DemandOut != nil {
				*n.DemandOut = e
			}
		}
		return nil
	})
	if err == nil {
		s.mergeBandsAfterWrite(ctx)
	}
	return r, err
}

// mergeBandsAfterWrite does a step of the band log's merge when one is due
// (band_log.go) after a report was written through the pool. The report
// is written whatever becomes of the step: one that fails changes nothing
// and the next write tries again.
func (s *Store) mergeBandsAfterWrite(ctx context.Context) {
	_ = s.MergeBands(ctx)
}

// CreateReports registers several reports in one transaction (an import
// writes its rows in batches), each written exactly as CreateReport writes
// it and in the order given, with its own number, event and audit record.
// A link may name an earlier report of the same call (NewLink.Earlier).
// All or nothing: on any error none is written. Errors: conflict (an
// external number or receipt hash already stored), invalid (a link to a
// report not earlier in the call).
func (s *Store) CreateReports(ctx context.Context, a audit.Actor, ns []NewReport) ([]intake.Report, error) {
	out, err := s.createReports(ctx, s.db.BeginTx, a, ns)
	if err == nil {
		s.mergeBandsAfterWrite(ctx)
	}
	return out, err
}

// createReports is CreateReports in a transaction begun by begin.
func (s *Store) createReports(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), a audit.Actor, ns []NewReport) ([]intake.Report, error) {
	var out []intake.Report
	err := s.inTxOn(ctx, begin, func(tx *sql.Tx) error {
		if len(ns) == 1 {
			// One report: createReport's statements, all prepared once.
			r, doc, err := s.createReport(ctx, tx, a, ns[0], nil)
			if err != nil {
				return err
			}
			out = []intake.Report{r}
			return s.addSearchEntry(ctx, tx, r.ID, doc, r.UnitPath)
		}
		var err error
		out, err = s.writeReports(ctx, tx, a, ns)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// batchRows bounds the rows of one multi-row statement of writeReports.
const batchRows = 200

// writeReports writes new reports in tx as createReport writes each, but
// with one statement per table for the whole batch where it can: a row
// INSERT per report (for its id), then the bands, clocks, events,
// registration numbers, search entries and audit records of all of them
// together. Links, messages and attachments are written row by row. The
// numbers are taken at the end, as createReport does (the counter rows
// are locked only for the tail of the transaction on PostgreSQL); the
// audit records follow the order of ns.
func (s *Store) writeReports(ctx context.Context, tx *sql.Tx, a audit.Actor, ns []NewReport) ([]intake.Report, error) {
	now := s.now()
	out := make([]intake.Report, len(ns))
	for i, n := range ns {
		r, err := s.insertReportRow(ctx, tx, n, now)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	if err := s.insertBatchBands(ctx, tx, ns, out); err != nil {
		return nil, err
	}
	ids, fps := make([]int64, len(ns)), make([][]byte, len(ns))
	for i, n := range ns {
		ids[i], fps[i] = out[i].ID, n.Fingerprint
	}
	if err := insertFingerprints(ctx, tx, s.dialect, ids, fps); err != nil {
		return nil, err
	}
	for i, n := range ns {
		for _, l := range n.Links {
			other := l.OtherID
			if other == 0 {
				if l.Earlier < 0 || l.Earlier >= i {
					return nil, apperr.New(apperr.Invalid, "error.invalid")
				}
				other = out[l.Earlier].ID
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO report_links (report_id, other_id, score, status) VALUES ($1, $2, $3, 'candidate')`,
				out[i].ID, other, l.Score); err != nil {
				return nil, fmt.Errorf("store: report link: %w", err)
			}
		}
		for _, m := range n.Messages {
			if _, err := s.insertMessage(ctx, tx, out[i].ID, m, now); err != nil {
				return nil, err
			}
		}
		for _, f := range n.Files {
			if err := s.insertFile(ctx, tx, out[i].ID, 0, f, now); err != nil {
				return nil, err
			}
		}
	}
	m := s.multiInsert(ctx, tx)
	for i, n := range ns {
		for _, c := range n.Clocks {
			m.sep(`INSERT INTO report_clocks (report_id, code, started_at, due_at, remind_at, provisional) VALUES `)
			fmt.Fprintf(&m.q, "(%s, %s, %s, %s, %s, %s)", m.ph(out[i].ID), m.ph(c.Code), m.ph(ms(c.StartedAt)), m.ph(ms(c.DueAt)),
				m.ph(ms(c.RemindAt)), m.ph(c.Provisional))
			if m.rows == batchRows {
				if err := m.run("report clocks"); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := m.run("report clocks"); err != nil {
		return nil, err
	}
	for i, n := range ns {
		e := n.Event
		m.sep(`INSERT INTO report_events (report_id, action, from_status, to_status, unit_id, user_id, note, at) VALUES `)
		fmt.Fprintf(&m.q, "(%s, %s, %s, %s, %s, %s, %s, %s)", m.ph(out[i].ID), m.ph(e.Action), m.ph(string(e.FromStatus)),
			m.ph(string(out[i].Status)), m.ph(out[i].UnitID), m.ph(nullID(e.UserID)), m.ph(e.Note), m.ph(ms(now)))
		if m.rows == batchRows {
			if err := m.run("report events"); err != nil {
				return nil, err
			}
		}
	}
	if err := m.run("report events"); err != nil {
		return nil, err
	}
	if err := s.numberReports(ctx, tx, ns, out); err != nil {
		return nil, err
	}
	// The search entries in a run: SQLite's FTS5 keeps them in memory
	// until a statement on another table, so written together they make
	// one index segment for the batch instead of one per report.
	for i, n := range ns {
		var replies []string
		for _, msg := range n.Messages {
			if msg.Author == "staff" && msg.Public {
				replies = append(replies, msg.Body)
			}
		}
		doc := SearchDoc(out[i], replies)
		if s.dialect == Postgres {
			for c, chunk := range pgSearchChunks(doc, out[i].UnitPath) {
				m.sep(`INSERT INTO report_search (report_id, chunk, vec) VALUES `)
				fmt.Fprintf(&m.q, "(%s, %s, to_tsvector('simple', %s))", m.ph(out[i].ID), m.ph(c), m.ph(chunk))
			}
		} else {
			m.sep(`INSERT INTO report_fts (rowid, tokens, scope) VALUES `)
			fmt.Fprintf(&m.q, "(%s, %s, %s)", m.ph(out[i].ID), m.ph(search.Tokens(doc)), m.ph(search.ScopeTokens(out[i].UnitPath)))
		}
		if m.rows >= batchRows {
			if err := m.run("report search entries"); err != nil {
				return nil, err
			}
		}
	}
	if err := m.run("report search entries"); err != nil {
		return nil, err
	}
	changes := make([]change, len(ns))
	for i, n := range ns {
		out[i].Candidates = len(n.Links)
		changes[i] = change{action: "report.create", objectType: "report", objectID: out[i].ID,
			after: auditReport(out[i]), note: map[string]any{"channel": out[i].Channel, "files": len(n.Files)}}
	}
	if err := s.appendAudits(ctx, tx, a, changes); err != nil {
		return nil, err
	}
	return out, nil
}

// insertBands writes one report's near-duplicate bands: on SQLite its row
// of the band log (band_log.go), on PostgreSQL its rows of report_bands in
// one prepared statement of arguments (the text depends only on the number
// of bands, always dedup.Bands).
func (s *Store) insertBands(ctx context.Context, tx *sql.Tx, id int64, bands []int64) error {
	if len(bands) == 0 {
		return nil
	}
	if len(bands) > 256 {
		return fmt.Errorf("store: report bands: %d bands", len(bands))
	}
	if s.dialect == SQLite {
		if _, err := s.exec(ctx, tx, `INSERT INTO report_band_log (report_id, hashes) VALUES ($1, $2)`,
			id, bandHashesJSON(bands)); err != nil {
			return fmt.Errorf("store: report bands: %w", err)
		}
		s.bands.written.Add(int64(len(bands)))
		return nil
	}
	var ba args
	rows := make([]string, len(bands))
	idp := ba.add(id)
	for i, h := range bands {
		rows[i] = "(" + ba.add(i) + ", " + ba.add(h) + ", " + idp + ")"
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO report_bands (band, hash, report_id) VALUES `+strings.Join(rows, ", "), ba.v...); err != nil {
		return fmt.Errorf("store: report bands: %w", err)
	}
	return nil
}

// insertBatchBands writes the bands of a batch of new reports (out holds
// their ids). SQLite runs insertBands' prepared statement per report (one
// row of the band log each). PostgreSQL gets the literal rows of
// report_bands in a few statements, one round trip each.
func (s *Store) insertBatchBands(ctx context.Context, tx *sql.Tx, ns []NewReport, out []intake.Report) error {
	if s.dialect == SQLite {
		for i, n := range ns {
			if err := s.insertBands(ctx, tx, out[i].ID, n.Bands); err != nil {
				return err
			}
		}
		return nil
	}
	var b []byte
	flush := func() error {
		if len(b) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, string(b))
		b = b[:0]
		if err != nil {
			return fmt.Errorf("store: report bands: %w", err)
		}
		return nil
	}
	rowsIn := 0
	for i, n := range ns {
		b = appendBandRows(b, out[i].ID, n.Bands)
		if rowsIn += len(n.Bands); rowsIn >= 50*batchRows {
			if err := flush(); err != nil {
				return err
			}
			rowsIn = 0
		}
	}
	return flush()
}

// appendBandRows appends one report's bands as literal rows (band index,
// hash, report; integers only) to an INSERT INTO report_bands statement,
// which it starts when b is empty.
func appendBandRows(b []byte, id int64, bands []int64) []byte {
	for band, h := range bands {
		if len(b) == 0 {
			b = append(b, "INSERT INTO report_bands (band, hash, report_id) VALUES "...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, '(')
		b = strconv.AppendInt(b, int64(band), 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, h, 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, ')')
	}
	return b
}

// insertReportRow inserts a new report's row without its number and
// returns the report with its id, version and times.
func (s *Store) insertReportRow(ctx context.Context, tx *sql.Tx, n NewReport, now time.Time) (intake.Report, error) {
	r := n.Report
	var receipt any
	if n.ReceiptHash != "" {
		receipt = n.ReceiptHash
	}
	err := s.queryRow(ctx, tx, `INSERT INTO reports (number, unit_id, unit_path, received_unit_id, kind, channel, status,
			title, content, category, division_code, subject_name, subject_unit, subject_post, subject_level, anonymous,
			reporter_sealed, receipt_hash, external_source, external_id, collective, over_level, repeat_of, route_reason,
			decline_reason, operator_user_id, received_at, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			$24, $25, $26, $27, 1, $28, $28) RETURNING id`,
		"", r.UnitID, r.UnitPath, r.ReceivedUnitID, string(r.Kind), string(r.Channel), string(r.Status),
		r.Title, r.Content, r.Category, r.DivisionCode, r.Subject.Name, r.Subject.Unit, r.Subject.Post, string(r.Subject.Level),
		r.Anonymous, r.Sealed, receipt, r.ExternalSource, r.ExternalID, r.Collective, r.OverLevel, nullID(r.RepeatOf),
		r.RouteReason, r.DeclineReason, nullID(r.OperatorUserID), ms(r.ReceivedAt), ms(now)).Scan(&r.ID)
	if err != nil {
		return r, s.mapErr(fmt.Errorf("store: insert report: %w", err))
	}
	r.Version, r.CreatedAt, r.UpdatedAt = 1, now.Truncate(time.Millisecond), now.Truncate(time.Millisecond)
	return r, nil
}

// numberReports takes the registration numbers of a batch, one counter
// update per receiving unit and year (the batch's reports of one unit get
// consecutive numbers in their order), and sets them on the rows in one
// statement per batchRows reports.
func (s *Store) numberReports(ctx context.Context, tx *sql.Tx, ns []NewReport, out []intake.Report) error {
	type key struct {
		unit int64
		year int
	}
	loc := shanghai()
	years := make([]int, len(out))
	count := map[key]int64{}
	var order []key
	for i, r := range out {
		years[i] = r.ReceivedAt.In(loc).Year()
		k := key{r.ReceivedUnitID, years[i]}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	next := map[key]int64{}
	for _, k := range order {
		var last int64
		if err := s.queryRow(ctx, tx, `INSERT INTO report_numbers (unit_id, year, last) VALUES ($1, $2, $3)
				ON CONFLICT (unit_id, year) DO UPDATE SET last = report_numbers.last + excluded.last RETURNING last`,
			k.unit, k.year, count[k]).Scan(&last); err != nil {
			return fmt.Errorf("store: report number: %w", err)
		}
		next[k] = last - count[k] + 1
	}
	for lo := 0; lo < len(out); lo += batchRows {
		var a args
		var cases, ids strings.Builder
		for i := lo; i < min(lo+batchRows, len(out)); i++ {
			k := key{out[i].ReceivedUnitID, years[i]}
			out[i].Number = fmt.Sprintf(ns[i].NumberFmt, ns[i].ShortName, years[i], next[k])
			next[k]++
			id := a.add(out[i].ID)
			fmt.Fprintf(&cases, " WHEN %s THEN %s", id, a.add(out[i].Number))
			if ids.Len() > 0 {
				ids.WriteString(", ")
			}
			ids.WriteString(strconv.FormatInt(out[i].ID, 10))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET number = CASE id`+cases.String()+` END WHERE id IN (`+ids.String()+`)`,
			a.v...); err != nil {
			return fmt.Errorf("store: set report numbers: %w", err)
		}
	}
	return nil
}

// createReport writes one new report in tx (see CreateReport) except its
// search entry, whose text it returns for indexReport; earlier are the ids
// of the reports written before it in the same CreateReports call.
func (s *Store) createReport(ctx context.Context, tx *sql.Tx, a audit.Actor, n NewReport, earlier []int64) (intake.Report, string, error) {
	now := s.now()
	r, err := s.insertReportRow(ctx, tx, n, now)
	if err != nil {
		return r, "", err
	}
	if err := s.insertBands(ctx, tx, r.ID, n.Bands); err != nil {
		return r, "", err
	}
	if err := insertFingerprints(ctx, tx, s.dialect, []int64{r.ID}, [][]byte{n.Fingerprint}); err != nil {
		return r, "", err
	}
	for _, l := range n.Links {
		other := l.OtherID
		if other == 0 {
			if l.Earlier < 0 || l.Earlier >= len(earlier) {
				return r, "", apperr.New(apperr.Invalid, "error.invalid")
			}
			other = earlier[l.Earlier]
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO report_links (report_id, other_id, score, status) VALUES ($1, $2, $3, 'candidate')`,
			r.ID, other, l.Score); err != nil {
			return r, "", fmt.Errorf("store: report link: %w", err)
		}
	}
	for _, c := range n.Clocks {
		if err := s.insertClock(ctx, tx, r.ID, c); err != nil {
			return r, "", err
		}
	}
	for _, m := range n.Messages {
		if _, err := s.insertMessage(ctx, tx, r.ID, m, now); err != nil {
			return r, "", err
		}
	}
	for _, f := range n.Files {
		if err := s.insertFile(ctx, tx, r.ID, 0, f, now); err != nil {
			return r, "", err
		}
	}
	ev := n.Event
	ev.ToStatus, ev.UnitID = r.Status, r.UnitID
	if err := s.insertEvent(ctx, tx, r.ID, ev, now); err != nil {
		return r, "", err
	}
	var replies []string
	for _, m := range n.Messages {
		if m.Author == "staff" && m.Public {
			replies = append(replies, m.Body)
		}
	}
	// The registration number comes last: the per-unit counter row is
	// locked from here to commit (short on PostgreSQL under concurrency).
	year := r.ReceivedAt.In(shanghai()).Year()
	var seq int64
	if err := s.queryRow(ctx, tx, `INSERT INTO report_numbers (unit_id, year, last) VALUES ($1, $2, 1)
			ON CONFLICT (unit_id, year) DO UPDATE SET last = report_numbers.last + 1 RETURNING last`,
		r.ReceivedUnitID, year).Scan(&seq); err != nil {
		return r, "", fmt.Errorf("store: report number: %w", err)
	}
	r.Number = fmt.Sprintf(n.NumberFmt, n.ShortName, year, seq)
	if _, err := s.exec(ctx, tx, `UPDATE reports SET number = $1 WHERE id = $2`, r.Number, r.ID); err != nil {
		return r, "", fmt.Errorf("store: set report number: %w", err)
	}
	r.Candidates = len(n.Links)
	err = s.appendAudit(ctx, tx, a, change{action: "report.create", objectType: "report", objectID: r.ID,
		after: auditReport(r), note: map[string]any{"channel": r.Channel, "files": len(n.Files)}})
	return r, SearchDoc(r, replies), err
}

// auditReport is what the audit log digests for a report: no content text
// and never the sealed identity (its digest is enough to prove change).
func auditReport(r intake.Report) any {
	return struct {
		ID, UnitID                  int64
		Number, Status, Kind, Title string
		Category, DivisionCode      string
		RepeatOf                    int64
		Collective, OverLevel       bool
		DeclineReason, Result       string
		SealedDigest, ContentDigest string
	}{r.ID, r.UnitID, r.Number, string(r.Status), string(r.Kind), r.Title, r.Category, r.DivisionCode, r.RepeatOf,
		r.Collective, r.OverLevel, r.DeclineReason, r.Result, audit.Digest(r.Sealed), audit.Digest(r.Content)}
}

func (s *Store) insertClock(ctx context.Context, tx *sql.Tx, reportID int64, c intake.ClockRow) error {
	_, err := s.exec(ctx, tx, `INSERT INTO report_clocks (report_id, code, started_at, due_at, remind_at, provisional)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (report_id, code) DO UPDATE SET started_at = excluded.started_at,
		due_at = excluded.due_at, remind_at = excluded.remind_at, provisional = excluded.provisional, done_at = 0, reminded_at = 0`,
		reportID, c.Code, ms(c.StartedAt), ms(c.DueAt), ms(c.RemindAt), c.Provisional)
	if err != nil {
		return fmt.Errorf("store: report clock: %w", err)
	}
	return nil
}

func (s *Store) insertMessage(ctx context.Context, tx *sql.Tx, reportID int64, m intake.Message, now time.Time) (int64, error) {
	var id int64
	err := s.queryRow(ctx, tx, `INSERT INTO report_messages (report_id, author, public, body, user_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, reportID, m.Author, m.Public, m.Body, nullID(m.UserID), ms(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: report message: %w", err)
	}
	return id, nil
}

func (s *Store) insertFile(ctx context.Context, tx *sql.Tx, reportID, messageID int64, f NewFile, now time.Time) error {
	_, err := s.exec(ctx, tx, `INSERT INTO report_attachments (report_id, message_id, name, mime, size, sha256, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, reportID, nullID(messageID), f.Name, f.MIME, len(f.Data), f.SHA256, f.Data, ms(now))
	if err != nil {
		return fmt.Errorf("store: report attachment: %w", err)
	}
	return nil
}

func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, reportID int64, e intake.Event, now time.Time) error {
	_, err := s.exec(ctx, tx, `INSERT INTO report_events (report_id, action, from_status, to_status, unit_id, user_id, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, reportID, e.Action, string(e.FromStatus), string(e.ToStatus), e.UnitID,
		nullID(e.UserID), e.Note, ms(now))
	if err != nil {
		return fmt.Errorf("store: report event: %w", err)
	}
	return nil
}

// shanghai is the business time zone for numbering years.
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// ReportFilter narrows ListReports.
type ReportFilter struct {
	Status   []intake.Status
	Channel  intake.Channel
	Kind     intake.Kind
	Category string
	Query    string // substring of title, number or subject name
	From, To time.Time
	Overdue  bool // with a running clock past due
	Now      time.Time
	Page     Page
}

// ListReports lists reports whose responsible unit lies in the scope,
// newest first.
func (s *Store) ListReports(ctx context.Context, sc auth.Scope, f ReportFilter) ([]intake.Report, int, error) {
	var a args
	where := []string{scopeSQL(sc, "r.unit_path", &a)}
	if len(f.Status) > 0 {
		var ph []string
		for _, st := range f.Status {
			ph = append(ph, a.add(string(st)))
		}
		where = append(where, "r.status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Channel != "" {
		where = append(where, "r.channel = "+a.add(string(f.Channel)))
	}
	if f.Kind != "" {
		where = append(where, "r.kind = "+a.add(string(f.Kind)))
	}
	if f.Category != "" {
		where = append(where, "r.category = "+a.add(f.Category))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likePattern(q))
		where = append(where, fmt.Sprintf(`(r.title LIKE %s ESCAPE '\' OR r.number LIKE %s ESCAPE '\' OR r.subject_name LIKE %s ESCAPE '\')`, p, p, p))
	}
	if !f.From.IsZero() {
		where = append(where, "r.received_at >= "+a.add(ms(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "r.received_at < "+a.add(ms(f.To)))
	}
	if f.Overdue {
		where = append(where, "EXISTS (SELECT 1 FROM report_clocks c WHERE c.report_id = r.id AND c.done_at = 0 AND c.due_at < "+a.add(ms(f.Now))+")")
	}
	var out []intake.Report
	total, err := s.listQuery(ctx, reportCols, reportFrom+`WHERE `+strings.Join(where, " AND "), "r.received_at DESC, r.id DESC", a, f.Page,
		func(rows *sql.Rows) error {
			r, err := scanReport(rows)
			out = append(out, r)
			return err
		})
	return out, total, err
}

// ReportChange is a state change with its event, applied at Version.
type ReportChange struct {
	ID       int64
	Version  int64
	Status   intake.Status
	UnitID   int64 // 0 = unchanged
	UnitPath string
	Set      map[string]any // column -> value, only from the allowed list
	Event    intake.Event
	Clocks   []intake.ClockRow // clocks to (re)start
	Done     []string          // clock codes met now
	Messages []intake.Message  // e.g. the acceptance notice or feedback
}

var reportSettable = map[string]bool{"accepted_at": true, "notice_at": true, "closed_at": true, "feedback_at": true,
	"decline_reason": true, "result": true, "route_reason": true, "repeat_of": true, "collective": true, "over_level": true}

// UpdateReport applies a workflow change in one transaction with its event,
// clocks, messages and audit record. Errors: not_found, conflict.
func (s *Store) UpdateReport(ctx context.Context, a audit.Actor, c ReportChange) (intake.Report, error) {
	var out intake.Report
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := getReport(ctx, tx, "r.id = $1", c.ID)
		if err != nil {
			return err
		}
		now := s.now()
		var ar args
		sets := []string{"status = " + ar.add(string(c.Status)), "version = version + 1", "updated_at = " + ar.add(ms(now))}
		if c.UnitID != 0 {
			sets = append(sets, "unit_id = "+ar.add(c.UnitID), "unit_path = "+ar.add(c.UnitPath))
		}
		for col, v := range c.Set {
			if !reportSettable[col] {
				return fmt.Errorf("store: report column %q is not settable", col)
			}
			if t, ok := v.(time.Time); ok {
				v = ms(t)
			}
			sets = append(sets, col+" = "+ar.add(v))
		}
		res, err := tx.ExecContext(ctx, `UPDATE reports SET `+strings.Join(sets, ", ")+` WHERE id = `+ar.add(c.ID)+
			` AND version = `+ar.add(c.Version), ar.v...)
		if err != nil {
			return fmt.Errorf("store: update report: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		for _, code := range c.Done {
			if _, err := s.exec(ctx, tx, `UPDATE report_clocks SET done_at = $1 WHERE report_id = $2 AND code = $3 AND done_at = 0`,
				ms(now), c.ID, code); err != nil {
				return fmt.Errorf("store: clock done: %w", err)
			}
		}
		for _, k := range c.Clocks {
			if err := s.insertClock(ctx, tx, c.ID, k); err != nil {
				return err
			}
		}
		reindex := c.UnitID != 0 && c.UnitPath != before.UnitPath // the entry carries the unit's scope tokens
		for _, m := range c.Messages {
			if _, err := s.insertMessage(ctx, tx, c.ID, m, now); err != nil {
				return err
			}
			reindex = reindex || (m.Author == "staff" && m.Public) // a public reply is searchable
		}
		if reindex {
			if err := s.reindexInTx(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		ev := c.Event
		ev.FromStatus, ev.ToStatus = before.Status, c.Status
		if ev.UnitID == 0 {
			ev.UnitID = before.UnitID
			if c.UnitID != 0 {
				ev.UnitID = c.UnitID
			}
		}
		if err := s.insertEvent(ctx, tx, c.ID, ev, now); err != nil {
			return err
		}
		out, err = getReport(ctx, tx, "r.id = $1", c.ID)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "report." + ev.Action, objectType: "report", objectID: c.ID,
			before: auditReport(before), after: auditReport(out)})
	})
	return out, err
}

// AddReportMessage appends a message (and its files) to a report, audited.
func (s *Store) AddReportMessage(ctx context.Context, a audit.Actor, reportID int64, m intake.Message, files []NewFile) (intake.Message, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		id, err := s.insertMessage(ctx, tx, reportID, m, now)
		if err != nil {
			return err
		}
		m.ID, m.ReportID, m.CreatedAt = id, reportID, now.Truncate(time.Millisecond)
		for _, f := range files {
			if err := s.insertFile(ctx, tx, reportID, id, f, now); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, tx, `UPDATE reports SET updated_at = $1 WHERE id = $2`, ms(now), reportID); err != nil {
			return fmt.Errorf("store: touch report: %w", err)
		}
		if m.Author == "staff" && m.Public {
			if err := s.reindexInTx(ctx, tx, reportID); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, change{action: "report.message", objectType: "report", objectID: reportID,
			note: map[string]any{"author": m.Author, "public": m.Public, "files": len(files), "body_digest": audit.Digest(m.Body)}})
	})
	return m, err
}

// ReportMessages returns a report's messages, oldest first; publicOnly
// limits them to what the reporter sees.
func (s *Store) ReportMessages(ctx context.Context, reportID int64, publicOnly bool) ([]intake.Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.report_id, m.author, m.public, m.body, COALESCE(m.user_id, 0),
		COALESCE(p.name, ''), m.created_at FROM report_messages m LEFT JOIN users us ON us.id = m.user_id
		LEFT JOIN people p ON p.id = us.person_id WHERE m.report_id = $1 AND ($2 = FALSE OR m.public = TRUE) ORDER BY m.id`,
		reportID, publicOnly)
	if err != nil {
		return nil, fmt.Errorf("store: report messages: %w", err)
	}
	defer rows.Close()
	var out []intake.Message
	for rows.Next() {
		var m intake.Message
		var at int64
		if err := rows.Scan(&m.ID, &m.ReportID, &m.Author, &m.Public, &m.Body, &m.UserID, &m.UserName, &at); err != nil {
			return nil, err
		}
		m.CreatedAt = fromMS(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ReportAttachments lists a report's files (metadata only).
func (s *Store) ReportAttachments(ctx context.Context, reportID int64) ([]intake.Attachment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, report_id, COALESCE(message_id, 0), name, mime, size, sha256, created_at
		FROM report_attachments WHERE report_id = $1 ORDER BY id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: attachments: %w", err)
	}
	defer rows.Close()
	var out []intake.Attachment
	for rows.Next() {
		var f intake.Attachment
		var at int64
		if err := rows.Scan(&f.ID, &f.ReportID, &f.MessageID, &f.Name, &f.MIME, &f.Size, &f.SHA256, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = fromMS(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// AttachmentData returns one file's metadata and bytes. Errors: not_found.
func (s *Store) AttachmentData(ctx context.Context, id int64) (intake.Attachment, []byte, error) {
	var f intake.Attachment
	var data []byte
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT id, report_id, COALESCE(message_id, 0), name, mime, size, sha256, created_at, data
		FROM report_attachments WHERE id = $1`, id).Scan(&f.ID, &f.ReportID, &f.MessageID, &f.Name, &f.MIME, &f.Size, &f.SHA256, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, notFound("attachment")
	}
	f.CreatedAt = fromMS(at)
	return f, data, err
}

// ReportEvents returns a report's hand-off record, oldest first.
func (s *Store) ReportEvents(ctx context.Context, reportID int64) ([]intake.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.report_id, e.action, e.from_status, e.to_status, e.unit_id, u.name,
		COALESCE(e.user_id, 0), COALESCE(p.name, ''), e.note, e.at FROM report_events e JOIN units u ON u.id = e.unit_id
		LEFT JOIN users us ON us.id = e.user_id LEFT JOIN people p ON p.id = us.person_id WHERE e.report_id = $1 ORDER BY e.id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: report events: %w", err)
	}
	defer rows.Close()
	var out []intake.Event
	for rows.Next() {
		var e intake.Event
		var from, to string
		var at int64
		if err := rows.Scan(&e.ID, &e.ReportID, &e.Action, &from, &to, &e.UnitID, &e.UnitName, &e.UserID, &e.UserName, &e.Note, &at); err != nil {
			return nil, err
		}
		e.FromStatus, e.ToStatus, e.At = intake.Status(from), intake.Status(to), fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordReveal stores and audits an opening of a sealed identity.
func (s *Store) RecordReveal(ctx context.Context, a audit.Actor, reportID int64, reason string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO report_reveals (report_id, user_id, reason, at) VALUES ($1, $2, $3, $4)`,
			reportID, a.UserID, reason, ms(s.now())); err != nil {
			return fmt.Errorf("store: reveal: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "report.reveal", objectType: "report", objectID: reportID,
			note: map[string]any{"reason": reason}})
	})
}

// ReportReveals lists the reveals of a report.
func (s *Store) ReportReveals(ctx context.Context, reportID int64) ([]intake.Reveal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.report_id, v.user_id, p.name, v.reason, v.at FROM report_reveals v
		JOIN users us ON us.id = v.user_id JOIN people p ON p.id = us.person_id WHERE v.report_id = $1 ORDER BY v.id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: reveals: %w", err)
	}
	defer rows.Close()
	var out []intake.Reveal
	for rows.Next() {
		var v intake.Reveal
		var at int64
		if err := rows.Scan(&v.ID, &v.ReportID, &v.UserID, &v.UserName, &v.Reason, &at); err != nil {
			return nil, err
		}
		v.At = fromMS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReportClocks returns the clocks of a report.
func (s *Store) ReportClocks(ctx context.Context, reportID int64) ([]intake.ClockRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, report_id, code, started_at, due_at, remind_at, done_at, reminded_at, provisional
		FROM report_clocks WHERE report_id = $1 ORDER BY due_at`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: clocks: %w", err)
	}
	return scanClocks(rows)
}

// scanClocks reads clock rows (id, report_id, code, started_at, due_at,
// remind_at, done_at, reminded_at, provisional) and closes them.
func scanClocks(rows *sql.Rows) ([]intake.ClockRow, error) {
	defer rows.Close()
	var out []intake.ClockRow
	for rows.Next() {
		var c intake.ClockRow
		var st, due, rem, done, remd int64
		if err := rows.Scan(&c.ID, &c.ReportID, &c.Code, &st, &due, &rem, &done, &remd, &c.Provisional); err != nil {
			return nil, err
		}
		c.StartedAt, c.DueAt, c.RemindAt, c.DoneAt, c.RemindedAt = fromMS(st), fromMS(due), fromMS(rem), fromMS(done), fromMS(remd)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClaimReminders claims up to limit clocks whose reminder time has come and
// that nobody has reminded or claimed, for claimFor. Several instances may
// run it side by side: the UPDATE ... RETURNING claims atomically.
func (s *Store) ClaimReminders(ctx context.Context, limit int, claimFor time.Duration) ([]intake.ClockRow, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `UPDATE report_clocks SET claimed_until = $1
		WHERE id IN (SELECT id FROM report_clocks WHERE done_at = 0 AND reminded_at = 0 AND remind_at <= $2
			AND claimed_until < $2 ORDER BY remind_at LIMIT $3)
		AND claimed_until < $2
		RETURNING id, report_id, code, started_at, due_at, remind_at, done_at, reminded_at, provisional`,
		ms(now.Add(claimFor)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim reminders: %w", err)
	}
	return scanClocks(rows)
}

// MarkReminded records that a clock's reminder went out (a system message
// on the report, audited).
func (s *Store) MarkReminded(ctx context.Context, c intake.ClockRow, body string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := s.exec(ctx, tx, `UPDATE report_clocks SET reminded_at = $1 WHERE id = $2 AND reminded_at = 0`, ms(now), c.ID)
		if err != nil {
			return fmt.Errorf("store: mark reminded: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := s.insertMessage(ctx, tx, c.ReportID, intake.Message{Author: "system", Body: body}, now); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Actor{Name: "system"}, change{action: "report.remind", objectType: "report",
			objectID: c.ReportID, note: map[string]any{"clock": c.Code}})
	})
}

// BandCandidates returns up to limit reports sharing at least one band
// with bands (band i = bands[i]), with how many bands each shares,
// excluding exclude: those sharing most, the newest first among equals.
// One index lookup on hash: band hashes are 64-bit, so equal hashes in
// different bands are filtered in Go. On SQLite the band log in memory is
// probed too (band_log.go); on PostgreSQL the hashes are looked up in
// pgLookupParts statements side by side.
func (s *Store) BandCandidates(ctx context.Context, bands []int64, exclude int64, limit int) (map[int64]int, error) {
	if len(bands) == 0 {
		return nil, nil
	}
	var levels []*bandTable
	if s.bands != nil {
		// Before report_bands is queried: see band_log.go.
		var err error
		if levels, err = s.bandLevels(ctx, nil); err != nil {
			return nil, fmt.Errorf("store: band candidates: %w", err)
		}
	}
	counts, err := inParts(ctx, s.lookupParts(len(bands)), func(ctx context.Context, part [2]int) (map[int64]int, error) {
		return s.bandCounts(ctx, bands, part, exclude)
	})
	if err != nil {
		return nil, fmt.Errorf("store: band candidates: %w", err)
	}
	count := counts[0]
	for _, c := range counts[1:] {
		for id, n := range c {
			count[id] += n
		}
	}
	if s.bands != nil {
		s.countBandLevels(levels, bands, exclude, count)
	}
	if len(count) <= limit {
		return count, nil
	}
	ids := make([]int64, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if count[ids[i]] != count[ids[j]] {
			return count[ids[i]] > count[ids[j]]
		}
		return ids[i] > ids[j]
	})
	out := make(map[int64]int, limit)
	for _, id := range ids[:limit] {
		out[id] = count[id]
	}
	return out, nil
}

// pgLookupParts is how many statements a PostgreSQL near-duplicate
// look-up is split into, run side by side on pooled connections: its 48
// band probes and the candidates' texts are index descents whose pages
// mostly come from the file cache, not shared_buffers, at a million
// reports, and one statement reads them one after the other on one core.
const pgLookupParts = 4

// lookupParts splits n keys into the index ranges [lo, hi) looked up by
// one statement each: one on SQLite (its look-ups are served from the
// page cache, and a connection per part would only take turns), up to
// pgLookupParts equal ones on PostgreSQL.
func (s *Store) lookupParts(n int) [][2]int {
	k := 1
	if s.dialect == Postgres {
		k = min(pgLookupParts, n)
	}
	out := make([][2]int, k)
	for i := range out {
		out[i] = [2]int{i * n / k, (i + 1) * n / k}
	}
	return out
}

// inParts runs fn for every part, each beyond the first on a goroutine of
// its own, and returns their results in order, or the first error to
// happen (which cancels the others; their cancellations are not
// reported). A panic in a part's goroutine becomes that part's error.
func inParts[T any](ctx context.Context, parts [][2]int, fn func(ctx context.Context, part [2]int) (T, error)) ([]T, error) {
	out := make([]T, len(parts))
	switch len(parts) {
	case 0:
		return out, nil
	case 1:
		var err error
		out[0], err = fn(ctx, parts[0])
		return out, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var first error
	run := func(k int) {
		var err error
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("store: look-up part %d: panic: %v", k, p)
			}
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				cancel()
			}
		}()
		out[k], err = fn(ctx, parts[k])
	}
	var wg sync.WaitGroup
	for k := 1; k < len(parts); k++ {
		wg.Go(func() { run(k) })
	}
	run(0)
	wg.Wait()
	return out, first
}

// bandCounts counts, per report other than exclude, the bands in
// bands[part[0]:part[1]] it shares.
func (s *Store) bandCounts(ctx context.Context, bands []int64, part [2]int, exclude int64) (map[int64]int, error) {
	var a args
	ph := make([]string, 0, part[1]-part[0])
	for i := part[0]; i < part[1]; i++ {
		ph = append(ph, a.add(bands[i]))
	}
	// The text depends only on the number of bands in the part (always
	// dedup.Bands split alike): prepared once, not parsed for every report.
	st, err := s.prepared(ctx, `SELECT band, hash, report_id FROM report_bands WHERE hash IN (`+strings.Join(ph, ", ")+
		`) AND report_id <> `+a.add(exclude))
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, a.v...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	count := map[int64]int{}
	for rows.Next() {
		var band int
		var hash, id int64
		if err := rows.Scan(&band, &hash, &id); err != nil {
			return nil, err
		}
		// The row's band must be one of the part's, with the same hash
		// (the same hash in two bands of the query counts in both).
		if band >= part[0] && band < part[1] && bands[band] == hash {
			count[id]++
		}
	}
	return count, rows.Err()
}

// ReportTexts returns title and content of reports by id (to score a
// near-duplicate pair stored without a fingerprint, and a pair that staff
// link by hand), with their unit paths for scope checks. On PostgreSQL
// the ids are read in up to pgLookupParts statements side by side.
func (s *Store) ReportTexts(ctx context.Context, ids []int64) (map[int64][3]string, error) {
	out, err := lookupByID(ctx, s, ids, s.reportTexts)
	if err != nil {
		return nil, fmt.Errorf("store: report texts: %w", err)
	}
	return out, nil
}

func (s *Store) reportTexts(ctx context.Context, ids []int64) (map[int64][3]string, error) {
	var a args
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.add(id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, content, unit_path FROM reports WHERE id IN (`+strings.Join(ph, ", ")+`)`, a.v...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][3]string{}
	for rows.Next() {
		var id int64
		var t [3]string
		if err := rows.Scan(&id, &t[0], &t[1], &t[2]); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// ReportLinks returns a report's near-duplicate links in both directions.
func (s *Store) ReportLinks(ctx context.Context, reportID int64) ([]intake.Link, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT report_id, other_id, score, status, COALESCE(decided_by, 0), decided_at
		FROM report_links WHERE report_id = $1 OR other_id = $1 ORDER BY score DESC`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: links: %w", err)
	}
	defer rows.Close()
	var out []intake.Link
	for rows.Next() {
		var l intake.Link
		var at int64
		if err := rows.Scan(&l.ReportID, &l.OtherID, &l.Score, &l.Status, &l.DecidedBy, &at); err != nil {
			return nil, err
		}
		l.DecidedAt = fromMS(at)
		if l.OtherID == reportID {
			l.ReportID, l.OtherID = l.OtherID, l.ReportID
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// DecideLink confirms or rejects a near-duplicate link; confirming marks the
// newer report as a repeat (重复件) of the older. Errors: not_found.
func (s *Store) DecideLink(ctx context.Context, a audit.Actor, reportID, otherID int64, confirm bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		status := map[bool]string{true: "confirmed", false: "rejected"}[confirm]
		res, err := s.exec(ctx, tx, `UPDATE report_links SET status = $1, decided_by = $2, decided_at = $3
			WHERE (report_id = $4 AND other_id = $5) OR (report_id = $5 AND other_id = $4)`,
			status, nullID(a.UserID), ms(s.now()), reportID, otherID)
		if err != nil {
			return fmt.Errorf("store: decide link: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "error.not_found.link")
		}
		newer, older := reportID, otherID
		if newer < older {
			newer, older = older, newer
		}
		if confirm {
			_, err = s.exec(ctx, tx, `UPDATE reports SET repeat_of = $1, version = version + 1 WHERE id = $2 AND repeat_of IS NULL`, older, newer)
		} else {
			_, err = s.exec(ctx, tx, `UPDATE reports SET repeat_of = NULL, version = version + 1 WHERE id = $1 AND repeat_of = $2`, newer, older)
		}
		if err != nil {
			return fmt.Errorf("store: mark repeat: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "report.link_" + status, objectType: "report", objectID: newer,
			note: map[string]any{"other": older}})
	})
}

// AddLink records a near-duplicate candidate found later (staff linking two
// reports by hand). An existing link is kept.
func (s *Store) AddLink(ctx context.Context, reportID, otherID int64, score float64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO report_links (report_id, other_id, score, status) VALUES ($1, $2, $3, 'candidate')
		ON CONFLICT (report_id, other_id) DO NOTHING`, reportID, otherID, score)
	if err != nil {
		return fmt.Errorf("store: add link: %w", err)
	}
	return nil
}

// CalendarYears returns the holiday notices administrators uploaded, by year.
func (s *Store) CalendarYears(ctx context.Context) (map[int]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT year, data FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("store: calendar years: %w", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var y int
		var d string
		if err := rows.Scan(&y, &d); err != nil {
			return nil, err
		}
		out[y] = d
	}
	return out, rows.Err()
}

// SaveCalendarYear stores (or replaces) a year's holiday notice, audited.
func (s *Store) SaveCalendarYear(ctx context.Context, a audit.Actor, year int, data string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO calendar_years (year, data, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (year) DO UPDATE SET data = excluded.data, uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`,
			year, data, nullID(a.UserID), ms(s.now())); err != nil {
			return fmt.Errorf("store: calendar year: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "calendar.upload", objectType: "calendar", objectID: int64(year),
			note: map[string]any{"digest": audit.Digest(data)}})
	})
}
