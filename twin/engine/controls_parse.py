"""Parse SWMM 5.2 control rules ([CONTROLS]) into plain rule objects.

The rule language is SWMM's (``controls.c``, ``input.c`` ``readControl``)::

    VARIABLE  name = NODE J1 DEPTH         ; named premise variable
    EXPRESSION name = (v1 + v2) / 2        ; math expression of named variables
    RULE  R1
    IF    NODE J1 DEPTH > 4.5              ; object id attribute relation value | variable
    AND   SIMULATION TIME >= 1:30
    OR    expression-name < 2
    THEN  PUMP P1 STATUS = ON
    AND   ORIFICE O1 SETTING = CURVE c1 | TIMESERIES ts1 | PID kp ki kd | 0.5
    ELSE  WEIR W1 SETTING = 0.2
    PRIORITY 5

Keywords match by prefix and case-insensitively, as SWMM's ``findmatch`` does;
relational operators (``= <> < <= > >=``) must match exactly.  Element names are
resolved to integer ids here; every problem is an :class:`~twin.errors.InputError`
naming the file and line.  Premise values stay in the file's units (SWMM compares
in user units); times become SWMM day numbers (days, or days since 12/30/1899 for
dates) so that premises compare exactly as SWMM compares them.
"""

from __future__ import annotations

import numpy as np

from twin.engine.controls_expr import compile_expression

# re-exported: the rule evaluator (controls.py) and tests read the codes as controls_parse.X
from twin.engine.controls_words import (  # noqa: F401
    ATTRIB_WORDS,
    CLOCKTIME,
    CONDUIT,
    DATE,
    DAY,
    DAYOFYEAR,
    DEPTH,
    EQ,
    FLOW,
    FULLDEPTH,
    FULLFLOW,
    GAGE,
    GE,
    GT,
    HEAD,
    INFLOW,
    INTENSITY,
    K_AND,
    K_ELSE,
    K_IF,
    K_OR,
    K_PRIORITY,
    K_RULE,
    K_THEN,
    KEYWORDS,
    LE,
    LENGTH,
    LINK,
    LINK_OBJECT_KINDS,
    LT,
    MAXDEPTH,
    MONTH,
    NE,
    NODE,
    OBJECT_WORDS,
    ORIFICE,
    OUTLET,
    PID,
    PREMISE_ATTRIBUTES,
    PUMP,
    RELATIONS,
    SETTING,
    SIM,
    SLOPE,
    STATUS,
    TIME,
    TIMECLOSED,
    TIMEOPEN,
    VELOCITY,
    VOLUME,
    WEIR,
    Action,
    Premise,
    Rule,
    Variable,
    swmm_day_number,
)
from twin.errors import InputError
from twin.networks.inp_tokens import findmatch, parse_date, parse_time_h, to_float, tokenize

__all__ = ["Variable", "Premise", "Action", "Rule", "parse_rules", "swmm_day_number"]


