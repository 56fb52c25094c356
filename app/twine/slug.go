package twine

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxSlug caps ids made from names: an id is typed and read in files and
// messages.
const maxSlug = 64

// letters that do not decompose into an ASCII letter and a mark.
var transliterations = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th", 'ł': "l", 'Ł': "l",
	'ı': "i", 'ħ': "h", 'Ħ': "h", 'ŋ': "n", 'Ŋ': "n",
}

// slugify makes an id of the form [a-z0-9]+(-[a-z0-9]+)* from a name:
// letters are lower-cased and stripped of accents (é → e, ß → ss), other
// letters dropped, apostrophes dropped, and any other run of characters
// becomes one hyphen. The result may be empty.
func slugify(name string) string {
	var b strings.Builder
	hyphen := false
	write := func(s string) {
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteString(s)
	}
	for _, r := range norm.NFKD.String(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			write(string(r))
		case r >= 'A' && r <= 'Z':
			write(string(r + 'a' - 'A'))
		case r == '\'' || r == '’' || unicode.Is(unicode.Mn, r):
			// "Sam's" is "sams"; accents were split off by NFKD.
		case transliterations[r] != "":
			write(transliterations[r])
		case unicode.IsLetter(r):
			// A letter with no Latin spelling here is dropped.
		default:
			hyphen = true
		}
		if b.Len() >= maxSlug {
			break
		}
	}
	s := b.String()
	if len(s) > maxSlug {
		s = s[:maxSlug]
	}
	return strings.TrimRight(s, "-")
}
