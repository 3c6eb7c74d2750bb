package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strconv"

	"qingfeng/internal/intake"
	"qingfeng/internal/search"
)

// This file loads generated reports in bulk for BulkLoad (the
// province-scale demo): reports with multi-row INSERTs and explicit ids,
// numbered per receiving unit and year after the numbers already allocated
// (report_numbers is left at the last number, so later registrations
// continue each sequence), with their hand-off events, their
// near-duplicate bands and their search entries written as CreateReport
// writes them.

// BulkReport is one generated report for BulkLoad.
type BulkReport struct {
	// Report is stored as given (units, kind, channel, status, texts,
	// subject, flags, result and dates); BulkLoad assigns ID and Number
	// and ignores Version. The receipt hash is NULL (no receipt code).
	Report intake.Report
	// NumberFmt and ShortName render the number as CreateReport does
	// (e.g. "%s信〔%d〕%d号" and 永).
	NumberFmt string
	ShortName string
	// Bands are the near-duplicate band hashes of title and content, as
	// registration computes them (dedup.BandHashes).
	Bands []int64
	// Fingerprint is the stored form of the near-duplicate fingerprint of
	// title and content (dedup.Fingerprint.Bytes); nil writes none.
	Fingerprint []byte
	// Events are the hand-off record (Action, statuses, unit, user, note,
	// At), the registration first.
	Events []intake.Event
}

// bulkStmtReports is the number of reports per INSERT (32 parameters
// each).
const bulkStmtReports = 250

