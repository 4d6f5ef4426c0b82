package store

import (
	"encoding/binary"
	"time"
)

// copyData is a COPY stream in PostgreSQL's binary format ("COPY: Binary
// Format" in PostgreSQL's manual), built without reflection or a value per
// field: for the transactions of an import, pgx's encoding of []any rows
// cost as much CPU as parsing the file.
type copyData []byte

// newCopyData starts a stream: the signature, flags and the length of the
// header extension.
func newCopyData(size int) copyData {
	b := make(copyData, 0, size)
	return append(b, "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"...)
}

// row starts a row of n fields.
func (b copyData) row(n int) copyData { return binary.BigEndian.AppendUint16(b, uint16(n)) }

func (b copyData) text(s string) copyData {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func (b copyData) int8(v int64) copyData {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

func (b copyData) null() copyData { return binary.BigEndian.AppendUint32(b, 0xffffffff) }

// pgEpoch is where PostgreSQL counts timestamps from, in Unix microseconds.
const pgEpoch = 946_684_800_000_000

// timestamptz writes t as microseconds since 2000-01-01 UTC.
func (b copyData) timestamptz(t time.Time) copyData {
	return b.int8(t.UnixMicro() - pgEpoch)
}

// end closes the stream.
func (b copyData) end() copyData { return append(b, 0xff, 0xff) }
