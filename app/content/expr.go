package content

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"

	"github.com/expr-lang/expr"
	exprast "github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	exprparser "github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// VarType is the type of a scenario variable, fixed by its initial value.
type VarType string

// The variable types: whole numbers and booleans.
const (
	Int  VarType = "int"
	Bool VarType = "bool"
)

// Variable is a declared scenario variable.
type Variable struct {
	Name    string
	Type    VarType
	Initial any // int or bool, as Type says
}

// Condition is a compiled `if`.
type Condition struct {
	Source  string // as written, shown to authors (e.g. in the graph view)
	canon   string
	program *vm.Program
}

// Holds evaluates the condition against variable values (int or bool, as
// declared). It fails only on values of the wrong type.
func (c *Condition) Holds(vars map[string]any) (bool, error) {
	if c.program == nil {
		// Only in a draft from ParseDraft, whose `if` did not compile.
		return false, fmt.Errorf("content: if %q did not compile", c.Source)
	}
	out, err := expr.Run(c.program, vars)
	if err != nil {
		return false, fmt.Errorf("content: if %q: %w", c.Source, err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("content: if %q gave %T, not bool", c.Source, out)
	}
	return b, nil
}

// Assignment is one compiled entry of a choice's `set`.
type Assignment struct {
	Var     string
	Source  string // as written
	canon   string
	program *vm.Program
}

// Value evaluates the new value of Var against the variable values before
// the choice: all of a choice's assignments read the same old values, since
// YAML mappings have no order to apply them in.
func (a *Assignment) Value(vars map[string]any) (any, error) {
	out, err := expr.Run(a.program, vars)
	if err != nil {
		return nil, fmt.Errorf("content: set %s = %q: %w", a.Var, a.Source, err)
	}
	return out, nil
}

// varName is the form of a variable name: an expression identifier.
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// exprLimit bounds an expression's length; real conditions are a few dozen
// characters, and the bound keeps compile time trivial for any input.
const exprLimit = 1000

// exprEnv builds the type environment the compiler checks against.
func exprEnv(vars []Variable) map[string]any {
	env := make(map[string]any, len(vars))
	for _, v := range vars {
		env[v.Name] = v.Initial
	}
	return env
}

// checkVarName reports why name cannot be a variable, or "".
func checkVarName(name string, initial any) string {
	if !varName.MatchString(name) {
		return fmt.Sprintf("variable name %q must be letters, digits and _ and not start with a digit", name)
	}
	// Keywords of the expression language (true, and, not, in, ...) cannot
	// be used as names: compiling the bare name shows whether it is one.
	p, err := expr.Compile(name, expr.Env(map[string]any{name: initial}), expr.DisableAllBuiltins())
	if err != nil || p.Node().Type() != reflect.TypeOf(initial) {
		return fmt.Sprintf("variable name %q is a reserved word", name)
	}
	return ""
}

// exprError is a problem with one expression, in words for the author.
type exprError struct {
	msg  string
	rule string // "" for S9; S11 for the length limit
}

func (e *exprError) Error() string { return e.msg }

// exprRule is the rule an expression problem falls under.
func exprRule(err error) string {
	var ee *exprError
	if errors.As(err, &ee) && ee.rule != "" {
		return ee.rule
	}
	return "S9"
}

// compileExpr compiles an `if` (want Bool) or a `set` value (want the
// variable's type). Only variables, whole numbers, true/false, the
// arithmetic, comparison and boolean operators and ?: are allowed: no
// functions, strings, decimals, division or ranges, so evaluation can
// neither fail nor run long at play time.
func compileExpr(src string, vars []Variable, want VarType) (*vm.Program, string, error) {
	if runeLen(src) > exprLimit {
		return nil, "", &exprError{msg: fmt.Sprintf("is over the limit of %d characters", exprLimit), rule: "S11"}
	}
	tree, err := exprparser.Parse(src)
	if err != nil {
		return nil, "", &exprError{msg: "does not parse: " + exprMessage(err)}
	}
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	canon, err := canonExpr(tree.Node, names)
	if err != nil {
		return nil, "", err
	}
	program, err := expr.Compile(src, expr.Env(exprEnv(vars)), expr.DisableAllBuiltins())
	if err != nil {
		return nil, "", &exprError{msg: "does not compile: " + exprMessage(err)}
	}
	got := program.Node().Type()
	var wantType reflect.Type
	switch want {
	case Int:
		wantType = reflect.TypeOf(0)
	case Bool:
		wantType = reflect.TypeOf(false)
	}
	if got != wantType {
		return nil, "", &exprError{msg: fmt.Sprintf("gives %s, but must give %s", typeWord(got), typeWord(wantType))}
	}
	return program, canon, nil
}

func typeWord(t reflect.Type) string {
	if t == nil {
		return "no fixed type"
	}
	switch t.Kind() {
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true/false"
	case reflect.Float64:
		return "a decimal number"
	}
	return t.String()
}

func exprMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s (at character %d)", fe.Message, fe.From+1)
	}
	return oneLine(err.Error())
}

