package main_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"
)

// koreanRetailer writes a directory for `clientele import DIR`: ramyeon
// brands (a category 라면 with Hangul brand names), priced in won with unit
// costs, and a year of monthly purchases by 60 customers who switch brands
// now and then. The transactions carry no margin: it comes from the
// products' costs.
func koreanRetailer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	products := "sku,name,category,brand,price,unit_cost,currency\n" +
		"shin,신라면 5입,라면,신라면,4500,2700,KRW\n" +
		"jin,진라면 매운맛 5입,라면,진라면,3900,2600,KRW\n" +
		"neo,너구리 4입,라면,너구리,4200,2300,KRW\n"
	var customers, txs strings.Builder
	customers.WriteString("id,name,phone,city\n")
	txs.WriteString("id,customer_id,time,currency,sku,quantity,unit_price\n")
	rng := rand.New(rand.NewPCG(7, 7))
	skus := []string{"shin", "jin", "neo"}
	prices := map[string]int{"shin": 4500, "jin": 3900, "neo": 4200}
	for c := range 60 {
		fmt.Fprintf(&customers, "c%02d,고객 %d,010-%04d-%04d,서울\n", c, c, 1000+c, 5000+c)
		brand := skus[c%3]
		for m := 1; m <= 12; m++ {
			if rng.IntN(4) == 0 {
				brand = skus[rng.IntN(3)]
			}
			if rng.IntN(5) == 0 {
				continue
			}
			day := time.Date(2024, time.Month(m), 1+rng.IntN(27), 12, 0, 0, 0, time.UTC)
			fmt.Fprintf(&txs, "t%02d-%02d,c%02d,%s,KRW,%s,%d,%d\n", c, m, c, day.Format(time.DateOnly), brand, 1+rng.IntN(3), prices[brand])
		}
	}
	for name, body := range map[string]string{"products.csv": products, "customers.csv": customers.String(), "transactions.csv": txs.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Korean survives: margins from the products' costs give a non-zero,
// margin-based CLV in won (no decimals); Hangul brand names line up in
// the tables, go to CSV (with a BOM for Excel) and into the charts, which
// say what to install when the system has no font with Hangul.
func TestKorean(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	kr := func(args ...string) (string, string) {
		t.Helper()
		out, errOut, err := run(t, db, append([]string{"--currency", "KRW", "--region", "KR"}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
		}
		return out, errOut
	}
	kr("import", koreanRetailer(t))
	kr("fit", "--calibration-end", "2024-12-31")
	out, _ := kr("score")
	if !strings.Contains(out, "margin-based (the margins of the data)") || !strings.Contains(out, " KRW") || strings.Contains(out, ".00 KRW") {
		t.Errorf("score in won from the products' costs:\n%s", out)
	}

	out, _ = kr("report", "migration", "--category", "라면", "--period", "90d")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "신라면") || strings.HasPrefix(l, "진라면") || strings.HasPrefix(l, "너구리") || strings.HasPrefix(l, "BRAND") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 4 {
		t.Fatalf("migration report without the brands:\n%s", out)
	}
	// The second column (OWNER) starts at one display column on every line.
	col := -1
	for _, l := range lines[:4] {
		i := strings.Index(l, "  ")
		for i+1 < len(l) && l[i+1] == ' ' {
			i++
		}
		if c := uniseg.StringWidth(l[:i+1]); col == -1 {
			col = c
		} else if c != col {
			t.Errorf("misaligned at display column %d (not %d): %q", c, col, l)
		}
	}

	// Periods in days, as the API's period_days; a Go duration still works.
	if _, errOut, err := run(t, db, "report", "migration", "--category", "라면", "--period", "3x"); err == nil || !strings.Contains(errOut, "want days (182d)") {
		t.Errorf("--period 3x: %v %s", err, errOut)
	}
	kr("report", "migration", "--category", "라면", "--period", "2160h")
	out, _ = kr("report", "migration", "--category", "라면", "--period", "90d", "--format", "csv", "--bom")
	if !strings.HasPrefix(out, "\uFEFFbrand,owner,margin_rate,") || !strings.Contains(out, "\n신라면,") || !strings.Contains(out, ",KRW\n") {
		t.Errorf("CSV:\n%s", out)
	}

	// Charts: without a font with Hangul the command says what to install;
	// with one (CI installs fonts-nanum) it says nothing.
	charts := t.TempDir()
	t.Setenv("CLIENTELE_FONT", "/nonexistent/font.ttf")
	_, errOut := kr("report", "migration", "--category", "라면", "--period", "90d", "--out", charts)
	if !strings.Contains(errOut, "fonts-noto-cjk") || !strings.Contains(errOut, "CLIENTELE_FONT") {
		t.Errorf("no warning without a Hangul font:\n%s", errOut)
	}
	if font := os.Getenv("CLIENTELE_TEST_CJK_FONT"); font != "" {
		t.Setenv("CLIENTELE_FONT", font)
		_, errOut = kr("report", "migration", "--category", "라면", "--period", "90d", "--out", charts)
		if strings.Contains(errOut, "warning") {
			t.Errorf("a warning with %s:\n%s", font, errOut)
		}
		png, err := os.ReadFile(filepath.Join(charts, "transitions.png"))
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			entries, _ := os.ReadDir(charts)
			t.Errorf("matrix chart: %v (%v)", err, entries)
		}
	}
}
