package clientele

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with argon2id (RFC 9106) at the parameters the RFC
// recommends for a memory-constrained setting (64 MiB, 3 passes), and kept
// in the PHC string format, $argon2id$v=19$m=65536,t=3,p=2$salt$hash, so
// that stronger parameters can come later without breaking stored hashes.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 3
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16

	// MinPasswordLength and MaxPasswordLength bound a password, in
	// characters and bytes; a long passphrase is welcome, a megabyte is not.
	MinPasswordLength = 10
	MaxPasswordLength = 1024
)

// CheckPasswordRules reports what is wrong with a new password.
func CheckPasswordRules(pw string) error {
	switch {
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		return Errorf(EINVALID, "password must be valid UTF-8 without NUL characters")
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return Errorf(EINVALID, "password must have at least %d characters", MinPasswordLength)
	case len(pw) > MaxPasswordLength:
		return Errorf(EINVALID, "password must have at most %d bytes", MaxPasswordLength)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in PHC form.
func HashPassword(pw string) (string, error) {
	if err := CheckPasswordRules(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash, a PHC argon2id string, in
// constant time; a malformed hash matches nothing.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(pw) > MaxPasswordLength {
		return false
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil || memory == 0 || memory > 1<<22 || passes == 0 || passes > 100 || threads == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
