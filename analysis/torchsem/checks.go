package torchsem

// The torch APIs that tell export what a value read out of tensor data is: its bounds
// (torch._check), that it is a size (torch._check_is_size), and their deprecated
// predecessors.
const (
	CheckAPI            = "torch._check"
	CheckIsSizeAPI      = "torch._check_is_size"
	ConstrainAsSizeAPI  = "torch._constrain_as_size"
	ConstrainAsValueAPI = "torch._constrain_as_value"
)

// IsCheckAPI reports whether q names one of the check APIs (CheckAPI and the others).
func IsCheckAPI(q string) bool {
	switch q {
	case CheckAPI, CheckIsSizeAPI, ConstrainAsSizeAPI, ConstrainAsValueAPI:
		return true
	}
	return false
}
