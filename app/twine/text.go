package twine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/upstand/upstand/app/content"
)

// dialect is the story-format syntax a passage is read with. Links and HTML
// comments are read in every format; macros only in their own, so that a
// bracket or brace in another format's prose stays prose.
type dialect struct {
	harlowe   bool // (macro: ...)[hook], $variables
	sugarcube bool // <<macro ...>>, /* comments */, $variables
	chapbook  bool // vars section, [modifiers], {inserts}
}

// dialectOf maps StoryData's format to a dialect. A story that names no
// format is read as both Harlowe (Twine's default) and SugarCube (Tweego's).
func dialectOf(format string) dialect {
	switch format {
	case "harlowe":
		return dialect{harlowe: true}
	case "sugarcube":
		return dialect{sugarcube: true}
	case "chapbook":
		return dialect{chapbook: true}
	case "":
		return dialect{harlowe: true, sugarcube: true}
	}
	return dialect{}
}

// link is a link to a passage, as written.
type link struct {
	text   string // shown to the reader, one line
	target string // the passage name
}

// pieceKind tells what a piece of passage text is.
type pieceKind int

const (
	pText pieceKind = iota // text that stays
	pLink                  // a link: becomes a choice; its text may stay in the line
	pGap                   // something removed (a macro, a comment)
)

type piece struct {
	kind pieceKind
	text string // pText: the text; pLink: the link's text
}

// Bounds that keep the memory an import needs close to the file's size,
// whatever the file holds.
const (
	// maxPassageWarnings is how many warnings one passage lists; more are
	// only counted.
	maxPassageWarnings = 50
	// maxLinks is the most choices a scenario can hold; a passage with
	// more links is not read further.
	maxLinks = content.MaxNodes * content.MaxChoices
)

// converted is a passage's text made ready for a node.
type converted struct {
	text     string
	links    []link
	warnings []string
}

// scanner reads one passage's text once, left to right, splitting it into
// pieces. Every construct it looks for ends on a marker it searches for;
// when the marker is missing, that kind of construct is not looked for
// again in the passage (or, for links, on the line), so a passage is read
// in time proportional to its length whatever it holds.
type scanner struct {
	d         dialect
	src       string
	textStart int
	pieces    []piece
	links     []link
	warnings  []string
	hooks     []bool // open Harlowe brackets: true for a hook whose macro was dropped

	unlisted int // warnings over maxPassageWarnings, counted only

	noLinkUntil   int // no "]]" before this offset
	noInsertUntil int // no "}" before this offset
	noHarlowe     bool
	noSugarCube   bool
	noComment     map[string]bool // closing markers known to be missing
}

// convertText maps a passage's source to Markdown text and links.
func convertText(src string, d dialect) converted {
	s := &scanner{d: d, src: clean(src), noComment: map[string]bool{}}
	i := 0
	if d.chapbook {
		i = s.chapbookVars()
	}
	s.textStart = i
	for i < len(s.src) && len(s.links) <= maxLinks {
		if end, ok := s.at(i); ok {
			i = end
			s.textStart = end
			continue
		}
		i++
	}
	if len(s.links) > maxLinks {
		return converted{links: s.links}
	}
	s.flush(len(s.src))
	text := s.assemble()
	s.warnVariables(text)
	if s.unlisted > 0 {
		s.warnings = append(s.warnings, fmt.Sprintf("%d more warnings like these were not listed", s.unlisted))
	}
	return converted{text: text, links: s.links, warnings: s.warnings}
}

func (s *scanner) warn(format string, args ...any) {
	if len(s.warnings) >= maxPassageWarnings {
		s.unlisted++
		return
	}
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
}

// flush ends the text piece running up to i.
func (s *scanner) flush(i int) {
	if i > s.textStart {
		s.pieces = append(s.pieces, piece{kind: pText, text: s.src[s.textStart:i]})
	}
	s.textStart = i
}

