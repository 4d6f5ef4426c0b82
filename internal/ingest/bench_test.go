package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"clientele/internal/ingest"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

var (
	benchOnce sync.Once
	benchFile string
)

// benchCSV writes, once per run, a transactions CSV of n rows: 100,000
// customers in random order, one row per transaction, as an export from a
// point-of-sale system would look.
func benchCSV(b *testing.B, n int) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "clientele-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchFile = filepath.Join(dir, "transactions.csv")
		f, err := os.Create(benchFile)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		rng := rand.New(rand.NewPCG(1, 2))
		fmt.Fprintln(w, "id,customer_id,time,store,channel,payment_method,amount,margin,currency,quantity")
		for i := range n {
			c := rng.IntN(100000)
			d := rng.IntN(730)
			fmt.Fprintf(w, "T%07d,C%06d,2023-%02d-%02dT%02d:%02d:00Z,Store %d,store,card,%d.%02d,%d.%02d,USD,%d\n",
				i, c, 1+d%12, 1+d%28, d%24, i%60, c%10, 1+rng.IntN(200), rng.IntN(100), rng.IntN(50), rng.IntN(100), 1+i%5)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	})
	return benchFile
}

// TestMain removes the benchmarks' CSV file, which outlives any one
// benchmark so that both backends import the same file.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchFile != "" {
		os.RemoveAll(filepath.Dir(benchFile))
	}
	os.Exit(code)
}

func benchImport(b *testing.B, dsn func(testing.TB) string) {
	path := benchCSV(b, 1_000_000)
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(context.Background(), dsn(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := ingest.File(context.Background(), db, ingest.Transactions, path, ingest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows += sum.Rows
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImportCSV1MSQLite imports a 1,000,000-row transactions CSV into
// a new SQLite file.
func BenchmarkImportCSV1MSQLite(b *testing.B) { benchImport(b, storetest.SQLiteDSN) }

// BenchmarkImportCSV1MPostgres imports the same file into a new PostgreSQL
// schema (needs CLIENTELE_TEST_POSTGRES).
func BenchmarkImportCSV1MPostgres(b *testing.B) { benchImport(b, storetest.PostgresDSN) }
