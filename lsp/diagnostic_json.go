package lsp

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// A hand-written JSON encoding of textDocument/publishDiagnostics (and of the pull
// diagnostics report). A keystroke in a large
// model file publishes hundreds of diagnostics; encoding/json's reflection spent more time
// on them than the rest of the publish together. The functions here append exactly the
// bytes json.Marshal writes for the same value (fields in struct order, the same
// omitempty rules, HTML characters, U+2028/U+2029 and invalid UTF-8 escaped the same way),
// so clients see the same JSON; diagnostic_json_test.go holds them to that. Values whose
// type the encoder does not know (a Code that is neither a string nor an integer, any
// Data) are encoded by json.Marshal.

// appendPublishDiagnostics appends the JSON of p, as json.Marshal writes it.
func appendPublishDiagnostics(b []byte, p *publishDiagnosticsParams) ([]byte, error) {
	b = append(b, `{"uri":`...)
	b = appendJSONString(b, string(p.URI))
	if p.Version != nil {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(*p.Version), 10)
	}
	b = append(b, `,"diagnostics":`...)
	b, err := appendDiagnostics(b, p.Diagnostics)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendDiagnostics appends the JSON array of ds (null when nil), as json.Marshal writes it.
func appendDiagnostics(b []byte, ds []protocol.Diagnostic) ([]byte, error) {
	if ds == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range ds {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendDiagnostic(b, &ds[i]); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendDiagnostic appends the JSON of d, as json.Marshal writes it.
func appendDiagnostic(b []byte, d *protocol.Diagnostic) ([]byte, error) {
	var err error
	b = append(b, `{"range":`...)
	b = appendRange(b, d.Range)
	if d.Severity != 0 {
		b = append(b, `,"severity":`...)
		if b, err = appendJSONFloat(b, float64(d.Severity)); err != nil {
			return nil, err
		}
	}
	if d.Code != nil {
		b = append(b, `,"code":`...)
		switch c := d.Code.(type) {
		case string:
			b = appendJSONString(b, c)
		case int32:
			b = strconv.AppendInt(b, int64(c), 10)
		case int:
			b = strconv.AppendInt(b, int64(c), 10)
		default:
			if b, err = appendMarshaled(b, c); err != nil {
				return nil, err
			}
		}
	}
	if d.CodeDescription != nil {
		b = append(b, `,"codeDescription":{"href":`...)
		b = appendJSONString(b, string(d.CodeDescription.Href))
		b = append(b, '}')
	}
	if d.Source != "" {
		b = append(b, `,"source":`...)
		b = appendJSONString(b, d.Source)
	}
	b = append(b, `,"message":`...)
	b = appendJSONString(b, d.Message)
	if len(d.Tags) > 0 {
		b = append(b, `,"tags":[`...)
		for i, t := range d.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONFloat(b, float64(t)); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if len(d.RelatedInformation) > 0 {
		b = append(b, `,"relatedInformation":[`...)
		for i := range d.RelatedInformation {
			r := &d.RelatedInformation[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"location":{"uri":`...)
			b = appendJSONString(b, string(r.Location.URI))
			b = append(b, `,"range":`...)
			b = appendRange(b, r.Location.Range)
			b = append(b, `},"message":`...)
			b = appendJSONString(b, r.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if d.Data != nil {
		b = append(b, `,"data":`...)
		if b, err = appendMarshaled(b, d.Data); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendRange(b []byte, r protocol.Range) []byte {
	b = append(b, `{"start":`...)
	b = appendPosition(b, r.Start)
	b = append(b, `,"end":`...)
	b = appendPosition(b, r.End)
	return append(b, '}')
}

func appendPosition(b []byte, p protocol.Position) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendUint(b, uint64(p.Line), 10)
	b = append(b, `,"character":`...)
	b = strconv.AppendUint(b, uint64(p.Character), 10)
	return append(b, '}')
}

// appendMarshaled appends json.Marshal's encoding of v.
func appendMarshaled(b []byte, v any) ([]byte, error) {
	m, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, m...), nil
}

// appendJSONFloat appends f as encoding/json writes a float64: without an exponent
// between 1e-6 and 1e21 (severities and tags are small integers); anything else, and the
// error for NaN and infinities, is json.Marshal's.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if i := int64(f); float64(i) == f && i > -1<<53 && i < 1<<53 && (i != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(b, i, 10), nil // what 'f' formatting writes for an integer
	}
	if a := math.Abs(f); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	}
	return appendMarshaled(b, f)
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are under encoding/json's
// default (HTML-safe) escaping: not control characters, '"', '\\', '<', '>' or '&'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json escapes it:
// '"' and '\\' with a backslash; \b, \f, \n, \r and \t by name; other control characters,
// '<', '>', '&', U+2028 and U+2029 as \u00XX or \u20XX; each byte of invalid UTF-8 as
// \ufffd. Runs of bytes that need nothing are copied whole.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i = skipSafeWords(s, i); i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// publishSize guesses the length of p's JSON from above, for the buffer it is encoded
// into: about 300 bytes of range, code, link and keys per diagnostic besides its texts.
func publishSize(p *publishDiagnosticsParams) int {
	n := 128 + len(p.URI)
	for i := range p.Diagnostics {
		d := &p.Diagnostics[i]
		n += 300 + len(d.Message)
		for _, r := range d.RelatedInformation {
			n += 128 + len(r.Location.URI) + len(r.Message)
		}
	}
	return n
}

// skipSafeWords returns the end of the run of whole 8-byte words of s from i that
// appendJSONString copies as they are (no control character, '"', '\\', '<', '>', '&' or
// byte of a multi-byte rune in them), testing each word's bytes at once: (y-ones)&^y&highs
// marks a zero byte of y. It may stop at a word whose only such byte is a false alarm
// (a borrow runs on past a byte that needs care); it never skips one.
func skipSafeWords(s string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		q, bs := x^(ones*'"'), x^(ones*'\\')
		lt, gt, amp := x^(ones*'<'), x^(ones*'>'), x^(ones*'&')
		m := x | (x-ones*0x20)&^x |
			(q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
		if m&highs != 0 {
			break
		}
	}
	return i
}

// encodeFullReport encodes r as json.Marshal does: a pull client (LSP 3.17) asks for the
// diagnostics after every change. (Not a MarshalJSON method: encoding/json would scan its
// output again, which takes longer than its own reflection.)
func encodeFullReport(r *fullDocumentDiagnosticReport) ([]byte, error) {
	n := 64 + len(r.ResultID)
	for i := range r.Items {
		n += 300 + len(r.Items[i].Message)
	}
	b := make([]byte, 0, n)
	b = append(b, `{"kind":`...)
	b = appendJSONString(b, r.Kind)
	if r.ResultID != "" {
		b = append(b, `,"resultId":`...)
		b = appendJSONString(b, r.ResultID)
	}
	b = append(b, `,"items":`...)
	b, err := appendDiagnostics(b, r.Items)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}
