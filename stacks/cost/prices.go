// Package cost estimates what a plan costs to run, in USD per hour and per
// month, from a data file of list prices that names each price's source.
package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

//go:embed prices.json
var pricesJSON []byte

// Price is one list price.
type Price struct {
	Item      string  `json:"item"`
	Region    string  `json:"region"`
	USD       float64 `json:"usd"`
	Per       string  `json:"per"`
	Confirmed bool    `json:"confirmed"`
	Source    string  `json:"source"`
	Date      string  `json:"date"`
}

// Prices is the price data file.
type Prices struct {
	HoursPerMonth          float64           `json:"hoursPerMonth"`
	HoursPerMonthSource    string            `json:"hoursPerMonthSource"`
	EKSStandardSupportEnds map[string]string `json:"eksStandardSupportEnds"`
	EKSStandardSupportSrc  string            `json:"eksStandardSupportSource"`
	List                   []Price           `json:"prices"`
}

// LoadPrices reads the prices shipped in prices.json.
func LoadPrices() (Prices, error) {
	return ParsePrices(pricesJSON)
}

// ParsePrices reads a price file, refusing one whose prices lack a source,
// a date, a unit or a positive amount.
func ParsePrices(data []byte) (Prices, error) {
	var p Prices
	if err := json.Unmarshal(data, &p); err != nil {
		return Prices{}, fmt.Errorf("prices: %w", err)
	}
	if p.HoursPerMonth <= 0 || p.HoursPerMonthSource == "" {
		return Prices{}, fmt.Errorf("prices: hoursPerMonth must be positive and have a source, got %v from %q", p.HoursPerMonth, p.HoursPerMonthSource)
	}
	if len(p.EKSStandardSupportEnds) > 0 && p.EKSStandardSupportSrc == "" {
		return Prices{}, fmt.Errorf("prices: eksStandardSupportEnds has no source")
	}
	seen := map[string]bool{}
	for i, pr := range p.List {
		key := pr.Item + "@" + pr.Region
		switch {
		case pr.Item == "" || pr.Region == "" || pr.Per == "":
			return Prices{}, fmt.Errorf("prices[%d]: item, region and per are required", i)
		case !strings.HasSuffix(pr.Per, "-hour") && !strings.HasSuffix(pr.Per, "-month"):
			return Prices{}, fmt.Errorf("prices[%d] %s: per %q must end in -hour or -month", i, key, pr.Per)
		case pr.USD <= 0:
			return Prices{}, fmt.Errorf("prices[%d] %s: usd must be positive, got %v", i, key, pr.USD)
		case pr.Source == "":
			return Prices{}, fmt.Errorf("prices[%d] %s: no source", i, key)
		case seen[key]:
			return Prices{}, fmt.Errorf("prices[%d] %s: listed twice", i, key)
		}
		if _, err := time.Parse(time.DateOnly, pr.Date); err != nil {
			return Prices{}, fmt.Errorf("prices[%d] %s: date %q is not YYYY-MM-DD", i, key, pr.Date)
		}
		seen[key] = true
	}
	for v, d := range p.EKSStandardSupportEnds {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Prices{}, fmt.Errorf("prices: end of standard support of %s: %q is not YYYY-MM-DD", v, d)
		}
	}
	return p, nil
}

// Lookup returns the price of item in region, falling back to a price that
// holds in every region.
func (p Prices) Lookup(item, region string) (Price, bool) {
	var any Price
	found := false
	for _, pr := range p.List {
		if pr.Item != item {
			continue
		}
		if pr.Region == region {
			return pr, true
		}
		if pr.Region == "*" {
			any, found = pr, true
		}
	}
	return any, found
}

// hourly converts a price to USD per hour.
func (p Prices) hourly(pr Price) float64 {
	if strings.HasSuffix(pr.Per, "-hour") {
		return pr.USD
	}
	return pr.USD / p.HoursPerMonth
}

// extendedSupport reports whether an EKS version is past its standard support
// on the given day, and whether the calendar knows the version at all.
func (p Prices) extendedSupport(version string, now time.Time) (extended, known bool) {
	end, ok := p.EKSStandardSupportEnds[version]
	if !ok {
		return false, false
	}
	day, _ := time.Parse(time.DateOnly, end)
	return !now.Before(day), true
}
