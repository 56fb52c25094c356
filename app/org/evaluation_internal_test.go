package org

import (
	"slices"
	"testing"

	"github.com/upstand/upstand/app/store"
)

// TestEndingsHideWhatSubtractionWouldShow: an ending reached by fewer than
// five people is hidden; when it is the only one hidden under a total
// that is shown, the smallest shown one is hidden too, so the first
// can't be had by subtraction.
func TestEndingsHideWhatSubtractionWouldShow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		by   map[string]int
		want []string // positive, mixed, negative
		// shares, likewise
		shares []string
		total  string
	}{
		{"one hidden: the smallest shown goes too", map[string]int{"positive": 6, "mixed": 5, "negative": 1},
			[]string{"6", "fewer than 5", "fewer than 5"}, []string{"50%", "", ""}, "12"},
		{"two hidden: enough", map[string]int{"positive": 7, "mixed": 2, "negative": 1},
			[]string{"7", "fewer than 5", "fewer than 5"}, []string{"70%", "", ""}, "10"},
		{"none hidden", map[string]int{"positive": 5, "mixed": 5, "negative": 10},
			[]string{"5", "5", "10"}, []string{"25%", "25%", "50%"}, "20"},
		{"everyone the same way", map[string]int{"positive": 5},
			[]string{"5", "fewer than 5", "fewer than 5"}, []string{"100%", "", ""}, "5"},
		{"fewer than five in all", map[string]int{"positive": 2, "negative": 2},
			[]string{"fewer than 5", "fewer than 5", "fewer than 5"}, []string{"", "", ""}, "fewer than 5"},
	} {
		e := endings(c.by)
		var got, shares []string
		for _, o := range e.Outcomes {
			got, shares = append(got, o.People.String()), append(shares, o.Share)
		}
		if !slices.Equal(got, c.want) || !slices.Equal(shares, c.shares) || e.People.String() != c.total {
			t.Errorf("%s: %v %v of %s, want %v %v of %s", c.name, got, shares, e.People, c.want, c.shares, c.total)
		}
	}
}

// TestConfidenceFigures: means to a tenth and shares to a whole per cent,
// each rounded half up, and changes that are the differences of the
// figures shown, with a sign.
func TestConfidenceFigures(t *testing.T) {
	t.Parallel()
	c := confidence(storeSum(7, 7, 20, 19, 3, 2))
	got := []string{c.People.String(), c.MeanBefore, c.MeanAfter, c.MeanChange, c.AgreeBefore, c.AgreeAfter, c.AgreeChange}
	// 20/7 = 2.857 → 2.9; 19/7 = 2.714 → 2.7; 3/7 = 42.9% → 43%; 2/7 = 28.6% → 29%.
	want := []string{"7", "2.9", "2.7", "−0.2", "43%", "29%", "−14 points"}
	if !slices.Equal(got, want) {
		t.Errorf("figures %v, want %v", got, want)
	}
	c = confidence(storeSum(10, 10, 30, 30, 6, 7))
	if c.MeanChange != "0.0" || c.AgreeChange != "+10 points" {
		t.Errorf("no change in the mean: %q; ten points: %q", c.MeanChange, c.AgreeChange)
	}
	c = confidence(storeSum(20, 20, 60, 60, 10, 10))
	if c.AgreeChange != "0 points" {
		t.Errorf("no change in agreeing: %q", c.AgreeChange)
	}
}

func storeSum(people, pairs, before, after, agreeBefore, agreeAfter int) store.ConfidenceSum {
	return store.ConfidenceSum{People: people, Pairs: pairs, SumBefore: before, SumAfter: after, AgreeBefore: agreeBefore, AgreeAfter: agreeAfter}
}