func (s *scanner) gap(i int) {
	s.flush(i)
	if n := len(s.pieces); n > 0 && s.pieces[n-1].kind == pGap {
		return // one gap stands for any number of removals in a row
	}
	s.pieces = append(s.pieces, piece{kind: pGap})
}

// at reads the construct starting at offset i, if there is one, and
// returns the offset after it.
func (s *scanner) at(i int) (int, bool) {
	src := s.src
	rest := src[i:]
	switch src[i] {
	case '[':
		if s.d.chapbook && (i == 0 || src[i-1] == '\n') {
			if end, ok := s.chapbookModifier(i); ok {
				return end, true
			}
		}
		if strings.HasPrefix(rest, "[[") {
			if end, ok := s.link(i); ok {
				return end, true
			}
		}
		if s.d.harlowe {
			s.hooks = append(s.hooks, false)
		}
	case ']':
		if n := len(s.hooks); n > 0 {
			dropped := s.hooks[n-1]
			s.hooks = s.hooks[:n-1]
			if dropped {
				s.gap(i)
				return i + 1, true
			}
		}
	case '(':
		if s.d.harlowe && !s.noHarlowe {
			return s.harloweMacro(i)
		}
	case '<':
		if strings.HasPrefix(rest, "<!--") {
			return s.comment(i, "<!--", "-->")
		}
		if s.d.sugarcube && !s.noSugarCube && strings.HasPrefix(rest, "<<") {
			return s.sugarCubeMacro(i)
		}
	case '/':
		if s.d.sugarcube {
			if strings.HasPrefix(rest, "/*") {
				return s.comment(i, "/*", "*/")
			}
			if strings.HasPrefix(rest, "/%") {
				return s.comment(i, "/%", "%/")
			}
		}
	case '{':
		if s.d.chapbook && i >= s.noInsertUntil {
			return s.chapbookInsert(i)
		}
	}
	return 0, false
}

