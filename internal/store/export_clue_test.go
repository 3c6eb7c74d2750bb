package store

import (
	"context"
	"database/sql"

	"qingfeng/internal/audit"
	"qingfeng/internal/clue"
)

// FileClueForTest runs the case issue's filing helper in its own
// transaction (the case team calls fileClue inside its case transaction).
func (s *Store) FileClueForTest(ctx context.Context, a audit.Actor, clueID, caseID int64, caseNumber string) (c clue.Clue, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		c, err = s.fileClue(ctx, tx, a, clueID, caseID, caseNumber)
		return err
	})
	return c, err
}
