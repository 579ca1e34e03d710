package notebook

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A small scanner over JSON text that encoding/json has already validated: it finds the
// byte spans of values, so that a notebook can be rewritten by splicing new bytes into
// the old ones (everything not rewritten keeps its bytes). It never sees invalid JSON, so
// it checks nothing; Parse calls json.Valid first.

// scanner walks validated JSON text.
type scanner struct{ b []byte }

func (s scanner) ws(i int) int {
	for i < len(s.b) {
		switch s.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// end returns the offset just past the value that starts at i.
func (s scanner) end(i int) int {
	switch s.b[i] {
	case '"':
		return s.stringEnd(i)
	case '{', '[':
		depth := 0
		for ; i < len(s.b); i++ {
			switch s.b[i] {
			case '"':
				i = s.stringEnd(i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(s.b) { // number, true, false, null
		switch s.b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// stringEnd returns the offset just past the string that starts at i (its opening quote).
func (s scanner) stringEnd(i int) int {
	for i++; i < len(s.b); i++ {
		switch s.b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// span is a value's byte range [start, end) in the text.
type span struct{ start, end int }

// member is one key of an object with its value's span; key is decoded.
type member struct {
	key   string
	keyAt int
	val   span
}

// members lists the members of the object at i, in order.
func (s scanner) members(i int) []member {
	var out []member
	i = s.ws(i + 1)
	for i < len(s.b) && s.b[i] != '}' {
		ke := s.stringEnd(i)
		key, _ := decodeString(s.b[i:ke])
		v := s.ws(s.ws(ke) + 1) // past the colon
		ve := s.end(v)
		out = append(out, member{key: key, keyAt: i, val: span{v, ve}})
		i = s.ws(ve)
		if i < len(s.b) && s.b[i] == ',' {
			i = s.ws(i + 1)
		}
	}
	return out
}

// elems lists the spans of the elements of the array at i.
func (s scanner) elems(i int) []span {
	var out []span
	i = s.ws(i + 1)
	for i < len(s.b) && s.b[i] != ']' {
		e := s.end(i)
		out = append(out, span{i, e})
		i = s.ws(e)
		if i < len(s.b) && s.b[i] == ',' {
			i = s.ws(i + 1)
		}
	}
	return out
}

// last returns the value of the last member named key (JSON readers such as Python's take
// the last of duplicate keys), or false.
func last(ms []member, key string) (member, bool) {
	var found member
	ok := false
	for _, m := range ms {
		if m.key == key {
			found, ok = m, true
		}
	}
	return found, ok
}

// kind names the JSON type of the value starting with c, for error messages.
func kind(c byte) string {
	switch c {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// errSurrogate is returned by decodeString for a \u escape of half a surrogate pair: the
// text it stands for is not Unicode, and a rewrite could not keep it.
type errSurrogate struct{ escape string }

func (e *errSurrogate) Error() string {
	return "holds an unpaired UTF-16 surrogate (" + e.escape + "), which is not text"
}

// decodeString decodes a JSON string token (with its quotes).
func decodeString(tok []byte) (string, error) {
	body := tok[1 : len(tok)-1]
	if !hasByte(body, '\\') {
		return string(body), nil
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := hex4(body[i+1 : i+5])
			esc := string(body[i-1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				// a high surrogate must be followed by the \u escape of a low one
				if r >= 0xdc00 || i+6 >= len(body) || body[i+1] != '\\' || body[i+2] != 'u' {
					return "", &errSurrogate{esc}
				}
				r2 := hex4(body[i+3 : i+7])
				pair := utf16.DecodeRune(r, r2)
				if pair == utf8.RuneError {
					return "", &errSurrogate{esc}
				}
				r = pair
				i += 6
			}
			b.WriteRune(r)
		default: // " \ /
			b.WriteByte(body[i])
		}
	}
	return b.String(), nil
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		}
	}
	return r
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// rawIndex returns the offset in tok (a string token with its quotes) of the decoded byte
// offset k of its text; k at or past the end gives the offset of the closing quote.
func rawIndex(tok []byte, k int) int {
	n := 0 // decoded bytes so far
	for i := 1; i < len(tok)-1; {
		if n >= k {
			return i
		}
		c := tok[i]
		if c != '\\' {
			n++
			i++
			continue
		}
		switch tok[i+1] {
		case 'u':
			r := hex4(tok[i+2 : i+6])
			w := 6
			if utf16.IsSurrogate(r) && i+12 <= len(tok)-1 {
				r = utf16.DecodeRune(r, hex4(tok[i+8:i+12]))
				w = 12
			}
			n += utf8.RuneLen(r)
			i += w
		default:
			n++
			i += 2
		}
	}
	return len(tok) - 1
}

// encodeString writes s as a JSON string the way Python's json module (which Jupyter
// uses) does: quote, backslash and control characters escaped, the short escapes where
// JSON has them; everything else literal, or, with ascii, every non-ASCII character as
// \uXXXX (surrogate pairs beyond the BMP), as json.dump(ensure_ascii=True) writes.
func encodeString(b *strings.Builder, s string, ascii bool) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || ascii && r > 0x7e:
			units := []uint16{uint16(r)}
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				units = []uint16{uint16(r1), uint16(r2)}
			}
			for _, u := range units {
				b.WriteString(`\u`)
				for shift := 12; shift >= 0; shift -= 4 {
					b.WriteByte(hexDigits[u>>uint(shift)&0xf])
				}
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