// lineEnd is the offset of the newline ending the line at i, or len(src).
func (s *scanner) lineEnd(i int) int {
	if j := strings.IndexByte(s.src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(s.src)
}

// comment drops a comment; comments are never shown by Twine either.
func (s *scanner) comment(i int, open, close string) (int, bool) {
	if s.noComment[close] {
		return 0, false
	}
	j := strings.Index(s.src[i+len(open):], close)
	if j < 0 {
		s.noComment[close] = true
		return 0, false
	}
	s.gap(i)
	return i + len(open) + j + len(close), true
}

// onLine finds marker after from on the line of i. When it is not there,
// no construct opening on that line before the marker's next occurrence
// can close, so the scanner skips looking until then (noLinkUntil or
// noInsertUntil, by marker).
func (s *scanner) onLine(i, from int, marker string) (int, bool) {
	until := &s.noLinkUntil
	if marker == "}" {
		until = &s.noInsertUntil
	}
	j := strings.Index(s.src[from:], marker)
	if j < 0 {
		*until = len(s.src)
		return 0, false
	}
	if nl := strings.IndexByte(s.src[i:from+j], '\n'); nl >= 0 {
		*until = i + nl
		return 0, false
	}
	return j, true
}

// link reads [[...]] as Twine does: to the first "]]" on the line.
func (s *scanner) link(i int) (int, bool) {
	if i < s.noLinkUntil {
		return 0, false
	}
	j, ok := s.onLine(i, i+2, "]]")
	if !ok {
		return 0, false
	}
	inner := s.src[i+2 : i+2+j]
	l, setter, ok := parseLink(inner)
	if !ok {
		return 0, false
	}
	s.flush(i)
	if setter != "" {
		s.warn("dropped the setter [%s] of the link %s", clip(setter), clip(s.src[i:i+j+4]))
	}
	s.addLink(l)
	return i + j + 4, true
}

// externalLink is Twine's test for a link to a web address rather than a
// passage.
var externalLink = regexp.MustCompile(`^\w+:///?\w`)

// parseLink splits the inside of [[...]] as the Twine 2 editor does: a
// setter after "][" is cut off; then the rightmost "->" (text->Target), the
// leftmost "<-" (Target<-text) or the rightmost "|" (text|Target) divides
// text from target, the first that gives a non-empty target; otherwise the
// whole is both. It reports false when no target is left.
func parseLink(inner string) (l link, setter string, ok bool) {
	if k := strings.Index(inner, "]["); k >= 0 {
		inner, setter = inner[:k], inner[k+2:]
	}
	l = link{text: inner, target: inner}
	if k := strings.LastIndex(inner, "->"); k >= 0 && strings.TrimSpace(inner[k+2:]) != "" {
		l = link{text: inner[:k], target: inner[k+2:]}
	} else if k := strings.Index(inner, "<-"); k >= 0 && strings.TrimSpace(inner[:k]) != "" {
		l = link{text: inner[k+2:], target: inner[:k]}
	} else if k := strings.LastIndex(inner, "|"); k >= 0 && strings.TrimSpace(inner[k+1:]) != "" {
		l = link{text: inner[:k], target: inner[k+1:]}
	}
	l.target = strings.TrimSpace(l.target)
	l.text = oneLine(l.text)
	if l.text == "" {
		l.text = oneLine(l.target)
	}
	return l, setter, l.target != ""
}

// addLink records a link at the current position. A link to a web address
// is no choice: it stays in the text as a Markdown link.
func (s *scanner) addLink(l link) {
	if externalLink.MatchString(l.target) {
		text := l.text
		if !strings.ContainsAny(l.target, "<> \t") {
			text = "[" + markdownEscaper.Replace(l.text) + "](<" + l.target + ">)"
		}
		s.pieces = append(s.pieces, piece{kind: pText, text: text})
		return
	}
	s.links = append(s.links, l)
	s.pieces = append(s.pieces, piece{kind: pLink, text: l.text})
}

var markdownEscaper = strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`)

// macroNameSpelling drops what Harlowe ignores in macro names:
// (link-goto:), (linkgoto:) and (link_goto:) are one macro.
var macroNameSpelling = strings.NewReplacer("-", "", "_", "")

// harloweMacro reads (name: arguments) and a hook right after it. A
// link-goto becomes a link; every other macro is dropped, and the text of
// its hook kept.
func (s *scanner) harloweMacro(i int) (int, bool) {
	src := s.src
	j := i + 1
	for j < len(src) && (isASCIILetter(src[j]) || isDigit(src[j]) || src[j] == '-' || src[j] == '_') {
		j++
	}
	if j == i+1 || j >= len(src) || src[j] != ':' || !isASCIILetter(src[i+1]) {
		return 0, false
	}
	depth := 1
	k := j + 1
	for k < len(src) && depth > 0 {
		switch src[k] {
		case '"', '\'':
			end, ok := skipString(src, k)
			if !ok {
				s.unclosedHarlowe(i)
				return 0, false
			}
			k = end
			continue
		case '(':
			depth++
		case ')':
			depth--
		}
		k++
	}
	if depth > 0 {
		// Harlowe would read the rest of the passage as this macro's
		// arguments; here it stays text.
		s.unclosedHarlowe(i)
		return 0, false
	}
	end := k
	macro := src[i:end]
	name := strings.ToLower(macroNameSpelling.Replace(src[i+1 : j]))
	hook := end < len(src) && src[end] == '[' &&
		(!strings.HasPrefix(src[end:], "[[") || strings.HasPrefix(src[end:], "[[["))
	s.flush(i)
	hookNote := ""
	if hook {
		hookNote = "; the text of its hook is kept"
	}
	switch name {
	case "linkgoto", "linkrevealgoto":
		args, ok := stringArgs(src[j+1:end-1], ',')
		var l link
		switch {
		case ok && len(args) == 1 && name == "linkgoto":
			l = link{text: args[0], target: args[0]}
		case ok && len(args) == 2:
			l = link{text: args[0], target: args[1]}
		default:
			ok = false
		}
		l.target = strings.TrimSpace(l.target)
		l.text = oneLine(l.text)
		if l.text == "" {
			l.text = oneLine(l.target)
		}
		if !ok || l.target == "" {
			s.gap(i)
			s.warn("dropped the Harlowe macro %s: only text and a passage name written in quotes can become a choice%s", clip(macro), hookNote)
			break
		}
		s.addLink(l)
		if hook {
			s.warn("kept the text of the hook of %s as ordinary text", clip(macro))
		}
	default:
		s.gap(i)
		s.warn("dropped the Harlowe macro %s%s", clip(macro), hookNote)
	}
	s.textStart = end
	if hook {
		s.hooks = append(s.hooks, true)
		s.gap(end)
		end++
	}
	return end, true
}

func (s *scanner) unclosedHarlowe(i int) {
	s.noHarlowe = true
	s.warn("has an unclosed Harlowe macro, so it and the macros after it stay in the text: %s", clip(s.src[i:s.lineEnd(i)]))
}

func (s *scanner) unclosedSugarCube(i int) {
	s.noSugarCube = true
	s.warn("has an unclosed SugarCube macro, so it and the macros after it stay in the text: %s", clip(s.src[i:s.lineEnd(i)]))
}

// sugarCubeMacro reads <<name arguments>> and <</name>>. <<link>> and
// <<button>> with a passage become links; <<script>> is dropped with its
// body; every other macro is dropped and the text between its tags kept.
func (s *scanner) sugarCubeMacro(i int) (int, bool) {
	src := s.src
	j := i + 2
	closing := j < len(src) && src[j] == '/'
	if closing {
		j++
	}
	nameStart := j
	if j < len(src) && (src[j] == '=' || src[j] == '-') && !closing {
		j++
	} else {
		if j >= len(src) || !isASCIILetter(src[j]) {
			return 0, false
		}
		for j < len(src) && (isASCIILetter(src[j]) || isDigit(src[j]) || src[j] == '-' || src[j] == '_') {
			j++
		}
	}
	k := j
	for {
		if k+1 >= len(src) {
			// SugarCube would report the unclosed macro; here it stays text.
			s.unclosedSugarCube(i)
			return 0, false
		}
		switch c := src[k]; {
		case c == '"' || c == '\'' || c == '`':
			end, ok := skipString(src, k)
			if !ok {
				s.unclosedSugarCube(i)
				return 0, false
			}
			k = end
			continue
		case c == '[' && src[k+1] == '[':
			// A [[link]] argument may hold quotes and ">".
			end := strings.Index(src[k:], "]]")
			if end < 0 {
				s.unclosedSugarCube(i)
				return 0, false
			}
			k += end + 2
			continue
		case c == '>' && src[k+1] == '>':
		default:
			k++
			continue
		}
		break
	}
	end := k + 2
	name := src[nameStart:j]
	macro := src[i:end]
	s.flush(i)
	if closing {
		s.gap(i)
		return end, true
	}
	switch strings.ToLower(name) {
	case "link", "button":
		if l, ok := sugarCubeLinkArgs(src[j:k]); ok {
			s.addLink(l)
			return end, true
		}
		s.gap(i)
		s.warn("dropped the SugarCube macro %s: only text and a passage name written in quotes, or a [[link]], can become a choice", clip(macro))
	case "script":
		s.gap(i)
		if s.noComment["<</script>>"] {
			s.warn("dropped the SugarCube macro %s", clip(macro))
			break
		}
		c := strings.Index(src[end:], "<</script>>")
		if c < 0 {
			s.noComment["<</script>>"] = true
			s.warn("dropped the SugarCube macro %s", clip(macro))
			break
		}
		s.warn("dropped the SugarCube macro %s and the JavaScript up to <</script>>", clip(macro))
		return end + c + len("<</script>>"), true
	default:
		s.gap(i)
		s.warn("dropped the SugarCube macro %s", clip(macro))
	}
	return end, true
}

