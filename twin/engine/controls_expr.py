"""SWMM's control-rule math expressions (``mathexpr.c``) as Python callables.

An EXPRESSION line names a formula of numbers, named premise variables,
``+ - * / ^``, parentheses and SWMM's one-argument functions; it is compiled once
into a closure that the rule evaluator calls with the variables' current values.
"""

from __future__ import annotations

import ast
import math

import numpy as np

from twin.engine.controls_words import Variable

__all__ = ["compile_expression"]

_FUNCS = {
    "COS": math.cos, "SIN": math.sin, "TAN": math.tan, "COT": lambda x: 1.0 / math.tan(x),
    "ABS": abs, "SGN": lambda x: float(np.sign(x)), "SQRT": math.sqrt, "LOG": math.log,
    "EXP": math.exp, "ASIN": math.asin, "ACOS": math.acos, "ATAN": math.atan,
    "ACOT": lambda x: math.atan(1.0 / x), "SINH": math.sinh, "COSH": math.cosh,
    "TANH": math.tanh, "COTH": lambda x: 1.0 / math.tanh(x), "LOG10": math.log10,
    "STEP": lambda x: 0.0 if x <= 0.0 else 1.0,
}  # fmt: skip
_BINOPS = {ast.Add: float.__add__, ast.Sub: float.__sub__, ast.Mult: float.__mul__,
           ast.Div: float.__truediv__, ast.Pow: float.__pow__}  # fmt: skip


def compile_expression(text: str, variables: dict[str, Variable]):
    """A callable ``f(value_of) -> float`` of a SWMM math expression.

    ``value_of(Variable) -> float`` gives a named variable's current value.  Only
    numbers, the named variables, ``+ - * / ^``, parentheses and SWMM's functions
    are accepted (ValueError otherwise).
    """
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval").body
    except SyntaxError:
        raise ValueError("not a valid expression") from None

    def build(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            v = float(node.value)
            return lambda value_of: v
        if isinstance(node, ast.Name):
            var = variables.get(node.id.upper())
            if var is None:
                raise ValueError(f"unknown variable {node.id!r}")
            return lambda value_of: value_of(var)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            f = build(node.operand)
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return lambda value_of: sign * f(value_of)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op, fa, fb = _BINOPS[type(node.op)], build(node.left), build(node.right)
            return lambda value_of: op(fa(value_of), fb(value_of))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id.upper() in _FUNCS and len(node.args) == 1
                and not node.keywords):  # fmt: skip
            fn, fa = _FUNCS[node.func.id.upper()], build(node.args[0])
            return lambda value_of: float(fn(fa(value_of)))
        raise ValueError(f"unsupported element {ast.dump(node)[:40]}")

    return build(tree)
