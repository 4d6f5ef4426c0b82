package main_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// Users from the command line: added with a department and a password
// (read from standard input, never an argument), listed, given another
// role, disabled and enabled; tokens for a user or a service role.
func TestUsersCLI(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			withInput := func(input string, args ...string) (string, string, error) {
				t.Helper()
				cmd := exec.Command(bin, append([]string{"--db", db, "--tz", "UTC"}, args...)...)
				cmd.Stdin = strings.NewReader(input)
				var o, e strings.Builder
				cmd.Stdout, cmd.Stderr = &o, &e
				err := cmd.Run()
				return o.String(), e.String(), err
			}
			if _, errOut, err := withInput("correct horse battery\n", "users", "add", "--name", "mina", "--role", "agent", "--display-name", "Mina Choi",
				"--department", "customer service", "--password-stdin"); err != nil {
				t.Fatalf("users add: %v\n%s", err, errOut)
			}
			if _, errOut, err := withInput("short\n", "users", "add", "--name", "jun", "--role", "analyst", "--password-stdin"); err == nil || !strings.Contains(errOut, "at least 10 characters") {
				t.Errorf("a short password: %v %s", err, errOut)
			}
			if _, errOut, err := run(t, db, "users", "create", "--name", "jun", "--role", "analyst"); err != nil { // the old name of add
				t.Fatalf("users create: %v\n%s", err, errOut)
			}
			if _, errOut, err := run(t, db, "users", "set-role", "jun", "brand_manager"); err != nil {
				t.Fatalf("set-role: %v\n%s", err, errOut)
			}
			if _, errOut, err := run(t, db, "users", "set-role", "jun", "emperor"); err == nil || !strings.Contains(errOut, "want one of") {
				t.Errorf("set-role emperor: %v %s", err, errOut)
			}
			if _, errOut, err := withInput("a new passphrase\n", "users", "passwd", "mina"); err != nil {
				t.Fatalf("passwd: %v\n%s", err, errOut)
			}
			if _, errOut, err := run(t, db, "users", "disable", "jun"); err != nil {
				t.Fatalf("disable: %v\n%s", err, errOut)
			}
			out, _, err := run(t, db, "users", "list", "--format", "json")
			var users []struct {
				Name        string `json:"name"`
				Department  string `json:"department"`
				Role        string `json:"role"`
				Disabled    bool   `json:"disabled"`
				HasPassword bool   `json:"has_password"`
			}
			if err != nil || json.Unmarshal([]byte(out), &users) != nil || len(users) != 2 {
				t.Fatalf("users list: %v\n%s", err, out)
			}
			if u := users[0]; u.Name != "jun" || u.Role != "brand_manager" || !u.Disabled || u.HasPassword {
				t.Errorf("jun: %+v", u)
			}
			if u := users[1]; u.Name != "mina" || u.Department != "customer service" || u.Disabled || !u.HasPassword {
				t.Errorf("mina: %+v", u)
			}
			if strings.Contains(out, "correct horse") || strings.Contains(out, "argon2") {
				t.Errorf("users list shows a password or its hash:\n%s", out)
			}
			if _, errOut, err := run(t, db, "token", "create", "--name", "x", "--user", "jun"); err == nil || !strings.Contains(errOut, "disabled") {
				t.Errorf("a token for a disabled user: %v %s", err, errOut)
			}
			if _, errOut, err := run(t, db, "token", "create", "--name", "x"); err == nil || !strings.Contains(errOut, "--user USER") {
				t.Errorf("a token of nobody: %v %s", err, errOut)
			}
			for _, args := range [][]string{{"--user", "mina"}, {"--role", "integrator"}} {
				if out, errOut, err := run(t, db, append([]string{"token", "create", "--name", "t"}, args...)...); err != nil || !strings.HasPrefix(out, "clt_") {
					t.Errorf("token create %v: %v %s", args, err, errOut)
				}
			}
			out, _, _ = run(t, db, "token", "list")
			if !strings.Contains(out, "mina") || !strings.Contains(out, "(service)") || !strings.Contains(out, "integrator") {
				t.Errorf("token list:\n%s", out)
			}
		})
	}
}
