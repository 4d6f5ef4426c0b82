package clientele

import (
	"slices"
	"strings"
	"time"
)

// Kinds of information items.
const (
	InfoCallNote = "call_note" // what a customer said on a call or at a counter
	InfoInsight  = "insight"   // a customer manager's or brand manager's insight
	InfoResearch = "research"  // a finding of market research
)

// InfoKinds lists the kinds of information items.
var InfoKinds = []string{InfoCallNote, InfoInsight, InfoResearch}

// InfoItem is a piece of information about a customer or a segment that
// one colleague stores and others retrieve and rate: the information
// sharing the article measures (how often each department stores and
// retrieves customer information, and how valuable colleagues find it).
type InfoItem struct {
	ID         int64
	CustomerID string // the customer it is about, or ""
	Segment    string // the segment it is about, or ""
	AuthorID   int64
	Author     string // the author's user name
	Department string // the author's department when it was written
	Kind       string
	Text       string
	Tags       []string
	CreatedAt  time.Time

	// Filled when items are read back.
	Ratings    int     // how many colleagues rated it
	MeanRating float64 // 0 when unrated
	Reads      int     // retrievals by colleagues other than the author
}

// Validate reports every invalid field of it; it trims the text and tags.
func (it *InfoItem) Validate() error {
	v := invalid{item: "information item"}
	it.Text = strings.TrimSpace(it.Text)
	if (it.CustomerID == "") == (it.Segment == "") {
		v.add("customer_id", "an item is about one customer or one segment")
	}
	if !slices.Contains(InfoKinds, it.Kind) {
		v.add("kind", "%q: want one of %s", Excerpt(it.Kind), strings.Join(InfoKinds, ", "))
	}
	if it.Text == "" {
		v.add("text", "required")
	}
	checkProse(&v, "text", it.Text, 8192)
	if len(it.Tags) > 20 {
		v.add("tags", "at most 20")
	}
	for i, t := range it.Tags {
		it.Tags[i] = strings.TrimSpace(t)
		if it.Tags[i] == "" || len(it.Tags[i]) > 64 {
			v.add("tags", "tag %d must have 1 to 64 characters", i+1)
		}
		checkText(&v, "tags", it.Tags[i], 64)
	}
	return v.err("information item")
}

// InfoItemJSON is the JSON form of an InfoItem.
type InfoItemJSON struct {
	ID         int64    `json:"id"`
	CustomerID string   `json:"customer_id,omitempty" personal:"id"`
	Segment    string   `json:"segment,omitempty"`
	Author     string   `json:"author"`
	Department string   `json:"department"`
	Kind       string   `json:"kind"`
	Text       string   `json:"text"`
	Tags       []string `json:"tags"`
	CreatedAt  any      `json:"created_at"`
	Ratings    int      `json:"ratings"`
	MeanRating float64  `json:"mean_rating"`
	Reads      int      `json:"reads"`
}

// JSON returns it's JSON form, its time in loc.
func (it *InfoItem) JSON(loc *time.Location) InfoItemJSON {
	tags := it.Tags
	if tags == nil {
		tags = []string{}
	}
	return InfoItemJSON{ID: it.ID, CustomerID: it.CustomerID, Segment: it.Segment, Author: it.Author, Department: it.Department, Kind: it.Kind,
		Text: it.Text, Tags: tags, CreatedAt: TimeJSON(it.CreatedAt, loc), Ratings: it.Ratings, MeanRating: it.MeanRating, Reads: it.Reads}
}
