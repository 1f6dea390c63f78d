"""schemathesis hooks for scripts/fuzz-api.sh's control-character pass.

Every generated string in a body or query gets a control character appended (NUL, ESC, DEL,
backspace in turn), and a custom check demands that such a request is refused (4xx): never
accepted, never a server error. Loaded with SCHEMATHESIS_HOOKS=fuzz_control_chars.
"""

import json
import os
import urllib.parse

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


def _has_control(text):
    return any(c in text for c in CONTROL)


def _multipart_text(request):
    """The text of a multipart body's parts (their headers and values), leaving out file
    parts, whose bytes may hold any value (a PNG has NUL and ESC bytes); None for any other
    body."""
    ctype = request.headers.get("Content-Type", "")
    if not ctype.lower().startswith("multipart/form-data") or "boundary=" not in ctype:
        return None
    boundary = ctype.split("boundary=", 1)[1].split(";")[0].strip().strip('"').encode()
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogateescape")
    texts = []
    for part in body.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        if b"filename=" in head:
            continue
        texts.append((head + value).decode("utf-8", "replace").strip("\r\n-"))
    return texts


def _sent_control(request):
    """Whether the request as sent (not as generated: generation may still change it) carries
    a control character in its query or body (in a multipart body, in a text part)."""
    query = urllib.parse.urlsplit(request.url).query
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if _has_control(key) or _has_control(value):
            return True
    texts = _multipart_text(request)
    if texts is not None:
        return any(_has_control(t) for t in texts)
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        return _has_control(json.dumps(json.loads(body), ensure_ascii=False))
    except ValueError:
        return _has_control(body)


@schemathesis.hook
def map_body(ctx, body):
    return _taint(body, 0)


@schemathesis.hook
def map_query(ctx, query):
    return _taint(query, 1) if query else query


def _count_sent():
    """Tallies requests that carried a control character, in the file FUZZ_CONTROL_COUNT
    names, so the script can tell that the pass tested something."""
    path = os.environ.get("FUZZ_CONTROL_COUNT")
    if path:
        with open(path, "a", encoding="ascii") as tally:
            tally.write("x")


@schemathesis.check
def control_characters_refused(ctx, response, case):
    if _sent_control(response.request):
        _count_sent()
        if not 400 <= response.status_code < 500:
            raise AssertionError(
                f"a control character got {response.status_code}, expected a 4xx refusal"
            )
