"""Which query-string names a page reads, so that a probe of odd values sends each value
to every name the page reads, and to one name it does not read, rather than to every
name any page might read.

A name a page never reads reaches it only as part of the raw query string (a link back
to the same page, the sign-in redirect's ``next``): every such name behaves as any other
does, so one of them stands for all. A page that reads the query string whole (a schema
loading every argument, a feed copying them into its links) is probed on every name.
What a page reads is recorded on each request, so a name read only once another has an
odd value is probed too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict


@dataclass
class Reads:
    names: set[str] = field(default_factory=set)
    whole: bool = False


_current = Reads()


def _read_whole(method_name: str):
    method = getattr(ImmutableMultiDict, method_name)

    def reading_whole(self, *args, **kwargs):
        _current.whole = True
        return method(self, *args, **kwargs)

    reading_whole.__name__ = method_name
    return reading_whole


class ReadingArgs(ImmutableMultiDict):
    """The request's query arguments, noting each name asked for."""

    def __getitem__(self, key):
        _current.names.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's names
        _current.names.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002 - werkzeug's names
        _current.names.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        _current.names.add(key)
        return super().__contains__(key)


# The methods that hand out every name at once (iteration, copies, conversions).
WHOLE_READS = ("__iter__", "__len__", "keys", "values", "items", "lists", "listvalues", "to_dict", "copy")
for _method in WHOLE_READS:
    setattr(ReadingArgs, _method, _read_whole(_method))


class ReadingRequest(Request):
    parameter_storage_class = ReadingArgs


def query_string(name: str, value: str | Sequence[str]) -> str:
    """``name=value``, or the name once per value of a list; a lone surrogate is sent as
    the bytes it would be in UTF-8, as a script could send it."""
    values = [value] if isinstance(value, str) else value
    return "&".join(f"{quote(name)}={quote(each, safe='', errors='surrogatepass')}" for each in values)


def get_reading(client, path: str, query: str = "") -> tuple[int, Reads]:
    """A GET of ``path`` with ``query``: its status and what it read of the query."""
    client.application.request_class = ReadingRequest
    global _current
    _current = Reads()
    response = client.get(f"{path}?{query}" if query else path)
    response.close()
    return response.status_code, _current


@dataclass(frozen=True)
class Probe:
    path: str
    name: str
    value: str | Sequence[str]
    status: int


def probe_query(
    client, path: str, values_by_name: Mapping[str, Sequence[str | Sequence[str]]]
) -> Iterator[Probe]:
    """Each name's values in the query string of ``path``, for every name it reads (all
    of them when it reads the query whole) and for one name that it does not read; a
    value that is a list is the name repeated, once with each."""
    names = list(values_by_name)
    pending: list[str] = []
    probed: set[str] = set()

    def take(reads: Reads) -> None:
        for name in names:
            if (reads.whole or name in reads.names) and name not in probed and name not in pending:
                pending.append(name)

    _status, reads = get_reading(client, path)
    take(reads)
    unread = [name for name in names if name not in pending]
    pending.extend(unread[:1])
    while pending:
        name = pending.pop(0)
        probed.add(name)
        for value in values_by_name[name]:
            status, reads = get_reading(client, path, query_string(name, value))
            yield Probe(path, name, value, status)
            take(reads)
