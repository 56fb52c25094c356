package twine

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/upstand/upstand/app/content"
)

// scenario is the scenario file to write, in file order.
type scenario struct {
	id, title, summary, start string
	nodes                     []node
}

// node is a passage as a node: an ending (ending set, no choices) or a
// moment with choices.
type node struct {
	id      string
	ending  content.Outcome
	text    string
	choices []choice
}

type choice struct {
	text, target string // target is the node id the choice goes to
}

// Special passages: story set-up, scripts and page furniture, not scenes.
var (
	sugarCubeSpecial = []string{"StoryInit", "StoryCaption", "StoryMenu", "StoryBanner", "StorySubtitle",
		"StoryAuthor", "StoryShare", "StoryInterface", "PassageReady", "PassageDone", "PassageHeader", "PassageFooter"}
	sugarCubeSpecialTags = []string{"widget", "init"}
	harloweSpecialTags   = []string{"header", "footer", "startup", "debug-header", "debug-footer", "debug-startup"}
)

// special says why a passage is not a node, or "" when it is one.
func special(p passage, d dialect) string {
	for _, t := range p.tags {
		switch {
		case t == "script":
			return "it is tagged script (story JavaScript)"
		case t == "stylesheet":
			return "it is tagged stylesheet (story styles)"
		case t == "Twine.private":
			return "it is tagged Twine.private"
		case d.sugarcube && contains(sugarCubeSpecialTags, t):
			return fmt.Sprintf("it is tagged %s, a SugarCube special passage, not a scene", t)
		case d.harlowe && contains(harloweSpecialTags, t):
			return fmt.Sprintf("it is tagged %s, a Harlowe special passage, not a scene", t)
		}
	}
	if d.sugarcube && contains(sugarCubeSpecial, p.name) {
		return p.name + " is a SugarCube special passage, not a scene"
	}
	return ""
}

