package twine

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Files made to be slow or to blow up memory: every construct the scanner
// looks for, repeated to the 5 MiB cap, opened and never closed. Each is
// read in one pass (no quadratic rescans) with memory a small multiple of
// its size. Not parallel: it measures the process's allocations.
func TestImportHostileInputs(t *testing.T) {
	n := MaxInputBytes - 100
	for _, tc := range []struct{ name, body string }{
		{"unclosed Harlowe macros", strings.Repeat("(a:", n/3)},
		{"Harlowe macros", strings.Repeat("(a:)", n/4)},
		{"hook brackets", strings.Repeat("[", n)},
		{"unclosed links", strings.Repeat("[[", n/2)},
		{"links", strings.Repeat("[[a]]", n/5)},
		{"SugarCube macros", strings.Repeat("<<a>>", n/5)},
		{"unclosed SugarCube strings", strings.Repeat("<<a \"", n/5)},
		{"unclosed comments", strings.Repeat("<!--", n/4)},
		{"Chapbook inserts across lines", strings.Repeat("{a\n", n/3)},
		{"variables", strings.Repeat("$a ", n/3)},
		{"blank lines", strings.Repeat("\n", n)},
	} {
		for _, format := range []string{"", "Chapbook"} {
			data := []byte(":: StoryData\n{\"format\":\"" + format + "\"}\n:: Start\n" + tc.body)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Import("hostile.twee", data)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil && !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s (%q): %v", tc.name, format, err)
			}
			if took > 10*time.Second {
				t.Errorf("%s (%q): took %v", tc.name, format, took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 20*uint64(len(data)) {
				t.Errorf("%s (%q): allocated %d MB for %d MB", tc.name, format, alloc>>20, len(data)>>20)
			}
		}
	}
}
