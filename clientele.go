// Package clientele holds the domain of a customer-centric marketing system:
// customers and the identities, accounts, transactions and events that
// describe them; the users who serve them, with their roles and API tokens;
// segments, model runs and scores, and brand-switching surveys — with their
// validation, their JSON forms (json.go, wire.go), the error kinds
// (error.go) and who is asking (Principal). It does no I/O; storage, file
// formats and HTTP live in the internal packages.
package clientele
