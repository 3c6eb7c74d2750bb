package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/importer"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// ImportOptions say how to take in a file.
type ImportOptions struct {
	Name    string         // the file name (its extension picks the format)
	UnitID  int64          // the receiving commission or unit (0: the caller's county)
	Channel intake.Channel // default: hotline-12345 for xlsx/csv, public-opinion for jsonl
	Kind    intake.Kind    // default: accusation
	Source  string         // the source label that makes external numbers unique (default: the channel)
	Mapping string         // explicit column mapping (importer.ParseMapping syntax)
	DryRun  bool           // parse and check only (the UI preview); nothing is written
	Preview int            // with DryRun: how many parsed rows to return
	// Batch is how many rows are written per transaction: 0 means
	// DefaultImportBatch; 1 registers each row in its own transaction (the
	// reference the batched path must agree with).
	Batch int
}

// ImportSummary is what an import reports; the JSON names are part of the
// command line (--json) and API contract.
type ImportSummary struct {
	Format     string                    `json:"format"`
	Rows       int                       `json:"rows"`
	Imported   int                       `json:"imported"`
	Existing   int                       `json:"existing"`
	Duplicates int                       `json:"duplicates"`
	Rejected   int                       `json:"rejected"`
	Errors     []importer.RowError       `json:"errors"`
	Mapping    map[importer.Field]string `json:"mapping"`
	Unused     []string                  `json:"unused,omitempty"`
	Preview    []importer.Row            `json:"preview,omitempty"`
}

// ImportUnits lists the units the caller may import into: its own
// commission, then commissions and township commissions in its register
// scope. Errors: forbidden.
func (a *App) ImportUnits(ctx context.Context, p auth.Principal) ([]org.Unit, error) {
	if err := need(p, auth.PermReportRegister); err != nil {
		return nil, err
	}
	var out []org.Unit
	seen := map[int64]bool{}
	if own := a.receivingUnit(ctx, &p); own != nil {
		out, seen[own.ID] = append(out, *own), true
	}
	units, _, err := a.Store.ListUnits(ctx, p.ScopeFor(auth.PermReportRegister),
		store.UnitFilter{Kinds: []org.Kind{org.KindCommission, org.KindTownship}, Page: store.Page{Limit: 500}})
	for _, u := range units {
		if !seen[u.ID] {
			out = append(out, u)
		}
	}
	return out, err
}

// maxImportErrors bounds the error list kept in a summary.
const maxImportErrors = 1000

