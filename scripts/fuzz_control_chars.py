"""schemathesis hooks for scripts/fuzz-api.sh's control-character pass.

Every generated string in a body or query gets a control character appended (NUL, ESC, DEL,
backspace in turn), and a custom check demands that such a request is refused (4xx): never
accepted, never a server error. Loaded with SCHEMATHESIS_HOOKS=fuzz_control_chars.
"""

import json
from urllib.parse import parse_qsl, urlsplit

import schemathesis

CONTROL = ["\x00", "\x1b", "\x7f", "\x08"]


def _taint(value, turn):
    if isinstance(value, str):
        return value + CONTROL[turn % len(CONTROL)] + "x"
    if isinstance(value, dict):
        return {k: _taint(v, turn + n) for n, (k, v) in enumerate(value.items())}
    if isinstance(value, list):
        return [_taint(v, turn + n) for n, v in enumerate(value)]
    return value


def _tainted(value):
    if isinstance(value, str):
        return any(c in value for c in CONTROL)
    if isinstance(value, dict):
        return any(_tainted(k) or _tainted(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_tainted(v) for v in value)
    return False


@schemathesis.hook
def map_body(ctx, body):
    return _taint(body, 0)


@schemathesis.hook
def map_query(ctx, query):
    return _taint(query, 1) if query else query


def _sent_tainted(request):
    """Whether the request as sent carries a control character. The generated case is not
    enough: a query value that is itself an object (negative testing makes such values) cannot
    be put in a URL, so its tainted strings never reach the server."""
    query = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
    if any(_tainted(k) or _tainted(v) for k, v in query):
        return True
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        return _tainted(json.loads(body))
    except ValueError:
        return _tainted(body)


@schemathesis.check
def control_characters_refused(ctx, response, case):
    if _sent_tainted(response.request):
        if not 400 <= response.status_code < 500:
            raise AssertionError(
                f"a control character got {response.status_code}, expected a 4xx refusal"
            )
