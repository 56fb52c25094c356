package content

import (
	"testing"

	upstand "github.com/upstand/upstand"
)

// BenchmarkLoadLibrary loads and checks the whole bundled library, as serve
// does at start-up (target: under 200 ms).
func BenchmarkLoadLibrary(b *testing.B) {
	var cat *Catalogue
	for b.Loop() {
		var err error
		if cat, err = Load(upstand.Files); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
	b.ReportMetric(float64(len(cat.Modules)), "modules")
	b.ReportMetric(float64(len(cat.Scenarios)), "scenarios")
}