// sugarCubeLinkArgs reads the arguments of <<link>>: "text" "Passage", or
// a [[link]].
func sugarCubeLinkArgs(args string) (link, bool) {
	args = strings.TrimSpace(args)
	if strings.HasPrefix(args, "[[") && strings.HasSuffix(args, "]]") && len(args) >= 4 {
		l, setter, ok := parseLink(args[2 : len(args)-2])
		return l, ok && setter == "" && !externalLink.MatchString(l.target)
	}
	list, ok := stringArgs(args, ' ')
	if !ok || len(list) != 2 {
		return link{}, false
	}
	l := link{text: oneLine(list[0]), target: strings.TrimSpace(list[1])}
	if l.text == "" {
		l.text = oneLine(l.target)
	}
	return l, l.target != "" && !externalLink.MatchString(l.target)
}

// skipString returns the offset after the string literal opening at i
// (quoted with src[i], backslash escapes), or false when it does not close.
func skipString(src string, i int) (int, bool) {
	q := src[i]
	for k := i + 1; k < len(src); k++ {
		switch src[k] {
		case '\\':
			k++
		case q:
			return k + 1, true
		}
	}
	return 0, false
}

// stringArgs reads arguments that are all string literals, separated by
// sep (and white space). It reports false for anything else: a variable,
// an expression.
func stringArgs(args string, sep byte) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(args) && (args[i] == ' ' || args[i] == '\t' || args[i] == '\n') {
			i++
		}
		if i >= len(args) {
			return out, len(out) > 0
		}
		if len(out) > 0 && sep != ' ' {
			if args[i] != sep {
				return nil, false
			}
			i++
			for i < len(args) && (args[i] == ' ' || args[i] == '\t' || args[i] == '\n') {
				i++
			}
		}
		if i >= len(args) || (args[i] != '"' && args[i] != '\'') {
			return nil, false
		}
		end, ok := skipString(args, i)
		if !ok {
			return nil, false
		}
		out = append(out, unescape(args[i+1:end-1]))
		i = end
	}
}

