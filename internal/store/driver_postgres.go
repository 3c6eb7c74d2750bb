package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// isPgUniqueViolation reports PostgreSQL's unique_violation (23505).
func isPgUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
