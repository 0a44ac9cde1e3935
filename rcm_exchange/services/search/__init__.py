"""Search in the app: adapts documents to the framework-free ``search_index`` package,
keeps this host's index in step with the database through the search log, and answers
queries through the one access policy.

Callers use the names below (``from rcm_exchange.services import search``); each job
has its module:

- ``engine``: this process's engine and the drain lock;
- ``entries``: a document as the index holds it, and what to index or remove;
- ``sync``: catching up with the search log, rebuilding, checking, pruning, status;
- ``params``, ``typed_filters``, ``queries``: asking, with the filters typed in ``q``.
"""

from rcm_exchange.services.search.engine import drain_lock, get_engine
from rcm_exchange.services.search.entries import document_names, index_entry, keep_listings
from rcm_exchange.services.search.params import SearchParams
from rcm_exchange.services.search.queries import (
    FacetLabels,
    NewestPage,
    SearchItem,
    SearchPage,
    Tally,
    facet_labels,
    listing_rows,
    load_visible,
    newest_documents,
    related_documents,
    search_documents,
    search_hits,
    similar_published,
    tally,
)
from rcm_exchange.services.search.sync import (
    REBUILD_THREAD_NAME,
    IndexReport,
    catch_up,
    catch_up_quietly,
    check_index,
    index_status,
    pending_changes,
    prune_search_log,
    published_count,
    rebuild,
    rebuild_in_background,
)
from rcm_exchange.services.search.typed_filters import TYPED_FIELDS, apply_typed_filters

__all__ = [
    "REBUILD_THREAD_NAME",
    "TYPED_FIELDS",
    "FacetLabels",
    "IndexReport",
    "NewestPage",
    "SearchItem",
    "SearchPage",
    "SearchParams",
    "Tally",
    "apply_typed_filters",
    "catch_up",
    "catch_up_quietly",
    "check_index",
    "document_names",
    "drain_lock",
    "facet_labels",
    "get_engine",
    "index_entry",
    "index_status",
    "keep_listings",
    "listing_rows",
    "load_visible",
    "newest_documents",
    "pending_changes",
    "prune_search_log",
    "published_count",
    "rebuild",
    "rebuild_in_background",
    "related_documents",
    "search_documents",
    "search_hits",
    "similar_published",
    "tally",
]
