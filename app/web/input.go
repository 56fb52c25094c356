package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/fault"
)

// plainText refuses, with a 400 that names the field, any request whose
// text inputs hold something no text field should: a control character
// other than tab and newline (a carriage return only as part of a CRLF,
// which browsers send for line breaks in a textarea), DEL, a C1 control,
// or bytes that are not UTF-8. PostgreSQL refuses a NUL in text and jsonb
// and bytes that are not UTF-8, so without this they reached the database
// and came back as 500s; the other controls are refused because no person
// types them and they make names and notes lie on the page.
//
// It runs for every route behind the session and CSRF middleware, before
// any handler, and looks at every input a handler could read: the query
// string (GET forms such as the audit filter, and the passkey name that
// ceremony scripts send there), form bodies (urlencoded and multipart),
// every string in any other body read as JSON (passkey ceremonies read
// theirs whatever its Content-Type says), and the User-Agent, which
// sessions store. One check, so a new form cannot forget it.
func (s *Server) plainText(c *fiber.Ctx) error {
	var bad error
	check := func(field, value []byte) {
		if bad == nil {
			bad = checkText(field, value)
		}
	}
	c.Request().URI().QueryArgs().VisitAll(check)
	switch ct := c.Request().Header.ContentType(); {
	case bytes.HasPrefix(ct, []byte(fiber.MIMEApplicationForm)):
		c.Request().PostArgs().VisitAll(check)
	case bytes.HasPrefix(ct, []byte(fiber.MIMEMultipartForm)):
		if form, err := c.Request().MultipartForm(); err == nil {
			for field, values := range form.Value {
				for _, v := range values {
					check([]byte(field), []byte(v))
				}
			}
		}
	case bad == nil:
		// The ceremony handlers read their body as JSON whatever its
		// Content-Type says, so any other body is checked as JSON.
		bad = checkJSON(c.Body())
	}
	if bad == nil {
		check([]byte(fiber.HeaderUserAgent), c.Request().Header.UserAgent())
	}
	if bad != nil {
		return bad
	}
	return c.Next()
}

// checkText is the fault for one input, or nil when it is plain text.
func checkText(field, value []byte) error {
	if !plain(field) {
		return fault.Input("", "The name of a field holds a character that cannot be used (a control character, or bytes that are not text).")
	}
	if !plain(value) {
		return fault.Input(string(field), fmt.Sprintf("%q holds a character that cannot be used (a control character such as a NUL, or bytes that are not text). Remove it and try again.", field))
	}
	return nil
}

// checkJSON checks every string in a JSON body, keys included; the field
// named is the key of the nearest object member the string is in. A body
// that is not JSON is left for the handler to refuse.
func checkJSON(body []byte) error {
	type level struct {
		object, wantKey bool
		key             string
	}
	var stack []level
	field := func() string {
		for i := len(stack) - 1; i >= 0; i-- {
			if stack[i].object {
				return stack[i].key
			}
		}
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].wantKey = true // after this value, a key
				}
				stack = append(stack, level{object: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:top]
			}
		case string:
			if top >= 0 && stack[top].object && stack[top].wantKey {
				if err := checkText(nil, []byte(t)); err != nil {
					return fault.Input("", "The name of a field holds a character that cannot be used (a control character, or bytes that are not text).")
				}
				stack[top].key, stack[top].wantKey = t, false
				continue
			}
			if err := checkText([]byte(field()), []byte(t)); err != nil {
				return err
			}
			if top >= 0 && stack[top].object {
				stack[top].wantKey = true
			}
		default: // numbers, booleans, null
			if top >= 0 && stack[top].object {
				stack[top].wantKey = true
			}
		}
	}
}

// plain reports whether b is UTF-8 text with no control character other
// than tab, newline and a carriage return before a newline.
func plain(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII: the usual case
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return false
		case r == '\t', r == '\n':
		case r == '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return false
			}
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			return false
		}
		i += size
	}
	return true
}
