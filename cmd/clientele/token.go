package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
)

func newTokenCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	var name, user, role string
	create := &cobra.Command{
		Use:   "create --name NAME (--user USER | --role ROLE)",
		Short: "Create an API token and print it once (only its hash is stored)",
		Long: `Create an API token and print it once; only its hash is stored.

With --user the token belongs to a user and acts with the user's role,
whatever that becomes, until it is revoked or the user disabled. Without
one it is a service token with a role of its own: --role integrator for
a shop's or an SDK's write key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (user == "") == (role == "") {
				return clientele.Errorf(clientele.EINVALID, "give --user USER (a user's token) or --role ROLE (a service token, e.g. --role integrator)")
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				var secret string
				var err error
				if user != "" {
					secret, err = db.CreateUserToken(cmd.Context(), name, user)
				} else {
					secret, err = db.CreateServiceToken(cmd.Context(), name, role)
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "what the token is for (required)")
	create.Flags().StringVar(&user, "user", "", "the user the token belongs to")
	create.Flags().StringVar(&role, "role", "", "a service token's role: "+strings.Join(clientele.Roles, ", "))
	create.MarkFlagRequired("name")
	list := &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				toks, err := db.Tokens(cmd.Context())
				if err != nil {
					return err
				}
				var rows [][]string
				for _, t := range toks {
					used := "never"
					if !t.LastUsed.IsZero() {
						used = t.LastUsed.In(a.loc).Format(time.DateTime)
					}
					state := "active"
					if t.Revoked {
						state = "revoked"
					}
					if t.Disabled && !t.Revoked {
						state = "user disabled"
					}
					owner := t.UserName
					if owner == "" {
						owner = "(service)"
					}
					rows = append(rows, []string{strconv.FormatInt(t.ID, 10), t.Name, owner, t.Role, t.CreatedAt.In(a.loc).Format(time.DateTime), used, state})
				}
				return writeTable(a.stdout, []string{"ID", "NAME", "USER", "ROLE", "CREATED", "LAST USED", "STATE"}, rows)
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "token id %q is not a number (see `clientele token list`)", args[0])
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.RevokeToken(cmd.Context(), id); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "token %d revoked: it no longer authenticates\n", id)
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
