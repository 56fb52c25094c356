package twine

import (
	"encoding/json"
	"errors"
	"strings"
)

// story is what the importer reads from either kind of file, before any
// mapping.
type story struct {
	title    string
	hasTitle bool
	format   string // the story format, lower case ("harlowe", "sugarcube", ...); "" when not given
	start    string // the start passage's name; "" when not given
	passages []passage
	warnings []Warning // found while reading
}

// passage is one Twine passage as written.
type passage struct {
	name string
	tags []string
	text string
}

// countHeaders counts the lines that start a Twee passage, without
// allocating, so that a huge story is refused before it is read.
func countHeaders(data []byte) int {
	n := 0
	lineStart := true
	for i, c := range data {
		if lineStart && c == ':' && i+1 < len(data) && data[i+1] == ':' {
			n++
		}
		lineStart = c == '\n' || c == '\r'
	}
	return n
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// parseTwee reads a Twee 3 file: passages start at lines beginning with
// "::", followed by the name, an optional [tag block] and an optional
// {metadata} block (ignored). Text before the first header is ignored, as
// the Twee 3 specification says.
func parseTwee(data []byte) (*story, error) {
	text := normalizeNewlines(string(data))
	st := &story{}
	var cur *passage
	bodyStart := 0
	finish := func(end int) {
		if cur == nil {
			return
		}
		cur.text = unescapeContent(strings.TrimRight(text[bodyStart:end], " \t\n"))
		st.passages = append(st.passages, *cur)
	}
	headers := 0
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		next := len(text)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(text)
		}
		if strings.HasPrefix(text[pos:end], "::") {
			finish(pos)
			headers++
			name, tags := parseHeader(text[pos+2 : end])
			cur = &passage{name: name, tags: tags}
			bodyStart = next
		}
		pos = next
	}
	finish(len(text))
	if headers == 0 {
		return nil, errors.New("the file has no passage headers (lines starting with ::), so it is not Twee")
	}

	// StoryTitle and StoryData describe the story; they are not passages.
	kept := st.passages[:0]
	seenTitle, seenData := false, false
	for _, p := range st.passages {
		switch p.name {
		case "StoryTitle":
			if seenTitle {
				st.warnings = append(st.warnings, Warning{p.name, "a second StoryTitle passage was ignored"})
				continue
			}
			seenTitle = true
			st.title = strings.Join(strings.Fields(p.text), " ")
			st.hasTitle = st.title != ""
		case "StoryData":
			if seenData {
				st.warnings = append(st.warnings, Warning{p.name, "a second StoryData passage was ignored"})
				continue
			}
			seenData = true
			var sd struct {
				Format string `json:"format"`
				Start  string `json:"start"`
			}
			if err := json.Unmarshal([]byte(p.text), &sd); err != nil {
				st.warnings = append(st.warnings, Warning{p.name, "is not valid JSON, so the story format and start passage it may name were ignored"})
				continue
			}
			st.format = strings.ToLower(strings.TrimSpace(sd.Format))
			st.start = sd.Start
		default:
			kept = append(kept, p)
		}
	}
	st.passages = kept
	return st, nil
}

// parseHeader splits what follows "::" on a header line into the passage
// name and tags, undoing Twee 3's backslash escapes (\[ \] \{ \} \\). An
// unclosed tag block takes the rest of the line.
func parseHeader(s string) (string, []string) {
	i := metaIndex(s, "[{")
	name := unescape(strings.TrimSpace(s[:i]))
	rest := s[i:]
	var tags []string
	if strings.HasPrefix(rest, "[") {
		rest = rest[1:]
		j := metaIndex(rest, "]")
		for _, t := range strings.Fields(rest[:j]) {
			tags = append(tags, unescape(t))
		}
	}
	return name, tags
}

// metaIndex is the index of the first unescaped byte of chars in s, or
// len(s).
func metaIndex(s, chars string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case strings.IndexByte(chars, s[i]) >= 0:
			return i
		}
	}
	return len(s)
}

// unescape removes Twee's escaping backslashes: a backslash stands for the
// character after it.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeContent undoes the escape Twee writers put on passage lines that
// would otherwise read as headers: "\::" at the start of a line.
func unescapeContent(s string) string {
	if !strings.Contains(s, `\::`) {
		return s
	}
	s = strings.ReplaceAll(s, "\n\\::", "\n::")
	if strings.HasPrefix(s, `\::`) {
		s = s[1:]
	}
	return s
}