// build maps a story read from the file called name to a scenario.
func build(name string, st *story) (*scenario, []Warning, error) {
	d := dialectOf(st.format)
	storyWarnings := append([]Warning(nil), st.warnings...)
	storyWarn := func(format string, args ...any) {
		storyWarnings = append(storyWarnings, Warning{"", fmt.Sprintf(format, args...)})
	}

	// Which passages become nodes. Warnings are kept per passage, in
	// passage order.
	type kept struct {
		p    passage
		orig int // index in st.passages
	}
	var nodes []kept
	warnings := make([][]Warning, len(st.passages))
	passageWarn := func(i int, format string, args ...any) {
		warnings[i] = append(warnings[i], Warning{st.passages[i].name, fmt.Sprintf(format, args...)})
	}
	index := map[string]int{} // passage name -> index in nodes
	notImported := map[string]bool{}
	for i := range st.passages {
		p := &st.passages[i]
		p.name = strings.TrimSpace(clean(p.name))
		if p.name == "" {
			storyWarn("passage %d has no name, so it was dropped", i+1)
			continue
		}
		if why := special(*p, d); why != "" {
			notImported[p.name] = true
			passageWarn(i, "dropped: %s", why)
			continue
		}
		if _, dup := index[p.name]; dup {
			passageWarn(i, "dropped: an earlier passage has the same name")
			continue
		}
		index[p.name] = len(nodes)
		nodes = append(nodes, kept{*p, i})
	}
	if len(nodes) > content.MaxNodes {
		return nil, nil, tooLargeErr(name, "the story has %s passages; a scenario may have at most %s nodes",
			thousands(len(nodes)), thousands(content.MaxNodes))
	}
	if len(nodes) == 0 {
		return nil, nil, notTwineErr(name, "the story has no passages to import")
	}

	// Node ids.
	names := make([]string, len(nodes))
	for i, k := range nodes {
		names[i] = k.p.name
	}
	ids, idNotes := assignIDs(names)
	for i, k := range nodes {
		if idNotes[i] != "" {
			passageWarn(k.orig, "%s", idNotes[i])
		}
	}
	lookup := func(target string) (string, bool) {
		if i, ok := index[target]; ok {
			return ids[i], true
		}
		return "", false
	}

	sc := &scenario{}
	positive, endings, links, size := 0, 0, 0, 0
	for i, k := range nodes {
		c := convertText(k.p.text, d)
		links += len(c.links)
		if links > maxLinks {
			return nil, nil, tooLargeErr(name, "the story has more than %s links; a scenario may have at most %s nodes of %s choices",
				thousands(maxLinks), thousands(content.MaxNodes), thousands(content.MaxChoices))
		}
		for _, w := range c.warnings {
			passageWarn(k.orig, "%s", w)
		}
		n := node{id: ids[i], text: c.text}
		for _, l := range c.links {
			target, ok := lookup(l.target)
			if !ok {
				// Kept, so that the scenario rules point at it (S4) and
				// the author can fix it.
				target = slugify(l.target)
				if target == "" {
					target = oneLine(l.target)
				}
				if target == "" {
					// Cannot happen (link targets are cleaned text, never
					// empty), and must not: content.ParseScenario lets
					// goto: "" through S4 and then panics walking it.
					target = "missing-passage"
				}
				if notImported[l.target] {
					passageWarn(k.orig, "links to passage %s, which was not imported", quote(l.target))
				} else {
					passageWarn(k.orig, "links to missing passage %s", quote(l.target))
				}
			}
			n.choices = append(n.choices, choice{text: l.text, target: target})
		}
		if len(n.choices) > content.MaxChoices {
			passageWarn(k.orig, "has %d links; a node may have at most %d choices (rule S11)", len(n.choices), content.MaxChoices)
		}
		var tagged []content.Outcome
		for _, t := range k.p.tags {
			o := content.Outcome(strings.ToLower(t))
			if (o == content.Positive || o == content.Mixed || o == content.Negative) && !containsOutcome(tagged, o) {
				tagged = append(tagged, o)
			}
		}
		switch {
		case len(n.choices) > 0 && len(tagged) > 0:
			passageWarn(k.orig, "is tagged %s but has links, so it is not an ending", tagged[0])
		case len(n.choices) == 0:
			n.ending = content.Mixed
			if len(tagged) > 0 {
				n.ending = tagged[0]
			}
			if len(tagged) > 1 {
				passageWarn(k.orig, "is tagged with %d kinds of ending; it is a %s ending", len(tagged), tagged[0])
			}
			endings++
			if n.ending == content.Positive {
				positive++
			}
		}
		if n.text == "" {
			if n.ending != "" {
				passageWarn(k.orig, "has no text, so the ending has no debrief (rule S10)")
			} else {
				passageWarn(k.orig, "has no text besides its links (rule S10)")
			}
		}
		if r := utf8.RuneCountInString(n.text); r > content.MaxTextRunes {
			return nil, nil, tooLargeErr(name, "passage %s has %s characters of text; a node's text may have at most %s",
				quote(k.p.name), thousands(r), thousands(content.MaxTextRunes))
		}
		for _, ch := range n.choices {
			if r := utf8.RuneCountInString(ch.text); r > content.MaxTextRunes {
				return nil, nil, tooLargeErr(name, "a link in passage %s has %s characters of text; a choice's text may have at most %s",
					quote(k.p.name), thousands(r), thousands(content.MaxTextRunes))
			}
		}
		// What the YAML will hold at least: refused here, before it is
		// written, when it cannot fit in a scenario file.
		size += len(n.id) + len(n.text)
		for _, ch := range n.choices {
			size += len(ch.text) + len(ch.target)
		}
		if size > content.MaxFileBytes {
			return nil, nil, tooLargeErr(name, "the scenario's text comes to more than %s bytes, the most a scenario file may have (1 MiB)",
				thousands(content.MaxFileBytes))
		}
		sc.nodes = append(sc.nodes, n)
	}

	// Title and id.
	sc.title = oneLine(st.title)
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	base = strings.TrimSuffix(base, path.Ext(base))
	if sc.title == "" {
		sc.title = oneLine(base)
		if sc.title == "" || sc.title == "." || sc.title == "/" {
			sc.title = "Twine story"
		}
		storyWarn("the story has no title, so the title is %s", quote(sc.title))
	}
	if r := utf8.RuneCountInString(sc.title); r > content.MaxTextRunes {
		return nil, nil, tooLargeErr(name, "the title has %s characters; a title may have at most %s", thousands(r), thousands(content.MaxTextRunes))
	}
	sc.id = slugify(sc.title)
	if sc.id == "" {
		sc.id = slugify(base)
	}
	if sc.id == "" {
		sc.id = "twine-story"
	}
	sc.summary = "Imported from the Twine story " + clipTitle(sc.title) + ". Replace this with a one- or two-sentence summary."
	storyWarn("the summary is a placeholder: write one or two sentences about the scenario")

	// Start.
	if st.start != "" {
		if id, ok := lookup(st.start); ok {
			sc.start = id
		} else {
			storyWarn("the start passage %s does not exist or was not imported", quote(st.start))
		}
	}
	if sc.start == "" {
		if id, ok := lookup("Start"); ok {
			sc.start = id
		} else {
			sc.start = ids[0]
			storyWarn("no start passage is given, so the scenario starts at the first passage, %s", quote(nodes[0].p.name))
		}
	}

	switch {
	case endings == 0:
		storyWarn("no passage is without links, so the scenario has no ending (rule S8)")
	case positive == 0:
		storyWarn("no ending is tagged positive; tag the passage of the best ending positive (rule S8)")
	}

	out := storyWarnings
	for _, ws := range warnings {
		out = append(out, ws...)
	}
	return sc, out, nil
}

