// Package twine converts a Twine 2 story — a Twee 3 file or Twine 2
// published HTML — into an Upstand scenario file.
//
// Each passage becomes a node, each link a choice, and a passage without
// links an ending. What cannot be mapped (story-format macros, variables,
// scripts) is dropped or left as text, and every such change is reported as
// a Warning naming its passage. The result is a draft for an author to
// review: it is meant to be checked with content.ParseScenario, which
// reports what the story still lacks (a positive ending, a summary, ...).
//
// The mapping is written down in docs/content.md ("Importing a Twine
// story"); the contract is the "Twine import" section of the content format.
package twine

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/upstand/upstand/app/content"
)

// MaxInputBytes is the largest file Import reads. Twine's published HTML
// carries the story format's JavaScript (several hundred KiB) besides the
// passages, so the cap is well above a scenario's own limit.
const MaxInputBytes = 5 << 20

// maxPassages bounds the passages read before the exact node count is known:
// special passages (StoryTitle, scripts, ...) do not become nodes, so a few
// more than content.MaxNodes are allowed through to be counted.
const maxPassages = 2 * content.MaxNodes

// ErrNotTwine is wrapped by the error for a file that is not a Twine 2 story.
var ErrNotTwine = errors.New("not a Twine 2 story")

// ErrTooLarge is wrapped by the error for a story over a limit of the
// importer or of the scenario format.
var ErrTooLarge = errors.New("too large to import")

// Warning is one thing the importer changed or dropped, about one passage.
// Passage is empty for a warning about the story as a whole.
type Warning struct {
	Passage string
	Msg     string
}

// String formats the warning as one line: `passage "Name": message`, or
// `story: message` when it is about no single passage.
func (w Warning) String() string {
	if w.Passage == "" {
		return "story: " + w.Msg
	}
	return fmt.Sprintf("passage %q: %s", w.Passage, w.Msg)
}

// Result is an imported story.
type Result struct {
	ID       string    // the scenario id chosen (slug)
	YAML     []byte    // the scenario file, deterministic, ready to save as scenarios/<ID>.yaml
	Warnings []Warning // story-wide ones first, then in passage order
}

// Import reads a Twee 3 file (.twee/.tw) or Twine 2 published HTML
// (.html/.htm; any other name is recognised by its content); name is the
// file name (used for the id when the story has no title, and for
// messages).
func Import(name string, data []byte) (Result, error) {
	sc, warnings, err := convert(name, data)
	if err != nil {
		return Result{}, err
	}
	out, err := encode(sc)
	if err != nil {
		return Result{}, fmt.Errorf("%s: writing the scenario: %w", name, err)
	}
	if len(out) > content.MaxFileBytes {
		return Result{}, tooLargeErr(name, "the scenario would be %s bytes; a scenario file may have at most %s (1 MiB)",
			thousands(len(out)), thousands(content.MaxFileBytes))
	}
	return Result{ID: sc.id, YAML: out, Warnings: warnings}, nil
}

// convert reads the story and maps it to a scenario.
func convert(name string, data []byte) (*scenario, []Warning, error) {
	notTwine := func(format string, args ...any) error { return notTwineErr(name, format, args...) }
	tooLarge := func(format string, args ...any) error { return tooLargeErr(name, format, args...) }
	if len(data) > MaxInputBytes {
		return nil, nil, tooLarge("the file is %s bytes; the importer reads at most %s (5 MiB)",
			thousands(len(data)), thousands(MaxInputBytes))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, notTwine("the file is empty")
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return nil, nil, notTwine("the file is not UTF-8 text")
	}

	var st *story
	var err error
	if isHTML(name, data) {
		if n := countTag(data, "<tw-passagedata"); n > maxPassages {
			return nil, nil, tooLarge("the story has %s passages; a scenario may have at most %s nodes", thousands(n), thousands(content.MaxNodes))
		}
		st, err = parseHTML(data)
	} else {
		if n := countHeaders(data); n > maxPassages {
			return nil, nil, tooLarge("the story has %s passages; a scenario may have at most %s nodes", thousands(n), thousands(content.MaxNodes))
		}
		st, err = parseTwee(data)
	}
	if err != nil {
		return nil, nil, notTwine("%s", err.Error())
	}
	return build(name, st)
}

// isHTML tells published HTML from Twee: by the file name when it says,
// otherwise by the first character.
func isHTML(name string, data []byte) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		return true
	case ".twee", ".tw":
		return false
	}
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("<"))
}

// thousands formats n with commas: 10,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
