package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a PyTorch release, major.minor. Patch releases never change export support.
type Version struct{ Major, Minor int }

// ParseVersion reads "2.10", "2.10.1", "v2.10", "2.10.0+cu121" or "2.11.0a0"; the patch
// level and local or pre-release suffixes are ignored.
func ParseVersion(s string) (Version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(t, "+-"); i >= 0 {
		t = t[:i]
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 {
		return Version{}, fmt.Errorf("invalid torch version %q: want MAJOR.MINOR such as 2.5", s)
	}
	major, err1 := strconv.Atoi(parts[0])
	minorText := parts[1]
	// "2.11a0" or "2.11rc1" style pre-releases carry letters after the minor number
	if i := strings.IndexFunc(minorText, func(r rune) bool { return r < '0' || r > '9' }); i > 0 {
		minorText = minorText[:i]
	}
	minor, err2 := strconv.Atoi(minorText)
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return Version{}, fmt.Errorf("invalid torch version %q: want MAJOR.MINOR such as 2.5", s)
	}
	return Version{major, minor}, nil
}

// MustParseVersion is ParseVersion for constants; it panics on error.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String formats v as "2.10".
func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	switch {
	case v.Major != w.Major:
		if v.Major < w.Major {
			return -1
		}
		return 1
	case v.Minor != w.Minor:
		if v.Minor < w.Minor {
			return -1
		}
		return 1
	}
	return 0
}

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// IsZero reports whether v is the zero Version (no version given).
func (v Version) IsZero() bool { return v == Version{} }
