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

func newUsersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Users: the owners of segments"}
	var name, role string
	create := &cobra.Command{
		Use:   "create --name NAME --role ROLE",
		Short: "Create a user (roles: " + strings.Join(clientele.Roles, ", ") + ")",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				u, err := db.CreateUser(cmd.Context(), name, role)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "user %d: %s (%s)\n", u.ID, u.Name, u.Role)
				return nil
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "user name (required)")
	create.Flags().StringVar(&role, "role", "customer_manager", "role")
	create.MarkFlagRequired("name")
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the users with their roles",
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
					rows = append(rows, []string{strconv.FormatInt(u.ID, 10), u.Name, u.Role, u.CreatedAt.In(a.loc).Format(time.DateTime)})
				}
				return writeTable(a.stdout, []string{"ID", "NAME", "ROLE", "CREATED"}, rows)
			})
		},
	}
	list.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.AddCommand(create, list)
	return cmd
}
