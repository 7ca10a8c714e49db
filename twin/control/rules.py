"""The network's own [CONTROLS], restricted to the links a controller operates.

When the controller hands an interval to the rules (or weighs the rules as a
candidate), only its actuators follow them: links outside the actuator set stay in
passive operation, as they do in every other controlled run.  :func:`rules_on` keeps
the RULE blocks whose every action sets an actuator (VARIABLE and EXPRESSION lines are
kept); a rule that also sets another link is dropped whole.
"""

from __future__ import annotations

import dataclasses

__all__ = ["rules_on"]

_STARTS = ("RULE", "VARIABLE", "EXPRESSION")


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """``[(keyword, lines)]``: the text cut where a RULE, VARIABLE or EXPRESSION starts."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        word = line.split(";", 1)[0].strip().split(" ", 1)[0].upper()
        if word in _STARTS or not out:
            out.append((word if word in _STARTS else "", [line]))
        else:
            out[-1][1].append(line)
    return out


def rules_on(net, links) -> object | None:
    """A copy of ``net`` whose [CONTROLS] hold only the rules acting on ``links`` (rows of
    ``net.links``); ``net`` itself when all of them do; None when none does."""
    from twin.engine.controls import parse_controls

    text = net.controls
    if not text.strip():
        return None
    links = {int(j) for j in links}
    every = parse_controls(text, net=net, file=net.source or None,
                           first_line=net.controls_first_line)  # fmt: skip
    acted = {a.link for r in every.rules for a in r.then_actions + r.else_actions}
    if acted <= links:
        return net
    blocks = _blocks(text)
    defs = [ln for word, lines in blocks if word in ("VARIABLE", "EXPRESSION") for ln in lines]
    keep, kept = list(defs), 0
    for word, lines in blocks:
        if word != "RULE":
            continue
        one = parse_controls("\n".join(defs + lines), net=net)
        targets = {a.link for r in one.rules for a in r.then_actions + r.else_actions}
        if targets and targets <= links:
            keep += lines
            kept += 1
    if kept == 0:
        return None
    return dataclasses.replace(net, controls="\n".join(keep) + "\n", controls_first_line=None)