// Import takes in a hotline or message-board export (.xlsx, .csv) or online
// public-opinion items (.jsonl) as reports of the receiving unit. Rows are
// streamed; each is registered like a staff entry (routing is skipped when
// the file gives no subject level). The external number (or, without one, a
// hash of time and content) makes a second import of the same file add
// nothing. Rows are written opt.Batch at a time, each batch in one
// transaction; every row still gets its own number, near-duplicate links
// (to stored reports and to earlier rows of the file), clocks, event,
// search entry and audit record, exactly as when registered alone.
// Errors: forbidden, invalid (unreadable file, .xls, bad mapping).
func (a *App) Import(ctx context.Context, p auth.Principal, r io.ReaderAt, size int64, opt ImportOptions) (ImportSummary, error) {
	if err := need(p, auth.PermReportRegister); err != nil {
		return ImportSummary{}, err
	}
	if opt.UnitID != 0 {
		// The receiving unit: one in the caller's register scope, or the
		// caller's own commission (a petition office registers for it).
		u, err := a.Store.GetUnit(ctx, opt.UnitID)
		own := a.receivingUnit(ctx, &p)
		if err != nil || !(p.ScopeFor(auth.PermReportRegister).Covers(u.Path) || (own != nil && own.ID == u.ID)) {
			return ImportSummary{}, apperr.InvalidField("unit_id", "intake.target_invalid")
		}
		// Register as a principal of that unit: its county receives.
		p.UnitID, p.UnitPath = u.ID, u.Path
	}
	jsonl := strings.HasSuffix(strings.ToLower(opt.Name), ".jsonl")
	if opt.Channel == "" {
		opt.Channel = intake.ChannelHotline
		if jsonl {
			opt.Channel = intake.ChannelOpinion
		}
	}
	if !intake.ValidChannel(opt.Channel) || opt.Channel == intake.ChannelWeb {
		return ImportSummary{}, apperr.InvalidField("channel", "intake.channel_invalid")
	}
	if opt.Kind == "" {
		opt.Kind = intake.KindAccusation
	}
	if opt.Source == "" {
		opt.Source = string(opt.Channel)
	}
	rc, err := a.receiverOf(ctx, &p)
	if err != nil {
		return ImportSummary{}, err
	}
	sum := ImportSummary{Errors: []importer.RowError{}} // [] in JSON when none
	onError := func(e importer.RowError) {
		sum.Rejected++
		if len(sum.Errors) < maxImportErrors {
			sum.Errors = append(sum.Errors, e)
		}
	}
	if opt.Batch <= 0 {
		opt.Batch = DefaultImportBatch
	}
	b := &importBatch{a: a, p: p, rc: rc, opt: opt, sum: &sum, onError: onError}
	if !opt.DryRun && opt.Batch > 1 {
		if b.w, err = a.Store.BulkWriter(ctx); err != nil {
			return ImportSummary{}, err
		}
		defer b.w.Close()
		// Before the writer is closed (deferred calls run in reverse):
		// a batch still being written when the import stops early.
		defer func() { _ = b.settle(context.Background()) }()
	}
	res, err := importer.Read(ctx, opt.Name, r, size, importer.Options{MappingSpec: opt.Mapping, Loc: a.Loc, Channel: string(opt.Channel)},
		func(row importer.Row) error {
			if opt.DryRun {
				// The rows intake would refuse are listed as the import
				// would list them (nothing is routed or written).
				sub := importSubmission(row, externalID(row), opt)
				if err := a.checkSubmission(&sub, false); err != nil {
					if !apperr.Is(err, apperr.Invalid) {
						return err
					}
					onError(invalidRow(row, err))
					return nil
				}
				if len(sum.Preview) < opt.Preview {
					sum.Preview = append(sum.Preview, row)
				}
				return nil
			}
			if opt.Batch == 1 {
				return a.importRow(ctx, p, rc, row, opt, &sum, onError)
			}
			return b.add(ctx, importItem{row: row})
		}, func(e importer.RowError) {
			if opt.DryRun || opt.Batch == 1 {
				onError(e)
				return
			}
			// Kept in file order with the rows around it; a failed flush
			// surfaces at the next row or at the end.
			b.items = append(b.items, importItem{rerr: &e})
		})
	if ferr := b.flush(ctx); ferr != nil && err == nil {
		err = ferr
	}
	if werr := b.settle(ctx); werr != nil && !errors.Is(werr, errImportFellBack) && err == nil {
		err = werr
	}
	sum.Format, sum.Rows, sum.Mapping, sum.Unused = res.Format, res.Rows, res.Mapping, res.Unused
	if err != nil {
		var ie *importer.Error
		if errors.As(err, &ie) {
			return sum, apperr.Wrap(err, apperr.Invalid, "import."+importer.CodeOf(err))
		}
		return sum, err
	}
	return sum, nil
}

// DefaultImportBatch is how many rows an import writes per transaction.
const DefaultImportBatch = 250

// importLookups is how many rows of a batch look for near-duplicates at once.
const importLookups = 4

// importItem is a row of the file, or a row the reader rejected.
type importItem struct {
	row  importer.Row
	rerr *importer.RowError
}

// importBatch collects rows and writes them many per transaction. Each row
// gets what importRow gives it (the same checks, numbers, links and audit
// records in the same order); rows a transaction cannot take are written
// one by one.
//
// A batch is written on a goroutine of its own while the next one is read,
// checked and looked up among the stored reports (the two halves of an
// import's work on two cores). The next batch's look-ups may or may not see
// the batch being written, so its rows are added to each look-up's result
// (withRecent, as the committer of public submissions does) once it is
// written, and its external numbers count as present.
type importBatch struct {
	a       *App
	p       auth.Principal
	rc      *receiver
	opt     ImportOptions
	sum     *ImportSummary
	onError func(importer.RowError)
	w       *store.BulkWriter
	items   []importItem
	// writing is the batch being written, nil when none is.
	writing *importWrite
}

// importWrite is a batch handed to its writing goroutine; out and err are
// set when done is closed.
type importWrite struct {
	ns    []store.NewReport
	rows  []importer.Row
	texts []dupText
	exts  map[string]bool
	done  chan struct{}
	out   []intake.Report
	err   error
}