// chapbookVars drops a Chapbook vars section: the lines before a line that
// is just "--" at the top of the passage. It returns where the text starts.
func (s *scanner) chapbookVars() int {
	src := s.src
	var names []string
	for i := 0; i < len(src); {
		end := s.lineEnd(i)
		line := strings.TrimSpace(src[i:end])
		if line == "--" {
			if len(names) > 0 {
				s.warn("dropped the Chapbook vars section (it sets %s)", strings.Join(names, ", "))
			} else {
				s.warn("dropped the Chapbook vars section")
			}
			s.pieces = append(s.pieces, piece{kind: pGap})
			return min(end+1, len(src))
		}
		if line != "" {
			name, _, ok := strings.Cut(line, ":")
			if !ok {
				return 0 // not a vars section: every line of one sets a variable
			}
			if k := strings.IndexByte(name, '('); k >= 0 {
				name = name[:k]
			}
			if len(names) < 5 {
				names = append(names, strconv.Quote(strings.TrimSpace(name)))
			}
		}
		i = end + 1
	}
	return 0
}

// chapbookModifier drops a modifier line such as [if trust > 1] or
// [continue]; a [note] or [JavaScript] section is dropped up to the next
// modifier.
func (s *scanner) chapbookModifier(i int) (int, bool) {
	end := s.lineEnd(i)
	line := strings.TrimRight(s.src[i:end], " \t")
	if len(line) < 3 || line[len(line)-1] != ']' || strings.ContainsAny(line[1:len(line)-1], "[]") {
		return 0, false
	}
	mod := line[1 : len(line)-1]
	s.gap(i)
	switch strings.ToLower(strings.TrimSpace(mod)) {
	case "note", "notes", "n.b.", "nb", "fixme", "todo", "javascript":
		next := end
		for next < len(s.src) {
			start := next + 1
			e := s.lineEnd(start)
			l := strings.TrimRight(s.src[start:e], " \t")
			if len(l) >= 3 && l[0] == '[' && l[len(l)-1] == ']' && !strings.ContainsAny(l[1:len(l)-1], "[]") {
				break
			}
			next = e
		}
		s.warn("dropped the Chapbook [%s] section", clip(mod))
		return next, true
	}
	s.warn("dropped the Chapbook modifier [%s]; the text after it is kept", clip(mod))
	return end, true
}

