package twine

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// countTag counts the occurrences of tag (lower case, with its "<") in data,
// ignoring case and without allocating, so that a huge story is refused
// before it is read.
func countTag(data []byte, tag string) int {
	n := 0
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return n
		}
		i += j
		if len(data)-i >= len(tag) && bytes.EqualFold(data[i:i+len(tag)], []byte(tag)) {
			n++
		}
		i++
	}
}

// parseHTML reads a story as Twine 2 publishes it: a <tw-storydata> element
// (name, startnode, format) holding the story stylesheet, the story script
// and one <tw-passagedata> (pid, name, tags) per passage, whose text is the
// passage's source, HTML-escaped. It streams tokens rather than building a
// document tree, so memory stays close to the file's size.
func parseHTML(data []byte) (*story, error) {
	z := html.NewTokenizer(bytes.NewReader(data))
	st := &story{}
	var (
		stories   int
		inStory   bool
		startPID  string
		pids      []string
		cur       *passage
		curPID    string
		text      strings.Builder
		inScript  bool
		inStyle   bool
		script    strings.Builder
		style     strings.Builder
		firstName string
	)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return nil, err
			}
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			tag, _ := z.TagName()
			switch string(tag) {
			case "tw-storydata":
				stories++
				if stories > 1 {
					continue
				}
				inStory = true
				attrs := attributes(z)
				st.title = strings.Join(strings.Fields(attrs["name"]), " ")
				st.hasTitle = st.title != ""
				firstName = st.title
				st.format = strings.ToLower(strings.TrimSpace(attrs["format"]))
				startPID = strings.TrimSpace(attrs["startnode"])
			case "tw-passagedata":
				if !inStory || cur != nil {
					break
				}
				attrs := attributes(z)
				cur = &passage{name: attrs["name"], tags: strings.Fields(attrs["tags"])}
				curPID = strings.TrimSpace(attrs["pid"])
				text.Reset()
				if tt == html.SelfClosingTagToken {
					cur = finishHTMLPassage(st, cur, &pids, curPID, "")
				}
			case "script":
				inScript = inStory && tt == html.StartTagToken
			case "style":
				inStyle = inStory && tt == html.StartTagToken
			default:
				// Markup inside a passage is not what Twine writes (it
				// escapes the source) but is kept as the text it was.
				if cur != nil {
					text.Write(z.Raw())
				}
			}
		case html.EndTagToken:
			tag, _ := z.TagName()
			switch string(tag) {
			case "tw-passagedata":
				if cur != nil {
					cur = finishHTMLPassage(st, cur, &pids, curPID, text.String())
				}
			case "tw-storydata":
				if cur != nil {
					cur = finishHTMLPassage(st, cur, &pids, curPID, text.String())
				}
				inStory = false
			case "script":
				inScript = false
			case "style":
				inStyle = false
			default:
				if cur != nil {
					text.Write(z.Raw())
				}
			}
		case html.TextToken:
			switch {
			case cur != nil:
				text.Write(z.Text())
			case inScript:
				script.Write(z.Text())
			case inStyle:
				style.Write(z.Text())
			}
		}
	}
	if cur != nil {
		finishHTMLPassage(st, cur, &pids, curPID, text.String())
	}
	switch {
	case stories == 0 && (bytes.Contains(data, []byte(`id="storeArea"`)) || bytes.Contains(data, []byte("tiddler="))):
		return nil, errors.New("it looks like a Twine 1 story; open it in Twine 2 and publish it to a file, or export it as Twee")
	case stories == 0:
		return nil, errors.New("the HTML has no <tw-storydata> element; publish the story from Twine 2 to a file, or export it as Twee")
	case stories > 1:
		st.warnings = append(st.warnings, Warning{"", "the file holds " + thousands(stories) + " stories (a Twine archive); only the first, " + quote(firstName) + ", was imported"})
	}
	if strings.TrimSpace(script.String()) != "" {
		st.warnings = append(st.warnings, Warning{"", "the story JavaScript was dropped"})
	}
	if strings.TrimSpace(style.String()) != "" {
		st.warnings = append(st.warnings, Warning{"", "the story stylesheet was dropped"})
	}
	for i, pid := range pids {
		if pid != "" && pid == startPID {
			st.start = st.passages[i].name
		}
	}
	return st, nil
}

func finishHTMLPassage(st *story, p *passage, pids *[]string, pid, text string) *passage {
	p.text = strings.TrimRight(normalizeNewlines(text), " \t\n")
	st.passages = append(st.passages, *p)
	*pids = append(*pids, pid)
	return nil
}

// attributes reads the current tag's attributes; the first of a repeated
// one wins, as in a browser.
func attributes(z *html.Tokenizer) map[string]string {
	attrs := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		if _, seen := attrs[string(k)]; !seen && len(k) > 0 {
			attrs[string(k)] = string(v)
		}
		if !more {
			return attrs
		}
	}
}
