package store

// seenLimit bounds a customerSet; past it the set is cleared and customers
// are checked again (a cheap no-op insert).
const seenLimit = 2_000_000

// customerSet remembers customers known to exist, up to seenLimit of them.
// Ids of up to 15 bytes, the usual kind, are kept packed in two integers:
// looking one up then reads no string but the one asked about, and the set
// keeps no parsed row alive.
type customerSet struct {
	short map[[2]uint64]struct{}
	long  map[string]struct{}
}

func newCustomerSet() customerSet {
	return customerSet{short: map[[2]uint64]struct{}{}, long: map[string]struct{}{}}
}

// add records id and reports whether it was not recorded yet.
func (s customerSet) add(id string) bool {
	if len(s.short)+len(s.long) >= seenLimit {
		clear(s.short)
		clear(s.long)
	}
	if len(id) > 15 {
		if _, ok := s.long[id]; ok {
			return false
		}
		s.long[id] = struct{}{}
		return true
	}
	k := shortKey(id)
	if _, ok := s.short[k]; ok {
		return false
	}
	s.short[k] = struct{}{}
	return true
}

// A CustomerMemo remembers the customers of the transaction batches
// prepared with it, so that each later batch carries only the customers it
// brings first, and the writer, which creates them, looks nothing up: the
// look-ups run where the batches are prepared, on the parser's goroutine of
// an import. The batches prepared with one memo must be written in the
// order they were prepared, in one database transaction. A memo is not safe
// for concurrent use.
type CustomerMemo struct {
	seen customerSet
}

// NewCustomerMemo returns an empty memo.
func NewCustomerMemo() *CustomerMemo {
	return &CustomerMemo{seen: newCustomerSet()}
}

// remove forgets id (a customer merged into another no longer exists).
func (s customerSet) remove(id string) {
	if len(id) > 15 {
		delete(s.long, id)
		return
	}
	delete(s.short, shortKey(id))
}

// shortKey packs an id of up to 15 bytes; the length, in the last byte,
// tells "C1" from "C1\x00".
func shortKey(id string) [2]uint64 {
	return [2]uint64{prefix8(id), prefix8(id[min(len(id), 8):])&^0xff | uint64(len(id))}
}
