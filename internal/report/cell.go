package report

import (
	"fmt"
	"math"
	"strconv"

	"clientele"
)

// A Column is a table's column: Key names it in CSV (snake_case, as
// analysts' tools want), Title heads it for people.
type Column struct{ Key, Title string }

// Col is the column key headed title.
func Col(key, title string) Column { return Column{Key: key, Title: title} }

// A Cell is a value of a table in two forms: Text for people (thousands
// grouped, units, "-" for nothing) and Plain for machines (a plain
// number, a share as a fraction, "" for nothing).
type Cell struct{ Text, Plain string }

// Txt is a text cell; "" shows as "-".
func Txt(s string) Cell {
	if s == "" {
		return Cell{Text: "-"}
	}
	return Cell{Text: s, Plain: s}
}

// Int is a count.
func Int(n int64) Cell {
	s := strconv.FormatInt(n, 10)
	return Cell{Text: clientele.GroupDigits(s), Plain: s}
}

// Num is a number shown with prec decimals (and kept whole in Plain); a
// NaN (no estimate) shows as "-".
func Num(v float64, prec int) Cell {
	if math.IsNaN(v) {
		return Cell{Text: "-"}
	}
	return Cell{Text: clientele.GroupDigits(strconv.FormatFloat(v, 'f', prec, 64)), Plain: strconv.FormatFloat(v, 'f', -1, 64)}
}

// Pct is a share shown in per cent with prec decimals; Plain is the
// fraction; a NaN shows as "-".
func Pct(share float64, prec int) Cell {
	if math.IsNaN(share) {
		return Cell{Text: "-"}
	}
	return Cell{Text: strconv.FormatFloat(100*share, 'f', prec, 64) + " %", Plain: strconv.FormatFloat(share, 'f', -1, 64)}
}

// Amount is an amount of money in major units of cur, with the currency's
// own decimals (the currency is the table's, in its own CSV column).
func Amount(v float64, cur string) Cell {
	m := clientele.MoneyOf(v, clientele.Currency(cur))
	scale, err := m.Currency.Scale()
	if err != nil {
		return Num(v, 2)
	}
	s := clientele.FormatAmount(m.Minor, scale)
	return Cell{Text: clientele.GroupDigits(s), Plain: s}
}

// MoneyText formats an amount in major units of cur for a note:
// "126,000 KRW".
func MoneyText(v float64, cur string) string {
	return clientele.MoneyOf(v, clientele.Currency(cur)).Text()
}

// texts returns the cells' text forms.
func texts(cells []Cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Text
	}
	return out
}

// titles returns the columns' titles.
func titles(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Title
	}
	return out
}

// check reports a row that does not fit its table's columns.
func (t *Table) check() error {
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return fmt.Errorf("table %q: row %d has %d cells for %d columns", t.Heading, i, len(r), len(t.Columns))
		}
	}
	return nil
}
