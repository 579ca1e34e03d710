package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// All returns every rule, sorted by name: one per catalog case. Keep this list sorted and
// in step with the rule files; TestRegistry checks both.
func All() []*analysis.Rule {
	return []*analysis.Rule{
		AssumeConstantResult,
		AutogradFunction,
		ClassMethod,
		CondBranchClassMethod,
		CondBranchNestedFunction,
		CondBranchNonlocalVariables,
		CondClosedOverVariable,
		CondOperands,
		CondPredicate,
		ConstrainAsSizeExample,
		ConstrainAsValueExample,
		DataDependentBranch,
		DataDependentOutputShape,
		Decorator,
		DeprecatedExportAPI,
		Dictionary,
		DynamicShapeAssert,
		DynamicShapeConstructor,
		DynamicShapeIfGuard,
		DynamicShapeMap,
		DynamicShapeRound,
		DynamicShapeSlicing,
		DynamicShapeView,
		ExportCallArguments,
		FnWithKwargs,
		HostRoundTrip,
		ListContains,
		ListUnpack,
		ModelAttrMutation,
		ModuleStateInForward,
		NestedFunction,
		NullContextManager,
		OptionalInput,
		PythonSideEffect,
		PytreeFlatten,
		ScalarOutput,
		SpecializedAttribute,
		StaticForLoop,
		StaticIf,
		TensorSetattr,
		TorchSymMin,
		TypeReflectionMethod,
		UncheckedDataDependentValue,
		UserInputMutation,
	}
}