// settle waits for the batch being written and counts it. When its
// transaction met a conflict (the same file imported alongside), its rows
// are registered one by one here, under ctx. It returns that batch's
// error; it is safe to call when nothing is being written. Errors: those
// of CreateReports other than conflict, and importRow's.
func (b *importBatch) settle(ctx context.Context) error {
	wr := b.writing
	if wr == nil {
		return nil
	}
	b.writing = nil
	<-wr.done
	if apperr.Is(wr.err, apperr.Conflict) {
		for _, row := range wr.rows {
			if err := b.a.importRow(ctx, b.p, b.rc, row, b.opt, b.sum, b.onError); err != nil {
				return err
			}
		}
		wr.out = nil
		return errImportFellBack
	}
	if wr.err != nil {
		return wr.err
	}
	for _, r := range wr.out {
		b.sum.Imported++
		if r.Candidates > 0 {
			b.sum.Duplicates++
		}
	}
	return nil
}

// errImportFellBack is settle's report that the written batch was
// registered row by row (the next batch's look-ups must be repeated).
var errImportFellBack = errors.New("app: import batch registered row by row")

// add queues an item and writes the batch when it is full.
func (b *importBatch) add(ctx context.Context, it importItem) error {
	b.items = append(b.items, it)
	if len(b.items) < b.opt.Batch {
		return nil
	}
	return b.flush(ctx)
}

// flush checks the queued rows and hands them to a writing goroutine
// after the previous batch is written: rows already imported (before, in
// the batch being written or earlier in the file) are counted as existing,
// rows intake refuses are reported with their line, the rest are written
// in one transaction with their near-duplicate links against the stored
// reports and the earlier rows. When that transaction fails with a
// conflict (an import of the same file running alongside), the rows are
// registered one by one instead (settle).
func (b *importBatch) flush(ctx context.Context) error {
	items := b.items
	b.items = b.items[:0:0]
	if len(items) == 0 {
		return nil
	}
	exts := make([]string, len(items))
	var lookup []string
	for i, it := range items {
		if it.rerr == nil {
			exts[i] = externalID(it.row)
			lookup = append(lookup, exts[i])
		}
	}
	existing, err := b.a.Store.ExistingReports(ctx, b.opt.Source, lookup)
	if err != nil {
		return err
	}
	var writing map[string]bool
	if b.writing != nil {
		writing = b.writing.exts
	}
	var (
		ns   []store.NewReport
		rows []importer.Row
	)
	wrote := map[string]bool{}
	for i, it := range items {
		if it.rerr != nil {
			b.onError(*it.rerr)
			continue
		}
		if _, ok := existing[exts[i]]; ok || writing[exts[i]] {
			b.sum.Existing++
			continue
		}
		n, err := b.a.prepareReport(ctx, &b.p, b.rc, importSubmission(it.row, exts[i], b.opt), nil, "")
		if apperr.Is(err, apperr.Invalid) {
			b.onError(invalidRow(it.row, err))
			continue
		} else if err != nil {
			return err
		}
		existing[exts[i]] = 0 // a later row with the same number is a repeat
		wrote[exts[i]] = true
		ns, rows = append(ns, n), append(rows, it.row)
	}
	texts := make([]dupText, len(ns))
	stored, err := b.lookups(ctx, ns, texts, true)
	if err != nil {
		return err
	}
	// The previous batch must be written before this one: its ids are
	// this batch's candidates, and the numbers follow the file.
	var recent []recentText
	prev := b.writing
	switch err := b.settle(ctx); {
	case errors.Is(err, errImportFellBack):
		// Its rows were written one by one: look again, they are stored.
		if stored, err = b.lookups(ctx, ns, texts, false); err != nil {
			return err
		}
	case err != nil:
		return err
	case prev != nil:
		for k, r := range prev.out {
			recent = append(recent, recentText{id: r.ID, gen: 1, d: prev.texts[k]})
		}
	}
	for i := range ns {
		ns[i].Bands, ns[i].Fingerprint = texts[i].bands, texts[i].fp.Bytes()
		ns[i].Links = pickDuplicates(texts[i], withRecent(texts[i], stored[i], recent, 0), texts[:i])
	}
	if len(ns) == 0 {
		return nil
	}
	wr := &importWrite{ns: ns, rows: rows, texts: texts, exts: wrote, done: make(chan struct{})}
	b.writing = wr
	go func() {
		defer close(wr.done)
		defer func() {
			// Off the request's goroutine, where net/http would have
			// caught it: a panic fails the import instead of the process.
			if r := recover(); r != nil {
				wr.out, wr.err = nil, fmt.Errorf("app: import batch: panic: %v", r)
			}
		}()
		wr.out, wr.err = b.w.CreateReports(ctx, actor(b.p), wr.ns)
		if wr.err == nil {
			// A step of the band log's merge when one is due
			// (store/band_log.go); one that fails changes nothing and the
			// next batch's step tries again.
			_ = b.w.MergeBands(ctx)
		}
	}()
	return nil
}

