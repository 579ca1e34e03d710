// Node kinds and fields of tree-sitter-python, in the order of its symbol table.

package syntax

// Kind is a named node type of the Python grammar. Anonymous tokens (operators, keywords,
// punctuation) all have kind KindToken; read their text to tell them apart.
type Kind uint16

const (
	KindOther Kind = iota // a named type this package does not list
	KindToken             // an anonymous token such as "(", "+" or "if"
	KindIdentifier
	KindEllipsis
	KindEscapeSequence
	KindTypeConversion
	KindInteger
	KindFloat
	KindTrue
	KindFalse
	KindNone
	KindComment
	KindLineContinuation
	KindStringStart
	KindEscapeInterpolation
	KindStringEnd
	KindModule
	KindImportStatement
	KindImportPrefix
	KindRelativeImport
	KindFutureImportStatement
	KindImportFromStatement
	KindAliasedImport
	KindWildcardImport
	KindPrintStatement
	KindChevron
	KindAssertStatement
	KindExpressionStatement
	KindNamedExpression
	KindReturnStatement
	KindDeleteStatement
	KindRaiseStatement
	KindPassStatement
	KindBreakStatement
	KindContinueStatement
	KindIfStatement
	KindElifClause
	KindElseClause
	KindMatchStatement
	KindBlock
	KindCaseClause
	KindForStatement
	KindWhileStatement
	KindTryStatement
	KindExceptClause
	KindExceptGroupClause
	KindFinallyClause
	KindWithStatement
	KindWithClause
	KindWithItem
	KindFunctionDefinition
	KindParameters
	KindLambdaParameters
	KindListSplat
	KindDictionarySplat
	KindGlobalStatement
	KindNonlocalStatement
	KindExecStatement
	KindTypeAliasStatement
	KindClassDefinition
	KindTypeParameter
	KindParenthesizedListSplat
	KindArgumentList
	KindDecoratedDefinition
	KindDecorator
	KindExpressionList
	KindDottedName
	KindCasePattern
	KindAsPattern
	KindUnionPattern
	KindListPattern
	KindTuplePattern
	KindDictPattern
	KindKeywordPattern
	KindSplatPattern
	KindClassPattern
	KindComplexPattern
	KindDefaultParameter
	KindTypedDefaultParameter
	KindListSplatPattern
	KindDictionarySplatPattern
	KindNotOperator
	KindBooleanOperator
	KindBinaryOperator
	KindUnaryOperator
	KindComparisonOperator
	KindLambda
	KindAssignment
	KindAugmentedAssignment
	KindPatternList
	KindYield
	KindAttribute
	KindSubscript
	KindSlice
	KindCall
	KindTypedParameter
	KindType
	KindSplatType
	KindGenericType
	KindUnionType
	KindConstrainedType
	KindMemberType
	KindKeywordArgument
	KindList
	KindSet
	KindTuple
	KindDictionary
	KindPair
	KindListComprehension
	KindDictionaryComprehension
	KindSetComprehension
	KindGeneratorExpression
	KindParenthesizedExpression
	KindForInClause
	KindIfClause
	KindConditionalExpression
	KindConcatenatedString
	KindString
	KindStringContent
	KindInterpolation
	KindFormatSpecifier
	KindAwait
	KindPositionalSeparator
	KindKeywordSeparator
	KindAsPatternTarget
	KindFormatExpression
	KindError
	kindCount
)

