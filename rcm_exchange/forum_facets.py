"""The forum's search vocabulary: which search parameters are the forum's keywords and
which of them are counted as facets.

Schemas, pages and ``services.forum_search`` read it; it imports nothing, so the
request schemas can name the facets without importing a service.
"""

# A forum keyword is ``kind:value`` beside the tag slugs, which never hold a colon.
SEPARATOR = ":"
# The search parameters that are keywords, in the order the facets are shown.
KEYWORD_PARAMETERS = ("meeting", "body", "standing", "ppt_year", "call")
# Those counted as facets (a call's answers are shown on the call's own page).
FACETS = ("meeting", "body", "standing", "ppt_year")
