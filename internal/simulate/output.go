package simulate

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"clientele"
)

// outputs are the files of a simulated directory.
type outputs struct {
	dir   string
	files map[string]*os.File
	w     map[string]*bufio.Writer
}

var headers = map[string]string{
	"customers.csv":      "id,name,email,phone,birth_date,city,household_id,created_at,student\n",
	"accounts.csv":       "id,customer_id,kind,product,tier,holder,opened_on,closed_on,parent_id,spending_limit,currency\n",
	"transactions.csv":   "id,customer_id,time,store,channel,payment_method,amount,margin,currency,sku,quantity,unit_price\n",
	"events.ndjson":      "",
	"life_events.csv":    "customer_id,type,time\n",
	"consents.csv":       "customer_id,purpose,status,source,at\n",
	"customer_truth.csv": "customer_id,first_purchase,lambda,p,mu,lifetime_weeks,nu,mean_spend,repeat_purchases\n",
}

func newOutputs(dir string) (*outputs, error) {
	o := &outputs{dir: dir, files: map[string]*os.File{}, w: map[string]*bufio.Writer{}}
	for name, h := range headers {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			o.close()
			return nil, fmt.Errorf("simulate: %w", err)
		}
		o.files[name] = f
		o.w[name] = bufio.NewWriterSize(f, 1<<20)
		o.w[name].WriteString(h)
	}
	return o, nil
}

func (o *outputs) write(c *chunk) error {
	for name, b := range map[string][]byte{"customers.csv": c.customers, "accounts.csv": c.accounts, "transactions.csv": c.txs,
		"events.ndjson": c.events_, "life_events.csv": c.lifeEvents_, "customer_truth.csv": c.truthCSV, "consents.csv": c.consents} {
		if _, err := o.w[name].Write(b); err != nil {
			return fmt.Errorf("simulate: %s: %w", name, err)
		}
	}
	return nil
}

func (o *outputs) writeCatalogue() error {
	var b []byte
	b = append(b, "sku,name,category,brand,price,unit_cost,currency\n"...)
	for _, p := range catalogue {
		b = fmt.Appendf(b, "%s,%s,%s,%s,%s,%s,USD\n", p.sku, csvQuote(p.name), p.category, p.brand,
			clientele.FormatAmount(p.price, 2), clientele.FormatAmount(p.cost, 2))
	}
	if err := os.WriteFile(filepath.Join(o.dir, "products.csv"), b, 0o644); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	b = append(b[:0], "name,owner\n"...)
	for _, brand := range sortedKeys(brandOwners) {
		b = fmt.Appendf(b, "%s,%s\n", brand, brandOwners[brand])
	}
	if err := os.WriteFile(filepath.Join(o.dir, "brands.csv"), b, 0o644); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	return nil
}

func (o *outputs) close() error {
	var first error
	for name, f := range o.files {
		if w := o.w[name]; w != nil {
			if err := w.Flush(); err != nil && first == nil {
				first = err
			}
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(o.files, name)
	}
	return first
}

func csvQuote(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == '"' {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
