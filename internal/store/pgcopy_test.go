package store

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestCopyDataMatchesPgx checks each field encoding against pgx's own
// binary encoding of the same value, which the direct COPY replaces.
func TestCopyDataMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	tests := []struct {
		name string
		oid  uint32
		v    any
		enc  func(copyData) copyData
	}{
		{"text", pgtype.TextOID, "Zürich 7", func(c copyData) copyData { return c.text("Zürich 7") }},
		{"empty text", pgtype.TextOID, "", func(c copyData) copyData { return c.text("") }},
		{"int8", pgtype.Int8OID, int64(-123456789012), func(c copyData) copyData { return c.int8(-123456789012) }},
		{"int8 zero", pgtype.Int8OID, int64(0), func(c copyData) copyData { return c.int8(0) }},
	}
	for _, tm := range []time.Time{
		time.Date(2023, 6, 2, 17, 0, 0, 0, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC), // nanoseconds: truncated to microseconds
		time.Date(2024, 3, 31, 2, 30, 0, 0, time.FixedZone("CEST", 2*3600)),
		time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		tests = append(tests, struct {
			name string
			oid  uint32
			v    any
			enc  func(copyData) copyData
		}{"timestamptz " + tm.String(), pgtype.TimestamptzOID, tm, func(c copyData) copyData { return c.timestamptz(tm) }})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := m.Encode(tt.oid, pgtype.BinaryFormatCode, tt.v, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := tt.enc(nil)
			if n := int32(binary.BigEndian.Uint32(got)); int(n) != len(want) {
				t.Fatalf("length word %d, want %d", n, len(want))
			}
			if !bytes.Equal(got[4:], want) {
				t.Errorf("encoded %x, pgx %x", got[4:], want)
			}
		})
	}
	if got := copyData(nil).null(); !bytes.Equal(got, []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Errorf("null = %x, want length -1", got)
	}
	// Signature, flags, extension length; a row's field count; the trailer.
	want := append([]byte("PGCOPY\n\xff\r\n\x00"), 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff)
	if got := newCopyData(0).row(2).end(); !bytes.Equal(got, want) {
		t.Errorf("stream = %q, want %q", got, want)
	}
}
