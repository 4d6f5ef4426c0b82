package store

import (
	"context"
	"fmt"
	"time"
)

// ImportRecord describes one finished import, for the imports log.
type ImportRecord struct {
	Source, Kind, Format                     string
	Started, Finished                        time.Time
	RowsRead, Imported, Duplicates, Rejected int64
}

// RecordImport logs an import in the same transaction as its rows.
func (w *Writer) RecordImport(ctx context.Context, r ImportRecord) error {
	_, err := w.q.exec(ctx, `INSERT INTO imports (source, kind, format, started_at, finished_at, rows_read, imported, duplicates, rejected)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.Source, r.Kind, r.Format, w.db.ts(r.Started), w.db.ts(r.Finished), r.RowsRead, r.Imported, r.Duplicates, r.Rejected)
	if err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	return nil
}
