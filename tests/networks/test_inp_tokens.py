"""Line tokens and numbers as SWMM's input parser reads them (``getTokens``, ``getDouble``).

The reference tokenizer below restates SWMM's rule (separators are space, tab, CR
and LF; a double quote starts a token that runs to the next quote; ``;`` starts a
comment); the reader's fast path must agree with it on any text.
"""

import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from twin.networks.inp_tokens import to_float, tokenize

SEPARATORS = " \t\r\n"
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def swmm_tokens(text: str) -> list[str]:
    text = text.split(";", 1)[0]
    toks, i = [], 0
    while i < len(text):
        if text[i] in SEPARATORS:
            i += 1
        elif text[i] == '"':
            j = text.find('"', i + 1)
            j = len(text) if j < 0 else j
            toks.append(text[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < len(text) and text[j] not in SEPARATORS:
                j += 1
            toks.append(text[i:j])
            i = j
    return toks


LINE_CHARS = st.sampled_from(list('ab1.;"_-+eE \t\r\x0b\x0c\xa0\u2003\u3000'))


@settings(max_examples=500, deadline=None)
@given(st.text(LINE_CHARS, max_size=30))
def test_tokenize_agrees_with_swmm_rule(text):
    assert tokenize(text) == swmm_tokens(text)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("0123456789.eE+-_ infa")), max_size=8))
def test_to_float_takes_exactly_finite_decimal_numbers(token):
    v = to_float(token)
    if NUMBER.match(token) and math.isfinite(float(token)):
        assert v == float(token)
    else:
        assert v is None


def test_examples():
    assert tokenize('J1  "Main St" 10.5 ; note') == ["J1", "Main St", "10.5"]
    assert tokenize("a\xa0b c") == ["a\xa0b", "c"]  # a no-break space is not a separator
    assert tokenize("J1" + " " * 60 + '"x') == ["J1", "x"]  # linear time, no backtracking
    assert to_float("1e400") is None and to_float("-.5E+1") == -5.0 and to_float("1_0") is None
