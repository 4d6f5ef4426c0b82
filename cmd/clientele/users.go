package main

import (
	"fmt"
	"strings"

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
	cmd.AddCommand(create)
	return cmd
}