func containsOutcome(list []content.Outcome, o content.Outcome) bool {
	for _, x := range list {
		if x == o {
			return true
		}
	}
	return false
}

// clipTitle shortens the title quoted in the placeholder summary.
func clipTitle(t string) string {
	if utf8.RuneCountInString(t) > 100 {
		return string([]rune(t)[:99]) + "…"
	}
	return t
}

// assignIDs gives each passage a node id: the slug of its name, or
// passage-N (N counting nodes from 1) when the name has nothing a slug can
// use. The first passage with a slug keeps it; later ones get -2, -3, ...
// It also returns, per passage, a note when the id is not simply the name
// in lower case with hyphens for spaces.
func assignIDs(names []string) ([]string, []string) {
	base := make([]string, len(names))
	ids := make([]string, len(names))
	notes := make([]string, len(names))
	used := map[string]int{} // id -> index of the passage holding it
	for i, n := range names {
		base[i] = slugify(n)
		if base[i] == "" {
			base[i] = fmt.Sprintf("passage-%d", i+1)
		}
		if _, taken := used[base[i]]; !taken {
			ids[i] = base[i]
			used[base[i]] = i
		}
	}
	for i := range names {
		if ids[i] != "" {
			continue
		}
		for n := 2; ; n++ {
			id := fmt.Sprintf("%s-%d", base[i], n)
			if _, taken := used[id]; !taken {
				ids[i] = id
				used[id] = i
				break
			}
		}
		notes[i] = fmt.Sprintf("named node %q: passage %s already has the id %q", ids[i], quote(names[used[base[i]]]), base[i])
	}
	for i, n := range names {
		if notes[i] != "" || ids[i] == strings.Join(strings.Fields(strings.ToLower(n)), "-") {
			continue
		}
		if slugify(n) == "" {
			notes[i] = fmt.Sprintf("named node %q: the name has no letters or digits an id can use", ids[i])
		} else {
			notes[i] = fmt.Sprintf("named node %q: node ids are lower-case letters, digits and hyphens", ids[i])
		}
	}
	return ids, notes
}

// notTwineErr and tooLargeErr are the importer's refusals:
// "name: sentinel: what is wrong".
func notTwineErr(name, format string, args ...any) error {
	return refusal(name, ErrNotTwine, format, args...)
}

func tooLargeErr(name, format string, args ...any) error {
	return refusal(name, ErrTooLarge, format, args...)
}

func refusal(name string, sentinel error, format string, args ...any) error {
	if name == "" {
		return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%s: %w: %s", name, sentinel, fmt.Sprintf(format, args...))
}
