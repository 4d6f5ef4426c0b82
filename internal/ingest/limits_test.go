package ingest_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"clientele/internal/ingest"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// A line longer than MaxLineBytes rejects the file with its number, in
// every format, before it is held in memory; the message quotes none of
// it. Text with no line breaks at all (/dev/zero) is the same case.
func TestImportLineLimit(t *testing.T) {
	db := storetest.Open(t)[0].DB
	ctx := context.Background()
	long := strings.Repeat("x", ingest.MaxLineBytes+1)
	for _, tc := range []struct {
		name, file, content string
		kind                ingest.Kind
		line                string
	}{
		{"CSV field", "t.csv", "customer_id,time,amount\nc1,2024-01-01,1.00\nc1,2024-01-02," + long + "\n", ingest.Transactions, "line 3 is longer"},
		{"CSV header", "t.csv", long + "\n", ingest.Transactions, "line 1 is longer"},
		{"quoted CSV field", "c.csv", "id,name\nc1,\"" + long + "\"\n", ingest.Customers, "line 2 is longer"},
		{"NDJSON", "e.ndjson", `{"id":"e1"}` + "\n" + `{"id":"` + long + `"}`, ingest.Events, "line 2 is longer"},
		{"CDNOW", "t.txt", " 00001 19970101 1 11.77\n 00002 19970101 1 " + long + "\n", ingest.Transactions, "line 2 is longer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.file, tc.content)
			_, err := ingest.File(ctx, db, tc.kind, p, ingest.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.line) {
				t.Fatalf("err = %v, want %q", err, tc.line)
			}
			if len(err.Error()) > 300 {
				t.Errorf("the message is %d bytes long: it quotes the line", len(err.Error()))
			}
		})
	}
	t.Run("no line breaks", func(t *testing.T) {
		var err error
		db.Write(ctx, func(w *store.Writer) error {
			_, err = ingest.Reader(ctx, w, ingest.Transactions, io.LimitReader(zeros{}, 64<<20), "/dev/zero", ingest.Options{Format: ingest.FormatCSV})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "line 1 is longer") {
			t.Errorf("err = %v, want line 1 too long", err)
		}
	})
	if s := stats(t, db); s.Transactions != 0 || s.Customers != 0 || s.Events != 0 {
		t.Errorf("rejected files wrote: %+v", s)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Long values are quoted by an excerpt in a row's reason, never whole.
func TestImportErrorsQuoteExcerpts(t *testing.T) {
	db := storetest.Open(t)[0].DB
	value := strings.Repeat("7", 100_000)
	p := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(p, []byte("customer_id,time,amount\nc1,"+value+",1\nc1,2024-01-01,"+value+"x\n"), 0o644)
	_, err := ingest.File(context.Background(), db, ingest.Transactions, p, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), "line 2: time") || !strings.Contains(err.Error(), "line 3: amount") {
		t.Fatalf("err = %v", err)
	}
	if len(err.Error()) > 1000 {
		t.Errorf("the message is %d bytes: %.300s…", len(err.Error()), err)
	}
}