const allowedExpr = "expressions may use only variables, whole numbers, true, false, " +
	"( ), ?: and the operators ! - + * % == != < <= > >= && ||"

var (
	unaryOps  = map[string]string{"!": "!", "not": "!", "-": "-", "+": "+"}
	binaryOps = map[string]string{
		"+": "+", "-": "-", "*": "*", "%": "%",
		"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
		"&&": "&&", "and": "&&", "||": "||", "or": "||",
	}
)

// canonExpr checks that an expression uses only the allowed forms and
// prints it fully parenthesised with one spelling per operator, so that
// spacing or `and` for `&&` does not change a version, while any change in
// meaning does.
func canonExpr(n exprast.Node, vars []string) (string, error) {
	switch v := n.(type) {
	case *exprast.IdentifierNode:
		for _, name := range vars {
			if name == v.Value {
				return v.Value, nil
			}
		}
		return "", &exprError{msg: fmt.Sprintf("names undeclared variable %q%s", v.Value, suggest(v.Value, vars))}
	case *exprast.IntegerNode:
		return strconv.Itoa(v.Value), nil
	case *exprast.BoolNode:
		return strconv.FormatBool(v.Value), nil
	case *exprast.UnaryNode:
		op, ok := unaryOps[v.Operator]
		if !ok {
			return "", &exprError{msg: fmt.Sprintf("uses operator %q; %s", v.Operator, allowedExpr)}
		}
		x, err := canonExpr(v.Node, vars)
		if err != nil {
			return "", err
		}
		return "(" + op + x + ")", nil
	case *exprast.BinaryNode:
		op, ok := binaryOps[v.Operator]
		if !ok {
			return "", &exprError{msg: fmt.Sprintf("uses operator %q; %s", v.Operator, allowedExpr)}
		}
		if op == "%" {
			// A remainder by zero would fail at play time; a literal divisor
			// is all real content needs.
			if d, ok := v.Right.(*exprast.IntegerNode); !ok || d.Value == 0 {
				return "", &exprError{msg: "uses % with a divisor that is not a whole number other than 0 written out"}
			}
		}
		l, err := canonExpr(v.Left, vars)
		if err != nil {
			return "", err
		}
		r, err := canonExpr(v.Right, vars)
		if err != nil {
			return "", err
		}
		return "(" + l + " " + op + " " + r + ")", nil
	case *exprast.ConditionalNode:
		c, err := canonExpr(v.Cond, vars)
		if err != nil {
			return "", err
		}
		a, err := canonExpr(v.Exp1, vars)
		if err != nil {
			return "", err
		}
		b, err := canonExpr(v.Exp2, vars)
		if err != nil {
			return "", err
		}
		return "(" + c + " ? " + a + " : " + b + ")", nil
	}
	return "", &exprError{msg: fmt.Sprintf("uses %s; %s", exprKind(n), allowedExpr)}
}

func exprKind(n exprast.Node) string {
	switch n.(type) {
	case *exprast.CallNode, *exprast.BuiltinNode:
		return "a function call"
	case *exprast.StringNode, *exprast.BytesNode:
		return "text"
	case *exprast.FloatNode:
		return "a decimal number"
	case *exprast.NilNode:
		return "nil"
	case *exprast.MemberNode, *exprast.ChainNode, *exprast.SliceNode:
		return "a field or index"
	case *exprast.ArrayNode, *exprast.MapNode:
		return "a list or map"
	case *exprast.VariableDeclaratorNode:
		return "let"
	case *exprast.PredicateNode, *exprast.PointerNode:
		return "a predicate"
	}
	return "an unsupported form"
}
