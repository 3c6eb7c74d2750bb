package api

import (
	"io"
	"net/http"

	"qingfeng/internal/app"
)

// importCases is POST /imports with kind=cases: a historical case ledger
// (app.ImportCases) for unit_id, all or nothing unless valid_only=true,
// checked only with dry_run=true. It answers 200 with the summary, or 422
// with the summary when an all-or-nothing import was refused for rejected
// rows (nothing written).
func (x *API) importCases(w http.ResponseWriter, r *http.Request, ra io.ReaderAt, name string, size, unit int64) error {
	sum, err := x.app.ImportCases(r.Context(), principal(r), ra, size, app.CaseImportOptions{Name: name, UnitID: unit,
		ValidOnly: r.FormValue("valid_only") == "true", DryRun: r.FormValue("dry_run") == "true"})
	if err != nil {
		return err
	}
	if sum.Failed() {
		return writeJSON(w, http.StatusUnprocessableEntity, sum)
	}
	return writeJSON(w, http.StatusOK, sum)
}
