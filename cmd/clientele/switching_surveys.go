package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/equity"
	"clientele/internal/ingest"
	"clientele/internal/store"
)

func newImportSwitchingSurveyCmd(a *app) *cobra.Command {
	var name, marketPath string
	cmd := &cobra.Command{
		Use:     "switching-survey FILE [--name NAME] [--market MARKET.json]",
		Aliases: []string{"survey"},
		Short:   "Store a brand-switching survey (and its market description) for the switching report and the API",
		Long: `Store a brand-switching survey in the database, replacing one of the same
name (default: the file name without its extension). The file has one row per
respondent and brand:
  respondent_id,brand,<one column per driver>,last,frequency[,chosen]
With --market, the market description (brands with contribution and owner,
discount_rate, horizon_years, market_size, optional coefficients) is checked
against the survey and stored with it. A bad file is rejected whole.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				st, err := saveSwitchingSurvey(ctx, db, args[0], marketPath, name)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "switching survey %s: %d respondents, %d brands, drivers %s\n", st.Name, len(st.Respondents), len(st.Brands), strings.Join(st.Drivers, ", "))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name to store the survey under (default: the file name)")
	cmd.Flags().StringVar(&marketPath, "market", "", "market description (JSON) to store with the survey")
	return cmd
}

// saveSwitchingSurvey reads the survey at path and, when marketPath is
// not "", its market, checks them together and stores them under name
// (default: the file name without its extension). A bad file stores
// nothing.
func saveSwitchingSurvey(ctx context.Context, db *store.DB, path, marketPath, name string) (*clientele.SwitchingSurvey, error) {
	survey, err := readSwitchingSurveyFile(path)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	st := &clientele.SwitchingSurvey{Name: name, Brands: survey.Brands, Drivers: survey.Drivers, IDs: survey.IDs, Respondents: survey.Respondents}
	if marketPath != "" {
		b, err := os.ReadFile(marketPath)
		if err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "--market: %w", err)
		}
		market, _, err := ingest.ReadMarket(bytes.NewReader(b), survey)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", marketPath, err)
		}
		if err := equity.Validate(survey.Respondents, market, len(survey.Drivers)); err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: %w", path, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: %w", marketPath, err)
		}
		st.Market = compact.Bytes()
	}
	if err := db.SaveSwitchingSurvey(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

func newSwitchingSurveysCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "switching-surveys", Aliases: []string{"surveys"}, Short: "Stored brand-switching surveys: list, delete"}
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the stored switching surveys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				ss, err := db.SwitchingSurveys(ctx)
				if err != nil {
					return err
				}
				if format == "json" {
					out := []clientele.SwitchingSurveyJSON{}
					for _, s := range ss {
						out = append(out, s.JSON(a.loc))
					}
					return writeJSON(a.stdout, out)
				}
				var rows [][]string
				for _, s := range ss {
					rows = append(rows, []string{s.Name, fmt.Sprint(s.Respondents), strings.Join(s.Brands, ", "), strings.Join(s.Drivers, ", "),
						fmt.Sprint(s.HasMarket), s.ImportedAt.In(a.loc).Format(time.DateTime)})
				}
				return writeTable(a.stdout, []string{"NAME", "RESPONDENTS", "BRANDS", "DRIVERS", "MARKET", "IMPORTED AT"}, rows)
			})
		},
	}
	list.Flags().StringVar(&format, "format", "table", "output format: table or json")
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a stored switching survey",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error { return db.DeleteSwitchingSurvey(ctx, args[0]) })
		},
	}
	cmd.AddCommand(list, del)
	return cmd
}
