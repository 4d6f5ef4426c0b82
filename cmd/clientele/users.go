package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"clientele"
	"clientele/internal/store"
)

func newUsersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Users: who may see and do what (add, list, disable, enable, passwd, set-role, set-department)"}
	var u clientele.User
	var scopes string
	var withPassword bool
	add := &cobra.Command{
		Use:     "add --name NAME --role ROLE [--display-name N] [--department D] [--scopes A,B] [--password-stdin]",
		Aliases: []string{"create"},
		Short:   "Add a user (roles: " + strings.Join(clientele.Roles, ", ") + ")",
		Long: `Add a user. The role says what the user may see and do; the department
(one of ` + strings.Join(clientele.Departments, ", ") + `, or any
other) says where its information comes from and goes. With
--password-stdin the password (at least 10 characters) is read from
standard input, or asked for on a terminal; it is kept as an argon2id hash.
A user without a password uses API tokens only (clientele token create --user).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if scopes != "" {
				u.Scopes = strings.Split(scopes, ",")
			}
			var hash string
			if withPassword {
				var err error
				if hash, err = a.readNewPassword(); err != nil {
					return err
				}
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				got, err := db.CreateUser(cmd.Context(), u, hash)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "user %d: %s (%s)\n", got.ID, got.Name, got.Role)
				return nil
			})
		},
	}
	f := add.Flags()
	f.StringVar(&u.Name, "name", "", "login name (required)")
	f.StringVar(&u.Role, "role", "customer_manager", "role")
	f.StringVar(&u.DisplayName, "display-name", "", "the name shown to colleagues")
	f.StringVar(&u.Department, "department", "", "department")
	f.StringVar(&scopes, "scopes", "", "comma-separated scopes narrowing the role (brands, segments)")
	f.BoolVar(&withPassword, "password-stdin", false, "read a password from standard input (or ask on a terminal)")
	add.MarkFlagRequired("name")

	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the users with their roles and departments",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				users, err := db.Users(cmd.Context())
				if err != nil {
					return err
				}
				if format == "json" {
					out := []clientele.UserJSON{}
					for i := range users {
						out = append(out, users[i].JSON(a.loc))
					}
					return writeJSON(a.stdout, out)
				}
				var rows [][]string
				for _, u := range users {
					state := "active"
					if u.Disabled {
						state = "disabled"
					}
					rows = append(rows, []string{strconv.FormatInt(u.ID, 10), u.Name, or(u.DisplayName, "-"), or(u.Department, "-"), u.Role,
						or(strings.Join(u.Scopes, ","), "-"), map[bool]string{true: "yes", false: "no"}[u.HasPassword], state, u.CreatedAt.In(a.loc).Format(time.DateTime)})
				}
				return writeTable(a.stdout, []string{"ID", "NAME", "DISPLAY NAME", "DEPARTMENT", "ROLE", "SCOPES", "PASSWORD", "STATE", "CREATED"}, rows)
			})
		},
	}
	list.Flags().StringVar(&format, "format", "table", "output format: table or json")

	setState := func(use, short string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.withDB(cmd.Context(), func(db *store.DB) error {
					if err := db.SetDisabled(cmd.Context(), args[0], disabled); err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "user %s %sd\n", args[0], use)
					return nil
				})
			},
		}
	}
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a user's password (read from standard input, or asked for on a terminal)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := a.readNewPassword()
			if err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.SetPassword(cmd.Context(), args[0], hash); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "password of %s changed\n", args[0])
				return nil
			})
		},
	}
	setRole := &cobra.Command{
		Use:   "set-role NAME ROLE",
		Short: "Give a user another role; its tokens and sessions act with it from their next request",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.SetRole(cmd.Context(), args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "user %s is now %s\n", args[0], args[1])
				return nil
			})
		},
	}
	setDept := &cobra.Command{
		Use:   "set-department NAME DEPARTMENT",
		Short: "Move a user to another department (what it stores and retrieves counts there from now on)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.SetDepartment(cmd.Context(), args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "user %s is now in %s\n", args[0], args[1])
				return nil
			})
		},
	}
	cmd.AddCommand(add, list, setState("disable", "Disable a user: its tokens and password stop working at once", true),
		setState("enable", "Enable a disabled user again", false), passwd, setRole, setDept)
	return cmd
}

// readNewPassword reads a new password, asking twice on a terminal and
// reading one line of standard input otherwise, and hashes it. The
// password is never an argument: arguments show in the process list and
// the shell's history.
func (a *app) readNewPassword() (string, error) {
	var pw string
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.stderr, "new password: ")
		b1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(a.stderr, "again: ")
		b2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", err
		}
		if string(b1) != string(b2) {
			return "", clientele.Errorf(clientele.EINVALID, "the passwords differ")
		}
		pw = string(b1)
	} else {
		line, err := bufio.NewReader(io.LimitReader(a.stdin, clientele.MaxPasswordLength+2)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	return clientele.HashPassword(pw)
}
