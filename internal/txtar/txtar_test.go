package txtar

import "testing"

func TestParse(t *testing.T) {
	a, err := Parse([]byte("a comment\n-- a.py --\nx = 1\n-- pkg/b.py --\ny = 2\n-- not a marker\n"))
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Comment) != "a comment\n" || len(a.Files) != 2 {
		t.Fatalf("got %q and %d files", a.Comment, len(a.Files))
	}
	if a.Files[0].Name != "a.py" || string(a.Files[0].Data) != "x = 1\n" {
		t.Errorf("first member: %+v", a.Files[0])
	}
	if a.Files[1].Name != "pkg/b.py" || string(a.Files[1].Data) != "y = 2\n-- not a marker\n" {
		t.Errorf("second member: %q %q", a.Files[1].Name, a.Files[1].Data)
	}
	for _, bad := range []string{"-- ../x.py --\n", "-- /x.py --\n", "-- a.py --\n-- a.py --\n", "-- a//b.py --\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
