package torchsem

// dimAPIs are the qualified names of torch.export.Dim (one dimension) and torch.export.dims
// (several).
var dimAPIs = map[string]bool{
	"torch.export.Dim":                true,
	"torch.export.dynamic_shapes.Dim": true,
}

var dimsAPIs = map[string]bool{
	"torch.export.dims":                true,
	"torch.export.dynamic_shapes.dims": true,
}

// IsDimAPI reports whether q names torch.export.Dim, which declares one dynamic dimension;
// many is true for torch.export.dims, which declares several.
func IsDimAPI(q string) (ok, many bool) {
	switch {
	case dimAPIs[q]:
		return true, false
	case dimsAPIs[q]:
		return true, true
	}
	return false, false
}
