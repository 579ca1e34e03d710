package torchsem

// FunctorchControlFlow is the module torch.cond and map came from before torch.cond:
// functorch.experimental.control_flow.
const FunctorchControlFlow = "functorch.experimental.control_flow"

// condAPIs are the qualified names of torch.cond and its older spellings.
var condAPIs = map[string]bool{
	"torch.cond":                        true,
	"torch._higher_order_ops.cond":      true,
	"torch._higher_order_ops.cond.cond": true,
	"torch.ops.higher_order.cond":       true,
	FunctorchControlFlow + ".cond":      true,
}

// mapAPIs are the qualified names of the control-flow map (not the builtin map).
var mapAPIs = map[string]bool{
	FunctorchControlFlow + ".map":     true,
	"torch._higher_order_ops.map":     true,
	"torch._higher_order_ops.map.map": true,
}

// IsCondAPI reports whether q names torch.cond or one of its older spellings; functorch is
// true for functorch.experimental.control_flow.cond, which torch.cond replaces.
func IsCondAPI(q string) (ok, functorch bool) {
	return condAPIs[q], q == FunctorchControlFlow+".cond"
}

// IsMapAPI reports whether q names the control-flow map (torch._higher_order_ops.map).
func IsMapAPI(q string) bool { return mapAPIs[q] }
