package main

import (
	"github.com/spf13/cobra"
)

func newServeCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "serve", Short: "Serve the HTTP API"}
}

func newDemoCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "demo", Short: "Build a demo database and serve it"}
}