// bulkReports writes the reports of a load, bulkTxClues per transaction,
// and returns the report counters (receiving unit, year) it advanced.
func (s *Store) bulkReports(ctx context.Context, reports iter.Seq2[BulkReport, error], n *BulkCounts) (map[counterKey]int64, map[counterKey]bool, error) {
	touched := map[counterKey]bool{}
	if reports == nil {
		return nil, touched, nil
	}
	counters := map[counterKey]int64{}
	rows, err := s.db.QueryContext(ctx, `SELECT unit_id, year, last FROM report_numbers`)
	if err != nil {
		return nil, nil, fmt.Errorf("store: report counters: %w", err)
	}
	for rows.Next() {
		var k counterKey
		var last int64
		if err := rows.Scan(&k.unit, &k.year, &last); err != nil {
			rows.Close()
			return nil, nil, err
		}
		counters[k] = last
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, nil, err
	}
	var nextID int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM reports`).Scan(&nextID); err != nil {
		return nil, nil, fmt.Errorf("store: bulk report id: %w", err)
	}
	now := ms(s.now())
	// One connection for the run, with SQLite's large page cache: the band
	// and search indexes take random inserts (as an import's batches).
	w, err := s.BulkWriter(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer w.Close()
	batch := make([]BulkReport, 0, bulkTxClues)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := w.inTx(ctx, func(tx *sql.Tx) error {
			for lo := 0; lo < len(batch); lo += bulkStmtReports {
				if err := s.bulkReportStmt(ctx, tx, batch[lo:min(lo+bulkStmtReports, len(batch))], now, n); err != nil {
					return err
				}
			}
			// The search entries of the whole transaction in a run: FTS5
			// writes them as one index segment (see createReports).
			for lo := 0; lo < len(batch); lo += bulkStmtReports {
				if err := s.bulkReportSearch(ctx, tx, batch[lo:min(lo+bulkStmtReports, len(batch))]); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for br, err := range reports {
		if err != nil {
			return nil, nil, err
		}
		r := &br.Report
		r.ID = nextID
		nextID++
		year := r.ReceivedAt.In(shanghai()).Year()
		k := counterKey{r.ReceivedUnitID, year}
		counters[k]++
		touched[k] = true
		r.Number = fmt.Sprintf(br.NumberFmt, br.ShortName, year, counters[k])
		batch = append(batch, br)
		if len(batch) == bulkTxClues {
			if err := flush(); err != nil {
				return nil, nil, err
			}
		}
	}
	return counters, touched, flush()
}

// bulkReportStmt writes one multi-row INSERT each of reports, events and
// bands (positional placeholders on SQLite, as bulkClueStmt).
func (s *Store) bulkReportStmt(ctx context.Context, tx *sql.Tx, part []BulkReport, now int64, n *BulkCounts) error {
	m := s.multiInsert(ctx, tx)
	ph, sep, run, q := m.ph, m.sep, m.run, &m.q
	created := strconv.FormatInt(now, 10)
	for _, br := range part {
		r := br.Report
		sep(`INSERT INTO reports (id, number, unit_id, unit_path, received_unit_id, kind, channel, status, title, content, category,
			division_code, subject_name, subject_unit, subject_post, subject_level, anonymous, reporter_sealed, receipt_hash,
			external_source, external_id, collective, over_level, repeat_of, route_reason, decline_reason, result, operator_user_id,
			received_at, accepted_at, notice_at, closed_at, feedback_at, version, created_at, updated_at) VALUES `)
		updated := ms(r.ReceivedAt)
		for _, e := range br.Events {
			updated = max(updated, ms(e.At))
		}
		row := []any{r.ID, r.Number, r.UnitID, r.UnitPath, r.ReceivedUnitID, string(r.Kind), string(r.Channel), string(r.Status),
			r.Title, r.Content, r.Category, r.DivisionCode, r.Subject.Name, r.Subject.Unit, r.Subject.Post, string(r.Subject.Level),
			r.Anonymous, r.Sealed, r.ExternalSource, r.ExternalID, r.Collective, r.OverLevel, nullID(r.RepeatOf), r.RouteReason,
			r.DeclineReason, r.Result, nullID(r.OperatorUserID), ms(r.ReceivedAt), ms(r.AcceptedAt), ms(r.NoticeAt), ms(r.ClosedAt),
			ms(r.FeedbackAt)}
		q.WriteByte('(')
		for i, v := range row {
			if i == 18 {
				q.WriteString("NULL, ") // receipt_hash
			}
			q.WriteString(ph(v))
			q.WriteString(", ")
		}
		q.WriteString("1, " + created + ", " + strconv.FormatInt(max(updated, now), 10) + ")")
	}
	if err := run("reports"); err != nil {
		return err
	}
	n.Reports += len(part)
	for _, br := range part {
		for _, e := range br.Events {
			sep(`INSERT INTO report_events (report_id, action, from_status, to_status, unit_id, user_id, note, at) VALUES `)
			fmt.Fprintf(q, "(%d, %s, %s, %s, %d, %s, %s, %d)", br.Report.ID, ph(e.Action), ph(string(e.FromStatus)),
				ph(string(e.ToStatus)), e.UnitID, ph(nullID(e.UserID)), ph(e.Note), ms(e.At))
			n.ReportEvents++
			if m.rows == bulkStmtCases {
				if err := run("report events"); err != nil {
					return err
				}
			}
		}
	}
	if err := run("report events"); err != nil {
		return err
	}
	// Bands as literal rows (report_bands as CreateReport writes it).
	var b []byte
	for _, br := range part {
		b = appendBandRows(b, br.Report.ID, br.Bands)
	}
	if len(b) > 0 {
		if _, err := tx.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("store: bulk report bands: %w", err)
		}
	}
	ids, fps := make([]int64, len(part)), make([][]byte, len(part))
	for i, br := range part {
		ids[i], fps[i] = br.Report.ID, br.Fingerprint
	}
	return insertFingerprints(ctx, tx, s.dialect, ids, fps)
}

// bulkReportSearch writes the search entries of reports in one multi-row
// INSERT: the text CreateReport indexes (SearchDoc without replies: a
// generated report has no messages), as FTS5 tokens on SQLite and
// tsvector chunks on PostgreSQL.
func (s *Store) bulkReportSearch(ctx context.Context, tx *sql.Tx, part []BulkReport) error {
	m := s.multiInsert(ctx, tx)
	for _, br := range part {
		doc := SearchDoc(br.Report, nil)
		if s.dialect == Postgres {
			for i, chunk := range pgSearchChunks(doc, br.Report.UnitPath) {
				m.sep(`INSERT INTO report_search (report_id, chunk, vec) VALUES `)
				fmt.Fprintf(&m.q, "(%d, %d, to_tsvector('simple', %s))", br.Report.ID, i, m.ph(chunk))
			}
			continue
		}
		m.sep(`INSERT INTO report_fts (rowid, tokens, scope) VALUES `)
		fmt.Fprintf(&m.q, "(%d, %s, %s)", br.Report.ID, m.ph(search.Tokens(doc)), m.ph(search.ScopeTokens(br.Report.UnitPath)))
	}
	return m.run("report search entries")
}