// lookups finds the stored near-duplicate candidates of the prepared rows,
// side by side (importLookups at a time); with shingle set it first fills
// texts with each row's near-duplicate text.
func (b *importBatch) lookups(ctx context.Context, ns []store.NewReport, texts []dupText, shingle bool) ([][]dupCand, error) {
	stored := make([][]dupCand, len(ns))
	errs := make([]error, len(ns))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(importLookups, len(ns)) {
		wg.Go(func() {
			for i := range next {
				if shingle {
					texts[i] = b.a.dupText(ns[i].Report)
				}
				stored[i], errs[i] = b.a.storedDuplicates(ctx, texts[i], 0)
			}
		})
	}
	for i := range ns {
		next <- i
	}
	close(next)
	wg.Wait()
	return stored, errors.Join(errs...)
}

// externalID is a row's external number or, without one, a hash of its
// time and content.
func externalID(row importer.Row) string {
	if row.ExternalID != "" {
		return row.ExternalID
	}
	h := sha256.Sum256([]byte(row.ReceivedAt.UTC().Format("2006-01-02T15:04:05") + "\x00" + row.Title + "\x00" + row.Content))
	return "sha256:" + hex.EncodeToString(h[:12])
}

// importSubmission is a row as a staff registration with external number ext.
func importSubmission(row importer.Row, ext string, opt ImportOptions) intake.Submission {
	sub := intake.Submission{Kind: opt.Kind, Channel: opt.Channel, Title: row.Title, Content: row.Content,
		ExternalID: ext, Source: opt.Source, ReceivedAt: row.ReceivedAt, Anonymous: true, Reply: row.Reply}
	if sub.Content == "" {
		sub.Content = row.Title
	}
	// Where an item was published (a site's name, its link) stays with the
	// text; a table without a source column names only the channel.
	var from []string
	if row.Source != "" && row.Source != string(opt.Channel) {
		from = append(from, row.Source)
	}
	if row.URL != "" {
		from = append(from, row.URL)
	}
	if len(from) > 0 {
		sub.Content += "\n来源：" + strings.Join(from, " ")
	}
	if row.Reporter != "" && intake.ValidMobileOrPhone(row.Phone) {
		sub.Anonymous = false
		sub.Reporter = intake.Reporter{Name: row.Reporter, Phone: row.Phone}
	}
	return sub
}

// ReasonInvalidRow is the rejection reason (importer.RowError.Reason) of a
// row the file format accepted but intake refuses; the error's Value is
// then the message key of intake's objection.
const ReasonInvalidRow = "invalid"

// invalidRow is a row the file format accepted but intake refuses: reason
// ReasonInvalidRow, the field and the message key as the value.
func invalidRow(row importer.Row, err error) importer.RowError {
	field, key := "", apperr.As(err).Key
	for f, k := range apperr.As(err).Fields {
		field, key = f, k
	}
	return importer.RowError{Line: row.Line, Reason: ReasonInvalidRow, Field: importer.Field(field), Value: key}
}

// importRow registers one row in its own transaction; counts go into sum.
func (a *App) importRow(ctx context.Context, p auth.Principal, rc *receiver, row importer.Row, opt ImportOptions, sum *ImportSummary, onError func(importer.RowError)) error {
	ext := externalID(row)
	if _, ok, err := a.Store.ReportExists(ctx, opt.Source, ext); err != nil {
		return err
	} else if ok {
		sum.Existing++
		return nil
	}
	rep, err := a.register(ctx, actor(p), &p, rc, importSubmission(row, ext, opt), nil, "")
	switch {
	case err == nil:
		sum.Imported++
		if rep.Candidates > 0 {
			sum.Duplicates++
		}
	case apperr.Is(err, apperr.Conflict):
		sum.Existing++ // imported concurrently
	case apperr.Is(err, apperr.Invalid):
		onError(invalidRow(row, err))
	default:
		return err
	}
	return nil
}
