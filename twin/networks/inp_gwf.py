"""[GWF] custom groundwater flow expressions (``gwater.c`` with ``mathexpr.c``) as programs
the groundwater kernel evaluates (:func:`twin.kernels.runoff.groundwater.eval_program`).

An expression of numbers, the groundwater variables (HGW, HSW, HCB, HGS, KS, K, THETA,
PHI, FI, FU, A), ``+ - * / ^``, parentheses and SWMM's one-argument functions is
compiled into postfix opcodes (SWMM's own codes: 3 ``+``, 4 ``-``, 5 ``*``, 6 ``/``, 7 a
number, 8 a variable, 9 negation, 10-28 the functions, 31 ``^``) with one argument each
(the number, or the variable's index).
"""

from __future__ import annotations

import ast

import numpy as np

#: SWMM's GWVarWords, in its order (the kernel's variable indices)
VARIABLES = ("HGW", "HSW", "HCB", "HGS", "KS", "K", "THETA", "PHI", "FI", "FU", "A")
FUNCTIONS = ("COS", "SIN", "TAN", "COT", "ABS", "SGN", "SQRT", "LOG", "EXP", "ASIN", "ACOS",
             "ATAN", "ACOT", "SINH", "COSH", "TANH", "COTH", "LOG10", "STEP")  # fmt: skip
_BINOPS = {ast.Add: 3, ast.Sub: 4, ast.Mult: 5, ast.Div: 6, ast.Pow: 31}
MAX_STACK = 50  # SWMM's MAX_STACK_SIZE


def compile_gwf(text: str) -> tuple[list[int], list[float]]:
    """Postfix ``(opcodes, arguments)`` of a [GWF] expression; ValueError if it is not one
    SWMM accepts (an unknown name or function, another construct)."""
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval").body
    except SyntaxError:
        raise ValueError("not a valid expression") from None
    ops: list[int] = []
    args: list[float] = []

    def emit(op, arg=0.0):
        ops.append(op)
        args.append(float(arg))

    def build(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            emit(7, node.value)
        elif isinstance(node, ast.Name):
            name = node.id.upper()
            if name not in VARIABLES:
                raise ValueError(f"unknown variable {node.id!r}")
            emit(8, VARIABLES.index(name))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            build(node.operand)
            if isinstance(node.op, ast.USub):
                emit(9)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            build(node.left)
            build(node.right)
            emit(_BINOPS[type(node.op)])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id.upper() in FUNCTIONS and len(node.args) == 1
              and not node.keywords):  # fmt: skip
            build(node.args[0])
            emit(10 + FUNCTIONS.index(node.func.id.upper()))
        else:
            raise ValueError(f"unsupported element {ast.dump(node)[:40]}")

    build(tree)
    if len(ops) > 4 * MAX_STACK:
        raise ValueError("expression too long")
    return ops, args


def gwf_programs(exprs: list[tuple[int, str, str]], pair_of_subcatch: dict[int, int], k: int):
    """Programs of the [GWF] lines ``(subcatchment, LATERAL|DEEP, text)`` (a later line
    replaces an earlier): ``ops`` (m,) int64, ``args`` (m,) float64 and ``span`` (k, 4)
    int64 (lateral start and length, deep start and length per aquifer pair; 0 length:
    none).  Lines of subcatchments without an aquifer are not used (as in SWMM)."""
    latest: dict[tuple[int, int], str] = {}
    for sub, kind, text in exprs:
        if sub in pair_of_subcatch:
            latest[(pair_of_subcatch[sub], 0 if kind.upper().startswith("LAT") else 1)] = text
    ops: list[int] = []
    args: list[float] = []
    span = np.zeros((k, 4), np.int64)
    for (i, which), text in sorted(latest.items()):
        o, a = compile_gwf(text)
        span[i, 2 * which] = len(ops)
        span[i, 2 * which + 1] = len(o)
        ops += o
        args += a
    return np.asarray(ops, np.int64), np.asarray(args, np.float64), span