// chapbookLink is the one insert that becomes a choice.
var chapbookLink = regexp.MustCompile(`^\{\s*link\s+to\s*:\s*(?:'([^']*)'|"([^"]*)")\s*(?:,\s*label\s*:\s*(?:'([^']*)'|"([^"]*)")\s*)?\}$`)

// chapbookInsert reads {insert} on one line: {link to: 'Passage', label:
// 'text'} becomes a link, any other insert is dropped.
func (s *scanner) chapbookInsert(i int) (int, bool) {
	j, ok := s.onLine(i, i, "}")
	if !ok {
		return 0, false
	}
	insert := s.src[i : i+j+1]
	s.flush(i)
	if m := chapbookLink.FindStringSubmatch(insert); m != nil {
		l := link{target: strings.TrimSpace(m[1] + m[2]), text: oneLine(m[3] + m[4])}
		if l.text == "" {
			l.text = oneLine(l.target)
		}
		if l.target != "" {
			s.addLink(l)
			return i + j + 1, true
		}
	}
	s.gap(i)
	s.warn("dropped the Chapbook insert %s", clip(insert))
	return i + j + 1, true
}

// assemble joins the pieces into the node's text, line by line:
//   - a line with only links, removed macros, spaces, punctuation or a list
//     marker is removed whole (its links are choices);
//   - in a line with words, links keep their text where they stand, so a
//     sentence stays whole — except links at the end of the line after a
//     finished sentence ("Sam looks up. [[Ask]]"), which are removed;
//   - spaces left by a removal are collapsed, and blank lines squeezed to
//     one between paragraphs.
func (s *scanner) assemble() string {
	var b strings.Builder
	blank := false
	emit := func(l string) {
		switch {
		case l == removedLine:
		case strings.TrimSpace(l) == "":
			blank = b.Len() > 0
		default:
			if blank {
				b.WriteString("\n\n")
			} else if b.Len() > 0 {
				b.WriteByte('\n')
			}
			blank = false
			b.WriteString(l)
		}
	}
	var cur []piece
	touched := false
	endLine := func() {
		emit(assembleLine(cur, touched))
		cur, touched = cur[:0], false
	}
	for _, p := range s.pieces {
		switch p.kind {
		case pText:
			t := p.text
			for {
				k := strings.IndexByte(t, '\n')
				if k < 0 {
					break
				}
				if k > 0 {
					cur = append(cur, piece{kind: pText, text: t[:k]})
				}
				endLine()
				t = t[k+1:]
			}
			if t != "" {
				cur = append(cur, piece{kind: pText, text: t})
			}
		case pLink, pGap:
			cur = append(cur, p)
			touched = true
		}
	}
	endLine()
	return strings.TrimSpace(b.String())
}

// removedLine marks a line that assembleLine removed whole; it cannot occur
// in text (clean drops NUL).
const removedLine = "\x00"

func assembleLine(parts []piece, touched bool) string {
	var plain strings.Builder
	for _, p := range parts {
		if p.kind == pText {
			plain.WriteString(p.text)
		}
	}
	if !touched {
		return strings.TrimRight(plain.String(), " \t")
	}
	if !hasWords(plain.String()) {
		return removedLine
	}
	// Links at the end of the line, with nothing but spaces and
	// punctuation among them, after a finished sentence, are removed.
	cut := len(parts)
	for k := len(parts) - 1; k >= 0; k-- {
		if parts[k].kind == pText && hasWordChar(parts[k].text) {
			break
		}
		if parts[k].kind == pLink {
			cut = k
		}
	}
	if cut < len(parts) {
		var before strings.Builder
		for _, p := range parts[:cut] {
			before.WriteString(p.text)
		}
		if !endsSentence(before.String()) {
			cut = len(parts)
		}
	}
	// The line keeps its own indentation, not the space that followed
	// something removed at its start.
	indent := ""
	if parts[0].kind == pText {
		t := parts[0].text
		indent = t[:len(t)-len(strings.TrimLeft(t, " \t"))]
	}
	var b strings.Builder
	b.WriteString(indent)
	started := false
	for _, p := range parts[:cut] {
		t := p.text
		if p.kind == pGap {
			// What stood between two words leaves a space:
			// "(if: $a)[Yes.](else:)[No.]" reads "Yes. No.".
			t = " "
		}
		if !started {
			t = strings.TrimLeft(t, " \t")
			started = t != ""
		}
		b.WriteString(t)
	}
	return collapseSpaces(b.String())
}

