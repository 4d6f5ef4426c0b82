package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A customer's life under privacy law from the command line: consent
// imported and stated, the customer shown and exported, erased on request;
// importing the person again is reported as suppressed; every step is in
// the audit log, the erasure without the person's data.
func TestCustomersPrivacyCLI(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			customers := filepath.Join(dir, "customers.csv")
			os.WriteFile(customers, []byte("id,name,email,phone\nc-77,Yuna Lee,yuna.lee@example.com,+82 10 5550 7777\nc-78,Ho Jang,ho@example.com,\n"), 0o644)
			consents := filepath.Join(dir, "consents.csv")
			os.WriteFile(consents, []byte("customer_id,purpose,status,source,at\nc-77,email_marketing,granted,web form,2024-03-01\nc-77,sms_marketing,denied,web form,2024-03-01\n"), 0o644)
			for _, args := range [][]string{{"import", "customers", customers}, {"import", "consents", consents},
				{"customers", "consent", "c-77", "email_marketing", "withdrawn", "--source", "call 0451"}} {
				if out, errOut, err := run(t, db, args...); err != nil {
					t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
				}
			}
			out, errOut, err := run(t, db, "customers", "show", "c-77", "--reason", "call 0452")
			if err != nil {
				t.Fatalf("show: %v %s", err, errOut)
			}
			for _, want := range []string{"Yuna Lee", "yuna.lee@example.com", "email_marketing: withdrawn", "(call 0451)", "sms_marketing: denied", "profiling: not asked"} {
				if !strings.Contains(out, want) {
					t.Errorf("show lacks %q:\n%s", want, out)
				}
			}
			exp := filepath.Join(dir, "c-77.json")
			if _, errOut, err := run(t, db, "customers", "export", "c-77", "--out", exp); err != nil {
				t.Fatalf("export: %v %s", err, errOut)
			}
			var doc struct {
				Tables map[string][]map[string]any `json:"tables"`
			}
			b, _ := os.ReadFile(exp)
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("export: %v\n%s", err, b)
			}
			if len(doc.Tables["customers"]) != 1 || len(doc.Tables["identities"]) != 2 || len(doc.Tables["consent_history"]) != 3 || len(doc.Tables["audit_log"]) == 0 {
				t.Errorf("export: %d customers, %d identities, %d consent statements, %d audit entries", len(doc.Tables["customers"]),
					len(doc.Tables["identities"]), len(doc.Tables["consent_history"]), len(doc.Tables["audit_log"]))
			}
			if _, errOut, err := run(t, db, "customers", "erase", "c-77"); err == nil || !strings.Contains(errOut, "--reason") {
				t.Errorf("erase without a reason: %v %s", err, errOut)
			}
			out, errOut, err = run(t, db, "customers", "erase", "c-77", "--reason", "request 2026-118")
			if err != nil || !strings.Contains(out, "erased customer c-77") {
				t.Fatalf("erase: %v %s %s", err, out, errOut)
			}
			// The same file again: the erased person's row is reported, the
			// file rejected; with --skip-invalid the others go in.
			_, errOut, err = run(t, db, "import", "customers", customers)
			if err == nil || !strings.Contains(errOut, "line 2: id: customer c-77 belongs to a person erased on request") {
				t.Errorf("re-import: %v\n%s", err, errOut)
			}
			again := filepath.Join(dir, "again.csv")
			os.WriteFile(again, []byte("id,name,email\nnew-1,Y. Lee,YUNA.LEE@example.com\n"), 0o644)
			if _, errOut, err = run(t, db, "import", "customers", again); err == nil || !strings.Contains(errOut, "the email identity belongs to a person erased on request") {
				t.Errorf("re-import under a new id: %v\n%s", err, errOut)
			}
			out, _, err = run(t, db, "audit", "--format", "json")
			var entries []map[string]any
			if err != nil || json.Unmarshal([]byte(out), &entries) != nil {
				t.Fatalf("audit: %v %s", err, out)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e["action"].(string)+" "+e["route"].(string))
				if strings.Contains(e["route"].(string), "erase") && (e["customer_id"] == "c-77" || !strings.HasPrefix(e["customer_id"].(string), "erased:")) {
					t.Errorf("the erasure's entry names the customer: %v", e)
				}
			}
			want := "erase clientele customers erase|export clientele customers export|read clientele customers show|write clientele customers consent|write clientele import|write clientele import"
			if strings.Join(got, "|") != want {
				t.Errorf("audit:\n%s\nwant\n%s", strings.Join(got, "|"), want)
			}
			// The erasure is found by the customer's id.
			out, _, _ = run(t, db, "audit", "--customer", "c-77")
			if !strings.Contains(out, "erase") || !strings.Contains(out, "request 2026-118") {
				t.Errorf("audit --customer c-77:\n%s", out)
			}
		})
	}
}

// Information sharing from the command line: notes stored, listed and
// rated as named users; the sharing report counts them by department.
func TestNotesCLI(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			customers := filepath.Join(dir, "customers.csv")
			os.WriteFile(customers, []byte("id,name\nc-1,Bora Seo\n"), 0o644)
			steps := [][]string{
				{"import", "customers", customers},
				{"users", "add", "--name", "jiwoo", "--role", "agent", "--department", "customer service"},
				{"users", "add", "--name", "yuna", "--role", "customer_manager", "--department", "customer management"},
				{"users", "add", "--name", "dahye", "--role", "analyst"},
				{"users", "set-department", "dahye", "market research"},
				{"segments", "create", "--name", "all", "--expr", "true", "--owner", "yuna"},
				{"notes", "add", "--customer", "c-1", "--as", "jiwoo", "--kind", "call_note", "--tags", "fees,card", "Asked about the annual fee"},
				{"notes", "add", "--segment", "all", "--as", "dahye", "--kind", "research", "Survey: fees matter more than rewards"},
				{"notes", "list", "--customer", "c-1", "--as", "yuna"},
				{"notes", "list", "--segment", "all", "--as", "jiwoo"},
				{"notes", "rate", "2", "5", "--as", "jiwoo"},
				{"notes", "rate", "2", "3", "--as", "jiwoo"},
			}
			for _, args := range steps {
				if out, errOut, err := run(t, db, args...); err != nil {
					t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
				}
			}
			if _, errOut, err := run(t, db, "notes", "add", "--segment", "all", "text"); err == nil || !strings.Contains(errOut, "--as USER") {
				t.Errorf("a note without an author: %v %s", err, errOut)
			}
			out, _, err := run(t, db, "notes", "list", "--segment", "all", "--as", "yuna", "--format", "json")
			var items []map[string]any
			if err != nil || json.Unmarshal([]byte(out), &items) != nil || len(items) != 1 {
				t.Fatalf("list: %v %s", err, out)
			}
			if it := items[0]; it["mean_rating"] != 3.0 || it["ratings"] != 1.0 || it["reads"] != 1.0 || it["department"] != "market research" {
				t.Errorf("the research item after a changed rating and one colleague's read: %v", it)
			}
			out, _, err = run(t, db, "report", "sharing", "--format", "json")
			var rep struct {
				Stored, Retrieved int
				Departments       []struct {
					Name              string
					Stored, Retrieved int
				}
			}
			if err != nil || json.Unmarshal([]byte(out), &rep) != nil {
				t.Fatalf("report sharing: %v %s", err, out)
			}
			// yuna read the call note and then the research item (json list).
			if rep.Stored != 2 || rep.Retrieved != 3 || len(rep.Departments) != 3 {
				t.Errorf("report: %+v", rep)
			}
		})
	}
}