var kindNames = [...]string{
	KindOther:                   "other",
	KindToken:                   "token",
	KindIdentifier:              "identifier",
	KindEllipsis:                "ellipsis",
	KindEscapeSequence:          "escape_sequence",
	KindTypeConversion:          "type_conversion",
	KindInteger:                 "integer",
	KindFloat:                   "float",
	KindTrue:                    "true",
	KindFalse:                   "false",
	KindNone:                    "none",
	KindComment:                 "comment",
	KindLineContinuation:        "line_continuation",
	KindStringStart:             "string_start",
	KindEscapeInterpolation:     "escape_interpolation",
	KindStringEnd:               "string_end",
	KindModule:                  "module",
	KindImportStatement:         "import_statement",
	KindImportPrefix:            "import_prefix",
	KindRelativeImport:          "relative_import",
	KindFutureImportStatement:   "future_import_statement",
	KindImportFromStatement:     "import_from_statement",
	KindAliasedImport:           "aliased_import",
	KindWildcardImport:          "wildcard_import",
	KindPrintStatement:          "print_statement",
	KindChevron:                 "chevron",
	KindAssertStatement:         "assert_statement",
	KindExpressionStatement:     "expression_statement",
	KindNamedExpression:         "named_expression",
	KindReturnStatement:         "return_statement",
	KindDeleteStatement:         "delete_statement",
	KindRaiseStatement:          "raise_statement",
	KindPassStatement:           "pass_statement",
	KindBreakStatement:          "break_statement",
	KindContinueStatement:       "continue_statement",
	KindIfStatement:             "if_statement",
	KindElifClause:              "elif_clause",
	KindElseClause:              "else_clause",
	KindMatchStatement:          "match_statement",
	KindBlock:                   "block",
	KindCaseClause:              "case_clause",
	KindForStatement:            "for_statement",
	KindWhileStatement:          "while_statement",
	KindTryStatement:            "try_statement",
	KindExceptClause:            "except_clause",
	KindExceptGroupClause:       "except_group_clause",
	KindFinallyClause:           "finally_clause",
	KindWithStatement:           "with_statement",
	KindWithClause:              "with_clause",
	KindWithItem:                "with_item",
	KindFunctionDefinition:      "function_definition",
	KindParameters:              "parameters",
	KindLambdaParameters:        "lambda_parameters",
	KindListSplat:               "list_splat",
	KindDictionarySplat:         "dictionary_splat",
	KindGlobalStatement:         "global_statement",
	KindNonlocalStatement:       "nonlocal_statement",
	KindExecStatement:           "exec_statement",
	KindTypeAliasStatement:      "type_alias_statement",
	KindClassDefinition:         "class_definition",
	KindTypeParameter:           "type_parameter",
	KindParenthesizedListSplat:  "parenthesized_list_splat",
	KindArgumentList:            "argument_list",
	KindDecoratedDefinition:     "decorated_definition",
	KindDecorator:               "decorator",
	KindExpressionList:          "expression_list",
	KindDottedName:              "dotted_name",
	KindCasePattern:             "case_pattern",
	KindAsPattern:               "as_pattern",
	KindUnionPattern:            "union_pattern",
	KindListPattern:             "list_pattern",
	KindTuplePattern:            "tuple_pattern",
	KindDictPattern:             "dict_pattern",
	KindKeywordPattern:          "keyword_pattern",
	KindSplatPattern:            "splat_pattern",
	KindClassPattern:            "class_pattern",
	KindComplexPattern:          "complex_pattern",
	KindDefaultParameter:        "default_parameter",
	KindTypedDefaultParameter:   "typed_default_parameter",
	KindListSplatPattern:        "list_splat_pattern",
	KindDictionarySplatPattern:  "dictionary_splat_pattern",
	KindNotOperator:             "not_operator",
	KindBooleanOperator:         "boolean_operator",
	KindBinaryOperator:          "binary_operator",
	KindUnaryOperator:           "unary_operator",
	KindComparisonOperator:      "comparison_operator",
	KindLambda:                  "lambda",
	KindAssignment:              "assignment",
	KindAugmentedAssignment:     "augmented_assignment",
	KindPatternList:             "pattern_list",
	KindYield:                   "yield",
	KindAttribute:               "attribute",
	KindSubscript:               "subscript",
	KindSlice:                   "slice",
	KindCall:                    "call",
	KindTypedParameter:          "typed_parameter",
	KindType:                    "type",
	KindSplatType:               "splat_type",
	KindGenericType:             "generic_type",
	KindUnionType:               "union_type",
	KindConstrainedType:         "constrained_type",
	KindMemberType:              "member_type",
	KindKeywordArgument:         "keyword_argument",
	KindList:                    "list",
	KindSet:                     "set",
	KindTuple:                   "tuple",
	KindDictionary:              "dictionary",
	KindPair:                    "pair",
	KindListComprehension:       "list_comprehension",
	KindDictionaryComprehension: "dictionary_comprehension",
	KindSetComprehension:        "set_comprehension",
	KindGeneratorExpression:     "generator_expression",
	KindParenthesizedExpression: "parenthesized_expression",
	KindForInClause:             "for_in_clause",
	KindIfClause:                "if_clause",
	KindConditionalExpression:   "conditional_expression",
	KindConcatenatedString:      "concatenated_string",
	KindString:                  "string",
	KindStringContent:           "string_content",
	KindInterpolation:           "interpolation",
	KindFormatSpecifier:         "format_specifier",
	KindAwait:                   "await",
	KindPositionalSeparator:     "positional_separator",
	KindKeywordSeparator:        "keyword_separator",
	KindAsPatternTarget:         "as_pattern_target",
	KindFormatExpression:        "format_expression",
	KindError:                   "ERROR",
}

// Field is the grammar field a node fills in its parent ("function" of a call, ...).
type Field uint8

const (
	FieldNone Field = iota
	FieldAlias
	FieldAlternative
	FieldArgument
	FieldArguments
	FieldAttribute
	FieldBody
	FieldCause
	FieldCode
	FieldCondition
	FieldConsequence
	FieldDefinition
	FieldExpression
	FieldFormatSpecifier
	FieldFunction
	FieldGuard
	FieldKey
	FieldLeft
	FieldModuleName
	FieldName
	FieldObject
	FieldOperator
	FieldOperators
	FieldParameters
	FieldReturnType
	FieldRight
	FieldSubject
	FieldSubscript
	FieldSuperclasses
	FieldType
	FieldTypeConversion
	FieldTypeParameters
	FieldValue
	fieldCount
)

var fieldNames = [...]string{
	FieldNone:            "",
	FieldAlias:           "alias",
	FieldAlternative:     "alternative",
	FieldArgument:        "argument",
	FieldArguments:       "arguments",
	FieldAttribute:       "attribute",
	FieldBody:            "body",
	FieldCause:           "cause",
	FieldCode:            "code",
	FieldCondition:       "condition",
	FieldConsequence:     "consequence",
	FieldDefinition:      "definition",
	FieldExpression:      "expression",
	FieldFormatSpecifier: "format_specifier",
	FieldFunction:        "function",
	FieldGuard:           "guard",
	FieldKey:             "key",
	FieldLeft:            "left",
	FieldModuleName:      "module_name",
	FieldName:            "name",
	FieldObject:          "object",
	FieldOperator:        "operator",
	FieldOperators:       "operators",
	FieldParameters:      "parameters",
	FieldReturnType:      "return_type",
	FieldRight:           "right",
	FieldSubject:         "subject",
	FieldSubscript:       "subscript",
	FieldSuperclasses:    "superclasses",
	FieldType:            "type",
	FieldTypeConversion:  "type_conversion",
	FieldTypeParameters:  "type_parameters",
	FieldValue:           "value",
}

// String returns the grammar's name for k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// String returns the grammar's name for f.
func (f Field) String() string {
	if int(f) < len(fieldNames) {
		return fieldNames[f]
	}
	return "invalid"
}