class _Parser:
    """Reads [CONTROLS] lines one at a time, resolving names against ``net``."""

    def __init__(self, net, file, first_line):
        self.net = net
        self.file = file
        self.first_line = first_line
        self.nodes = {k.upper(): v for k, v in net.nodes.index_of().items()}
        self.links = {k.upper(): v for k, v in net.links.index_of().items()}
        self.gages = {k.upper(): v for k, v in net.raingages.index_of().items()}
        self.curves = {k.upper(): c for k, c in net.curves.items()}
        self.series = {k.upper(): k for k in net.timeseries}
        self.variables: dict[str, Variable] = {}
        self.expressions: dict[str, object] = {}
        self.rules: list[Rule] = []
        self.state = K_PRIORITY
        self.line = None

    def fail(self, msg, fld=None, code=217):
        """Raise InputError here; ``code`` is SWMM's (217: rule clause invalid or out of
        sequence, unless SWMM names the fault)."""
        raise InputError(
            msg, file=self.file, line=self.line, section="CONTROLS", field=fld, code=code
        )

    def need(self, value, msg, fld=None):
        """``value`` unless it is None (a token that did not parse): then fail with ``msg``."""
        if value is None:
            self.fail(msg, fld)
        return value

    # -- lines -----------------------------------------------------------------------
    def feed(self, toks):
        word = toks[0].upper()
        if not (self.rules or self.variables or self.expressions) and not (
            findmatch(toks[0], KEYWORDS) >= 0 or word.startswith(("VARIABLE", "EXPRESSION"))
        ):  # not (yet) rules: say so without echoing what may be any file's contents
            self.fail("not SWMM control rules: the first statement must be RULE, VARIABLE or "
                      "EXPRESSION")  # fmt: skip
        if len(toks) < 2:
            self.fail(f"too few items: {' '.join(toks)!r}", code=203)
        if word.startswith("VARIABLE"):
            return self.add_variable(toks)
        if word.startswith("EXPRESSION"):
            return self.add_expression(toks)
        k = findmatch(toks[0], KEYWORDS)
        if k < 0:
            self.fail(f"unknown keyword {toks[0]!r}", "keyword", code=205)
        if k == K_RULE:
            if toks[1].upper() in {r.name.upper() for r in self.rules}:
                self.fail(f"duplicate rule name {toks[1]!r}", "RULE")
            if len(toks) > 2:
                self.fail("RULE takes one name", "RULE")
            self.rules.append(Rule(toks[1], line=self.line))
            self.state = K_RULE
            return
        if not self.rules:
            self.fail(f"{toks[0]} clause before the first RULE")
        rule = self.rules[-1]
        st = self.state
        if k == K_IF:
            if st != K_RULE:
                self.fail("IF must follow RULE")
            self.state = K_IF
            rule.premises.append(self.premise(toks, False))
        elif k == K_AND and st == K_IF:
            rule.premises.append(self.premise(toks, False))
        elif k == K_OR and st == K_IF:
            rule.premises.append(self.premise(toks, True))
        elif k == K_AND and st in (K_THEN, K_ELSE):
            self.add_action(rule, toks, st)
        elif (k, st) in ((K_THEN, K_IF), (K_ELSE, K_THEN)):
            self.state = k
            self.add_action(rule, toks, k)
        elif k == K_PRIORITY and st in (K_THEN, K_ELSE):
            self.state = K_PRIORITY
            p = self.need(
                to_float(toks[1]), f"PRIORITY needs a number, got {toks[1]!r}", "PRIORITY"
            )
            if len(toks) > 2:
                self.fail("PRIORITY takes one number", "PRIORITY")
            rule.priority = p
        else:
            self.fail(f"{KEYWORDS[k]} clause out of order in rule {rule.name!r}", KEYWORDS[k])

    # -- premises ----------------------------------------------------------------------
    def variable(self, toks, n) -> tuple[Variable, int]:
        """Parse ``object [id] attribute`` starting at ``toks[n]``; returns (var, last)."""
        obj = findmatch(toks[n], OBJECT_WORDS)
        if obj < 0:
            self.fail(f"unknown object type {toks[n]!r}", "object")
        index = -1
        if obj != SIM:
            n += 1
            if n >= len(toks):
                self.fail("too few items in the clause", code=203)
            table = {GAGE: self.gages, NODE: self.nodes}.get(obj, self.links)
            index = table.get(toks[n].upper(), -1)
            if index < 0:
                what = OBJECT_WORDS[obj].lower() if obj in (GAGE, NODE) else "link"
                self.fail(f"unknown {what} {toks[n]!r}", "name", code=209)
        n += 1
        if n >= len(toks):
            self.fail("too few items in the clause", code=203)
        tok = toks[n]
        if obj == GAGE:
            if tok.upper().startswith("INTENSITY"):
                return Variable(GAGE, index, INTENSITY), n
            self.fail(f"gage attribute {tok!r} is not supported (only INTENSITY)", "attribute")
        attr = findmatch(tok, ATTRIB_WORDS)
        if attr < 0:
            self.fail(f"unknown attribute {tok!r}", "attribute")
        ok = attr in PREMISE_ATTRIBUTES[obj] or (
            (obj in LINK_OBJECT_KINDS or obj == LINK) and attr in (TIMEOPEN, TIMECLOSED)
        )
        if not ok:
            self.fail(f"{OBJECT_WORDS[obj]} has no attribute {ATTRIB_WORDS[attr]}", "attribute")
        return Variable(NODE if obj == NODE else (SIM if obj == SIM else LINK), index, attr), n

    def premise(self, toks, is_or) -> Premise:
        if len(toks) < 4:
            self.fail("too few items in the premise", code=203)
        expr = self.expressions.get(toks[1].upper())
        lhs, n = None, 1
        if expr is None:
            lhs = self.variables.get(toks[1].upper())
            if lhs is None:
                lhs, n = self.variable(toks, 1)
        n += 1
        if n >= len(toks):
            self.fail("premise has no relational operator")
        if toks[n] not in RELATIONS:
            self.fail(f"unknown relational operator {toks[n]!r}", "relation")
        rel = RELATIONS.index(toks[n])
        n += 1
        if n >= len(toks):
            self.fail("premise has no right-hand side")
        p = Premise(is_or, lhs, rel, expr=expr, line=self.line)
        named = self.variables.get(toks[n].upper())
        if named is not None:
            p.rhs = named
        elif findmatch(toks[n], OBJECT_WORDS) >= 0:
            p.rhs, n = self.variable(toks, n)
        else:
            p.value = self.premise_value(toks[n], -1 if lhs is None else lhs.attr)
        if n + 1 < len(toks):
            self.fail(f"unexpected {toks[n + 1]!r} after the premise")
        return p

    def premise_value(self, tok, attr) -> float:
        if attr == STATUS:
            v = findmatch(tok, ("OFF", "ON"))
            v = findmatch(tok, ("CLOSED", "OPEN")) if v < 0 else v
            if v < 0:
                self.fail(f"status must be ON, OFF, OPEN or CLOSED, got {tok!r}", "value")
            return float(v)
        if attr in (TIME, CLOCKTIME, TIMEOPEN, TIMECLOSED):
            return self.need(parse_time_h(tok), f"bad time {tok!r}", "value") / 24.0
        if attr == DATE:
            return swmm_day_number(self.need(parse_date(tok), f"bad date {tok!r}", "value"))
        if attr in (DAY, MONTH):
            v = to_float(tok)
            hi = 7.0 if attr == DAY else 12.0
            if v is None or not 1.0 <= v <= hi:
                self.fail(f"{ATTRIB_WORDS[attr]} must be 1-{hi:.0f}, got {tok!r}", "value")
            return v
        if attr == DAYOFYEAR:
            d = parse_date(tok[:6] + "/1947")
            if d is not None:
                return float((d - np.datetime64("1947-01-01", "D")).astype(int) + 1)
            v = to_float(tok)
            if v is None or not 1.0 <= v <= 365.0:
                self.fail(f"DAYOFYEAR must be MM/DD or 1-365, got {tok!r}", "value")
            return v
        return self.need(to_float(tok), f"expected a number, got {tok!r}", "value")

    # -- actions -------------------------------------------------------------------------
    def add_action(self, rule, toks, state):
        if len(toks) < 6:
            self.fail("too few items in the action", code=203)
        obj = findmatch(toks[1], OBJECT_WORDS)
        if obj not in LINK_OBJECT_KINDS and obj != LINK:
            self.fail(f"actions apply to links, not {toks[1]!r}", "object")
        link = self.links.get(toks[2].upper(), -1)
        if link < 0:
            self.fail(f"unknown link {toks[2]!r}", "name", code=209)
        kind = int(self.net.links.kind[link])
        if obj in LINK_OBJECT_KINDS and kind != LINK_OBJECT_KINDS[obj]:
            self.fail(f"{toks[2]!r} is not a {OBJECT_WORDS[obj].lower()}", "name")
        if obj == LINK:
            self.fail("LINK actions are not supported: name the link's type", "object")
        attr = findmatch(toks[3], ATTRIB_WORDS)
        if toks[4] != "=":
            self.fail(f"expected '=' in the action, got {toks[4]!r}")
        a = Action(len(self.rules) - 1, link, attr, line=self.line)
        used = 6
        if obj in (CONDUIT, PUMP) and attr == STATUS:
            words = ("CLOSED", "OPEN") if obj == CONDUIT else ("OFF", "ON")
            v = findmatch(toks[5], words)
            if v < 0:
                self.fail(f"status must be {' or '.join(words)}, got {toks[5]!r}", "value")
            a.value = float(v)
        elif obj != CONDUIT and attr == SETTING:
            used = self.action_setting(a, toks)
            if obj != PUMP and a.attr == SETTING and a.curve is None and not a.series:
                if not 0.0 <= a.value <= 1.0:
                    self.fail(f"setting must be 0-1, got {toks[5]!r}", "value")
        else:
            self.fail(f"{OBJECT_WORDS[obj]} {toks[3]} cannot be set by a rule", "attribute")
        if used < len(toks):
            self.fail(f"unexpected {toks[used]!r} after the action")
        target = rule.then_actions if state == K_THEN else rule.else_actions
        target.insert(0, a)  # SWMM prepends: later actions come first

    def action_setting(self, a, toks) -> int:
        k = findmatch(toks[5], ("CURVE", "TIMESERIES", "PID"))
        if k >= 0 and len(toks) < 7:
            self.fail(f"{toks[5]} needs a name or coefficients")
        if k == 0:
            c = self.need(self.curves.get(toks[6].upper()), f"unknown curve {toks[6]!r}", "CURVE")
            a.curve = (np.asarray(c.x, dtype=np.float64), np.asarray(c.y, dtype=np.float64))
            return 7
        if k == 1:
            a.series = self.need(
                self.series.get(toks[6].upper()), f"unknown time series {toks[6]!r}", "TIMESERIES"
            )
            return 7
        if k == 2:
            if len(toks) < 9:
                self.fail("PID needs kp ki kd", "PID")
            vals = [to_float(t) for t in toks[6:9]]
            if any(v is None for v in vals):
                self.fail(f"PID coefficients must be numbers: {' '.join(toks[6:9])}", "PID")
            a.attr = PID
            a.kp, a.ki, a.kd = vals
            a.value = a.kp
            return 9
        a.value = self.need(
            to_float(toks[5]), f"setting must be a number, got {toks[5]!r}", "value"
        )
        return 6

    # -- named variables and expressions ---------------------------------------------------
    def add_variable(self, toks):
        if len(toks) < 5:
            self.fail("VARIABLE needs: name = object [id] attribute")
        name = toks[1]
        if findmatch(name, ATTRIB_WORDS) >= 0 and name.upper() in ATTRIB_WORDS:
            self.fail(f"variable name {name!r} is an attribute name", "VARIABLE")
        if toks[2] != "=":
            self.fail(f"expected '=', got {toks[2]!r}", "VARIABLE")
        var, n = self.variable(toks, 3)
        if n + 1 < len(toks):
            self.fail(f"unexpected {toks[n + 1]!r} after the variable")
        self.variables[name.upper()] = var

    def add_expression(self, toks):
        if len(toks) < 4 or toks[2] != "=":
            self.fail("EXPRESSION needs: name = math expression")
        text = " ".join(toks[3:])
        try:
            self.expressions[toks[1].upper()] = compile_expression(text, self.variables)
        except ValueError as exc:
            self.fail(f"bad expression {text!r}: {exc}", "EXPRESSION", code=233)


def parse_rules(text: str, net, *, file=None, first_line=None):
    """Parse [CONTROLS] text; returns (rules, named variables, expressions).

    ``first_line`` is the file line of the text's first line (errors name
    ``file:line``); without it errors count lines from 1 within the section.
    """
    p = _Parser(net, file, first_line)
    base = (first_line if first_line is not None else 1) - 1
    for k, raw in enumerate(text.splitlines(), start=1):
        toks = tokenize(raw)
        if not toks:
            continue
        p.line = base + k
        p.feed(toks)
    for r in p.rules:
        if not r.premises or not r.then_actions:
            p.line = r.line
            p.fail(f"rule {r.name!r} needs an IF premise and a THEN action")
    return p.rules, p.variables, p.expressions
