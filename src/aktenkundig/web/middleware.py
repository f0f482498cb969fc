"""Input out of range is the client's error, not the server's (issue #10, 7).

A number the database cannot hold (``?sammlung=99999999999999999999``, a path
id beyond 64 bits) raised ``OverflowError`` on SQLite and ``DataError`` on
PostgreSQL inside whichever query used it, and the client got a 500. Views
validate what they know; this middleware is the net under all of them: such an
error answers 400 with the normal error page. The REST API has the same net as
exception handlers (``aktenkundig.api``), answering 422.
"""

from __future__ import annotations

from django.db import DataError

from aktenkundig.web.views import bad_request

OUT_OF_RANGE = (OverflowError, DataError)


class OutOfRangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OUT_OF_RANGE):
            return bad_request(request, exception)
        return None