// listMarker is a Markdown list item's marker at the start of a line.
var listMarker = regexp.MustCompile(`^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)`)

// hasWords reports whether a line has letters or digits besides a list
// marker.
func hasWords(line string) bool {
	if m := listMarker.FindStringIndex(line); m != nil {
		line = line[m[1]:]
	}
	return hasWordChar(line)
}

func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// endsSentence reports whether text ends with sentence punctuation,
// perhaps inside closing quotes or brackets or emphasis.
func endsSentence(text string) bool {
	text = strings.TrimRight(text, " \t\"'”’)]*_")
	r, _ := utf8.DecodeLastRuneInString(text)
	return strings.ContainsRune(".!?:…", r)
}

// collapseSpaces squeezes runs of spaces and tabs inside a line to one
// space, keeping the line's indentation, and trims its end.
func collapseSpaces(line string) string {
	indent := len(line) - len(strings.TrimLeft(line, " \t"))
	var b strings.Builder
	b.WriteString(line[:indent])
	space := false
	for _, r := range line[indent:] {
		if r == ' ' || r == '\t' {
			space = true
			continue
		}
		if space && b.Len() > indent {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// warnVariables warns once about the story variables ($name) left in the
// text and the links.
func (s *scanner) warnVariables(text string) {
	if !s.d.harlowe && !s.d.sugarcube {
		return
	}
	var seen []string
	add := func(t string) {
		for len(seen) < 6 {
			k := strings.IndexByte(t, '$')
			if k < 0 {
				return
			}
			t = t[k+1:]
			n := 0
			for n < len(t) && (isASCIILetter(t[n]) || t[n] == '_' || n > 0 && isDigit(t[n])) {
				n++
			}
			if v := "$" + t[:n]; n > 0 && !contains(seen, v) {
				seen = append(seen, v)
			}
			t = t[n:]
		}
	}
	add(text)
	for _, l := range s.links {
		add(l.text)
	}
	if len(seen) == 0 {
		return
	}
	list := strings.Join(seen[:min(len(seen), 5)], ", ")
	if len(seen) > 5 {
		list += ", ..."
	}
	s.warn("uses story variables (%s), which stay in the text as written", list)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }

// clean makes text safe to carry into YAML and Markdown: invalid UTF-8 (only
// a file name can hold it) becomes U+FFFD, line breaks become "\n", and
// control and other invisible format characters that no story shows are
// dropped.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	s = normalizeNewlines(s)
	ok := true
	for _, r := range s {
		if unwanted(r) || r == '\u0085' || r == '\u2028' || r == '\u2029' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case unwanted(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unwanted reports characters YAML may not hold as they are, or that no
// story means to show: C0 and C1 controls but tab and newline, DEL, a
// byte-order mark, non-characters.
func unwanted(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20 || r >= 0x7f && r <= 0x9f && r != 0x85:
		return true
	case r == '\ufeff', r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true
	}
	return false
}

// oneLine collapses white space, for text shown on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(s)), " ")
}

// clip shortens source quoted in a warning to one line of at most 60
// characters.
func clip(s string) string {
	s = oneLine(s)
	if utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		return string(r[:59]) + "…"
	}
	return s
}

// quote is a name in a message.
func quote(s string) string { return strconv.Quote(s) }
