package web

import (
	"reflect"
	"sync"
)

// redact returns v as a's caller may see it. Fields are marked in the
// response types with a struct tag:
//
//	personal:"id"      a customer id: replaced by its pseudonym
//	personal:"data"    personal data (name, contact details, attributes,
//	                   identities, event properties): emptied
//	personal:"cursor"  a paging cursor holding a customer id: sealed
//
// For discloseAll nothing changes; for discloseIdentity personal data is
// emptied and cursors sealed; for disclosePseudonyms ids are replaced too.
// A type with no such field anywhere inside it (a report) is passed
// through without a walk.
func redact(v any, a *access) any {
	if a == nil || a.disclosure == discloseAll || v == nil {
		return v
	}
	rv := reflect.ValueOf(v)
	if !mayHold(rv.Type()) {
		return v
	}
	c := reflect.New(rv.Type()).Elem()
	c.Set(rv)
	redactValue(c, a)
	return c.Interface()
}

func redactValue(v reflect.Value, a *access) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		// Copies, never changes in place: what a pointer or an interface
		// holds may be shared (a cache).
		if v.IsNil() || !mayHold(v.Elem().Type()) {
			return
		}
		e := v.Elem()
		c := reflect.New(e.Type())
		c.Elem().Set(e)
		redactValue(c.Elem(), a)
		if v.Kind() == reflect.Pointer {
			v.Set(c)
		} else {
			v.Set(c.Elem())
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			switch f.Tag.Get("personal") {
			case "data":
				fv.SetZero()
			case "id":
				if a.disclosure == disclosePseudonyms && fv.Kind() == reflect.String {
					fv.SetString(a.pseudonym(fv.String()))
				}
			case "cursor":
				if fv.Kind() == reflect.String {
					fv.SetString(a.sealCursor(fv.String()))
				}
			default:
				if mayHold(f.Type) {
					redactValue(fv, a)
				}
			}
		}
	case reflect.Slice:
		if v.IsNil() || !mayHold(v.Type().Elem()) {
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			redactValue(c.Index(i), a)
		}
		v.Set(c)
	case reflect.Array:
		if !mayHold(v.Type().Elem()) {
			return
		}
		for i := range v.Len() {
			redactValue(v.Index(i), a)
		}
	case reflect.Map:
		if !mayHold(v.Type().Elem()) {
			return
		}
		if v.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			c := reflect.New(v.Type().Elem()).Elem()
			c.Set(iter.Value())
			redactValue(c, a)
			m.SetMapIndex(iter.Key(), c)
		}
		v.Set(m)
	}
}

// holds caches mayHold by type.
var holds sync.Map // reflect.Type → bool

// mayHold reports whether a value of type t may hold a field marked
// personal: it has one, or it has an interface, which may hold anything.
// Only final answers are cached: another goroutine must never see a type
// as clean while it is still being walked.
func mayHold(t reflect.Type) bool {
	if h, ok := holds.Load(t); ok {
		return h.(bool)
	}
	h := mayHoldWalk(t, map[reflect.Type]bool{})
	holds.Store(t, h)
	return h
}

// mayHoldWalk is mayHold without the cache; visiting holds the types
// being walked, so that a recursive type ends the walk.
func mayHoldWalk(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if h, ok := holds.Load(t); ok {
		return h.(bool)
	}
	if visiting[t] {
		return false // what the rest of the walk finds decides
	}
	visiting[t] = true
	defer delete(visiting, t)
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return mayHoldWalk(t.Elem(), visiting)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Tag.Get("personal") != "" || (f.IsExported() && mayHoldWalk(f.Type, visiting)) {
				return true
			}
		}
	}
	return false
}
