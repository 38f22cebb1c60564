"""The names APIs give their paging and search query parameters.

A list's other query parameters that name a field of its resource are
equality filters, answered by the store through an index (``Twin.indexes``).
"""

from __future__ import annotations

PAGE_SIZE = ("limit", "page_size", "per_page", "pageSize", "perPage", "size", "max_results", "maxResults")
OFFSET = ("offset", "skip", "start")
PAGE = ("page", "page_number", "pageNumber")
CURSOR = ("cursor", "starting_after", "after", "next_token", "page_token", "pageToken", "continuation_token")
NOT_FILTERS = frozenset(PAGE_SIZE + OFFSET + PAGE + CURSOR) | {
    "sort", "order", "order_by", "sort_by", "q", "search", "query", "fields", "expand", "_mark_section",
}
"""Query parameters that shape a list rather than filter it."""
